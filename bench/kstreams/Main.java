import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The Kafka benchmark's pipeline (bench/kafka_pipeline.py) on Kafka Streams, run by bench/bench_kafka.py
 * as the {@code kstreams} and {@code kstreams-eos} contenders:
 *
 * <pre>
 * java -cp '&lt;classes&gt;:&lt;libs&gt;/*' Main --bootstrap B --input T --output O --group G [--guarantee exactly_once_v2]
 * </pre>
 *
 * <p>Keeps tweets by users with more than 100 friends and writes {@code id} (from {@code id_str}),
 * {@code user} (the screen name), {@code text} and {@code created_at}, keeping the key and the input
 * record's timestamp (Kafka Streams' default). Kafka Streams' defaults are kept except the two the
 * harness decides: {@code application.id} (the group) and {@code processing.guarantee}. Runs until
 * SIGTERM, which closes it cleanly (commit, leave the group) from a shutdown hook.
 */
public final class Main {
    /** The CloudAir "influencer" rule: users who follow more than this many accounts. */
    private static final int INFLUENCER_FRIENDS = 100;
    /**
     * Jackson's defaults, except that characters outside the BMP (emoji) are written as UTF-8 rather than
     * as escaped surrogate pairs: the same bytes as orjson's, so every contender writes equal records.
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
        .build();

    private Main() {
    }

    /** JSON values as Jackson trees, like airstream's Serdes.Json and Quix's JSON serdes. */
    private static Serde<JsonNode> jsonSerde() {
        return Serdes.serdeFrom(
            (topic, node) -> {
                try {
                    return MAPPER.writeValueAsBytes(node);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            },
            (topic, bytes) -> {
                try {
                    return MAPPER.readTree(bytes);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
    }

    /** True for tweets by influencers; asDouble compares any JSON number as Python's {@code >} does. */
    static boolean keep(JsonNode tweet) {
        return tweet.get("user").get("friends_count").asDouble() > INFLUENCER_FRIENDS;
    }

    /** The four fields downstream steps need, in the order the Python pipeline writes them. */
    static JsonNode project(JsonNode tweet) {
        ObjectNode out = MAPPER.createObjectNode();
        out.set("id", tweet.get("id_str"));
        out.set("user", tweet.get("user").get("screen_name"));
        out.set("text", tweet.get("text"));
        out.set("created_at", tweet.get("created_at"));
        return out;
    }

    static Topology topology(String input, String output) {
        Serde<JsonNode> json = jsonSerde();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.ByteArray(), json))
            .filter((key, tweet) -> keep(tweet))
            .mapValues(Main::project)
            .to(output, Produced.with(Serdes.ByteArray(), json));
        return builder.build();
    }

    private static final String USAGE = "usage: Main --bootstrap B --input T --output O --group G "
        + "[--guarantee at_least_once|exactly_once_v2]";

    /** {@code --name value} pairs; the four the harness always passes are required. */
    private static Map<String, String> arguments(String[] args) {
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException(USAGE + "; an option has no value");
        }
        Map<String, String> options = new HashMap<>(Map.of("--guarantee", StreamsConfig.AT_LEAST_ONCE));
        for (int i = 0; i < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        for (String required : new String[] {"--bootstrap", "--input", "--output", "--group"}) {
            if (!options.containsKey(required)) {
                throw new IllegalArgumentException(USAGE + "; missing " + required);
            }
        }
        return options;
    }

    public static void main(String[] args) throws InterruptedException {
        // Before any logger exists: Kafka Streams' INFO lines would bury an error in the harness's log tail.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Map<String, String> options = arguments(args);
        Properties props = new Properties();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, options.get("--bootstrap"));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, options.get("--group"));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, options.get("--guarantee"));

        KafkaStreams streams = new KafkaStreams(topology(options.get("--input"), options.get("--output")), props);
        CountDownLatch stopped = new CountDownLatch(1);
        // A fatal error leaves the client in ERROR: exit non-zero so that the harness reports it.
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(30)), "close"));
        streams.start();
        stopped.await();
        System.err.println("Kafka Streams stopped in state " + streams.state());
        System.exit(1);
    }
}
