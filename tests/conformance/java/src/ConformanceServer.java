import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Runs catalogue cases on Kafka Streams' TopologyTestDriver for the Python conformance suite.
 *
 * <p>One JSON request per line on stdin: {"case": name, "events": [{"topic", "key", "value", "ts",
 * "wall_ms", "headers": [[name, value], ...]}, ...], "outputs": {topic: "string" | "long"}}, where
 * wall_ms moves the mocked wall clock on before the event is piped. One JSON answer per
 * line on stdout: {"steps": [[{"topic", "key", "value", "ts", "headers"}, ...] per event]} or
 * {"error": text}. The JVM stays up for the whole test run; every request gets a fresh driver
 * with record caches off, so every update is forwarded as it happens.
 */
public final class ConformanceServer {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        // The protocol owns stdout; anything else printed goes to stderr.
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("{\"ready\": " + JSON.writeValueAsString(new ArrayList<>(Catalogue.CASES.keySet())) + "}");
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode answer;
            try {
                answer = run(JSON.readTree(line));
            } catch (Throwable e) {
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                answer = JSON.createObjectNode().put("error", trace.toString());
            }
            out.println(JSON.writeValueAsString(answer));
        }
    }

    static ObjectNode run(JsonNode request) throws Exception {
        String name = request.get("case").asText();
        Consumer<StreamsBuilder> build = Catalogue.CASES.get(name);
        if (build == null) {
            throw new IllegalArgumentException("no case " + name + " in Catalogue.java");
        }
        StreamsBuilder builder = new StreamsBuilder();
        build.accept(builder);
        Path stateDir = Files.createTempDirectory("conformance-" + name);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "conformance");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        ArrayNode steps = JSON.createArrayNode();
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props, Instant.EPOCH)) {
            Map<String, TestInputTopic<String, String>> inputs = new LinkedHashMap<>();
            Map<String, TestOutputTopic<String, ?>> outputs = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> f : request.get("outputs").properties()) {
                Deserializer<?> values = "long".equals(f.getValue().asText())
                    ? new LongDeserializer() : new StringDeserializer();
                outputs.put(f.getKey(), driver.createOutputTopic(f.getKey(), new StringDeserializer(), values));
            }
            for (JsonNode event : request.get("events")) {
                long wallMs = event.path("wall_ms").asLong(0);
                if (wallMs > 0) {
                    driver.advanceWallClockTime(Duration.ofMillis(wallMs));
                }
                String topic = event.get("topic").asText();
                TestInputTopic<String, String> input = inputs.computeIfAbsent(topic,
                    t -> driver.createInputTopic(t, new StringSerializer(), new StringSerializer()));
                RecordHeaders headers = new RecordHeaders();
                for (JsonNode h : event.withArray("headers")) {
                    headers.add(h.get(0).asText(), h.get(1).asText().getBytes(StandardCharsets.UTF_8));
                }
                input.pipeInput(new TestRecord<>(text(event.get("key")), text(event.get("value")), headers,
                    Instant.ofEpochMilli(event.get("ts").asLong())));
                ArrayNode step = steps.addArray();
                for (Map.Entry<String, TestOutputTopic<String, ?>> o : outputs.entrySet()) {
                    for (TestRecord<String, ?> r : read(o.getValue())) {
                        step.add(record(o.getKey(), r));
                    }
                }
            }
        }
        return JSON.createObjectNode().set("steps", steps);
    }

    static <V> List<TestRecord<String, V>> read(TestOutputTopic<String, V> topic) {
        return topic.readRecordsToList();
    }

    static ObjectNode record(String topic, TestRecord<String, ?> r) {
        ObjectNode node = JSON.createObjectNode();
        node.put("topic", topic);
        node.put("key", r.key());
        Object value = r.value();
        if (value == null) {
            node.putNull("value");
        } else if (value instanceof Long) {
            node.put("value", (Long) value);
        } else {
            node.put("value", value.toString());
        }
        node.put("ts", r.timestamp());
        ArrayNode headers = node.putArray("headers");
        for (Header h : r.headers()) {
            headers.addArray().add(h.key()).add(h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        return node;
    }

    static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
