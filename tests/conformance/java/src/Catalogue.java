import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;

/**
 * The conformance catalogue, Kafka Streams side: every case is written operator for operator as
 * tests/conformance/cases.py writes it for airstream. Inputs are String keys and values (values are
 * small integers as text, or null); outputs are String keys with String or Long values, windowed keys
 * written as {@code key@start/end}.
 */
final class Catalogue {
    private Catalogue() {}

    static final Map<String, Consumer<StreamsBuilder>> CASES = new TreeMap<>();

    private static final Produced<String, Long> LONGS = Produced.with(Serdes.String(), Serdes.Long());

    static int num(String v) {
        return Integer.parseInt(v);
    }

    static boolean even(String v) {
        return v != null && num(v) % 2 == 0;
    }

    static String windowed(Windowed<String> wk) {
        return wk.key() + "@" + wk.window().start() + "/" + wk.window().end();
    }

    static String joined(String left, String right) {
        return left + "+" + right;
    }

    static String plus(String a, String b) {
        return Integer.toString(num(a) + num(b));
    }

    static String minus(String a, String b) {
        return Integer.toString(num(a) - num(b));
    }

    static void add(String name, Consumer<StreamsBuilder> build) {
        CASES.put(name, build);
    }

    static {
        // -- stateless ------------------------------------------------------------------------
        add("filter", b -> b.<String, String>stream("in").filter((k, v) -> even(v)).to("out"));
        add("filter_not", b -> b.<String, String>stream("in").filterNot((k, v) -> even(v)).to("out"));
        add("map", b -> b.<String, String>stream("in").map((k, v) -> KeyValue.pair(v, k)).to("out"));
        add("map_values", b -> b.<String, String>stream("in").mapValues(v -> v == null ? null : v + "!").to("out"));
        add("flat_map", b -> b.<String, String>stream("in").flatMap((k, v) -> {
            List<KeyValue<String, String>> out = new ArrayList<>();
            if (v != null) {
                out.add(KeyValue.pair(k, v));
                out.add(KeyValue.pair(k == null ? v : k + v, v));
            }
            return out;
        }).to("out"));
        add("flat_map_values", b -> b.<String, String>stream("in").flatMapValues(v -> {
            List<String> out = new ArrayList<>();
            if (v != null) {
                out.add(v);
                out.add(v + v);
            }
            return out;
        }).to("out"));
        add("select_key", b -> b.<String, String>stream("in").selectKey((k, v) -> v).to("out"));
        add("peek", b -> b.<String, String>stream("in").peek((k, v) -> { }).to("out"));
        add("split", b -> {
            Map<String, KStream<String, String>> branches = b.<String, String>stream("in")
                .split(Named.as("by-"))
                .branch((k, v) -> even(v), Branched.as("even"))
                .branch((k, v) -> v != null && num(v) % 3 == 0, Branched.as("three"))
                .defaultBranch(Branched.as("rest"));
            branches.get("by-even").to("out-even");
            branches.get("by-three").to("out-three");
            branches.get("by-rest").to("out-rest");
        });
        add("merge", b -> b.<String, String>stream("in").merge(b.<String, String>stream("in2")).to("out"));
        add("repartition", b -> b.<String, String>stream("in")
            .repartition(Repartitioned.as("spread")).mapValues(v -> v == null ? null : v + "!").to("out"));
        add("select_key_count", b -> b.<String, String>stream("in").selectKey((k, v) -> v)
            .groupByKey().count().toStream().to("out", LONGS));

        // -- tables -----------------------------------------------------------------------------
        add("table_filter", b -> b.<String, String>table("in").filter((k, v) -> even(v)).toStream().to("out"));
        add("table_filter_not", b -> b.<String, String>table("in").filterNot((k, v) -> even(v)).toStream().to("out"));
        add("table_map_values", b -> b.<String, String>table("in").mapValues(v -> v + "!").toStream().to("out"));
        add("table_to_stream", b -> b.<String, String>table("in").toStream().to("out"));
        add("merge_to_table", b -> b.<String, String>stream("in").merge(b.<String, String>stream("in2"))
            .toTable().toStream().to("out"));

        // -- aggregations -------------------------------------------------------------------------
        add("stream_count", b -> b.<String, String>stream("in").groupBy((k, v) -> v).count().toStream().to("out", LONGS));
        add("stream_reduce", b -> b.<String, String>stream("in").groupByKey()
            .reduce((agg, v) -> agg + v).toStream().to("out"));
        add("stream_aggregate", b -> b.<String, String>stream("in").groupByKey()
            .aggregate(() -> "", (k, v, agg) -> agg + k + v).toStream().to("out"));
        add("table_group_count", b -> b.<String, String>table("in")
            .groupBy((k, v) -> KeyValue.pair(Integer.toString(num(v) % 3), v)).count().toStream().to("out", LONGS));
        add("table_group_reduce", b -> b.<String, String>table("in")
            .groupBy((k, v) -> KeyValue.pair(Integer.toString(num(v) % 3), v))
            .reduce(Catalogue::plus, Catalogue::minus).toStream().to("out"));
        add("table_group_aggregate", b -> b.<String, String>table("in")
            .groupBy((k, v) -> KeyValue.pair(Integer.toString(num(v) % 3), v))
            .aggregate(() -> "0", (k, v, agg) -> plus(agg, v), (k, v, agg) -> minus(agg, v)).toStream().to("out"));

        // -- windows ------------------------------------------------------------------------------
        add("tumbling_count", b -> grouped(b).windowedBy(TimeWindows.ofSizeAndGrace(ms(10_000), ms(2_000)))
            .count().toStream((wk, v) -> windowed(wk)).to("out", LONGS));
        add("hopping_aggregate", b -> grouped(b)
            .windowedBy(TimeWindows.ofSizeAndGrace(ms(10_000), ms(3_000)).advanceBy(ms(5_000)))
            .aggregate(() -> "", (k, v, agg) -> agg + v).toStream((wk, v) -> windowed(wk)).to("out"));
        add("sliding_count", b -> grouped(b).windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(ms(5_000), ms(3_000)))
            .count().toStream((wk, v) -> windowed(wk)).to("out", LONGS));
        add("sliding_reduce", b -> grouped(b).windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(ms(5_000), ms(3_000)))
            .reduce((agg, v) -> agg + v).toStream((wk, v) -> windowed(wk)).to("out"));
        add("session_count", b -> grouped(b).windowedBy(SessionWindows.ofInactivityGapAndGrace(ms(3_000), ms(2_000)))
            .count().toStream((wk, v) -> windowed(wk)).to("out", LONGS));
        add("session_reduce", b -> grouped(b).windowedBy(SessionWindows.ofInactivityGapAndGrace(ms(3_000), ms(2_000)))
            .reduce((agg, v) -> agg + v).toStream((wk, v) -> windowed(wk)).to("out"));
        add("tumbling_suppress", b -> grouped(b).windowedBy(TimeWindows.ofSizeAndGrace(ms(10_000), ms(2_000)))
            .count().suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
            .toStream((wk, v) -> windowed(wk)).to("out", LONGS));
        add("session_suppress", b -> grouped(b).windowedBy(SessionWindows.ofInactivityGapAndGrace(ms(3_000), ms(2_000)))
            .count().suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
            .toStream((wk, v) -> windowed(wk)).to("out", LONGS));
        add("tumbling_emit_final", b -> grouped(b).windowedBy(TimeWindows.ofSizeAndGrace(ms(10_000), ms(2_000)))
            .emitStrategy(EmitStrategy.onWindowClose()).count().toStream((wk, v) -> windowed(wk)).to("out", LONGS));
        add("sliding_emit_final", b -> grouped(b).windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(ms(5_000), ms(3_000)))
            .emitStrategy(EmitStrategy.onWindowClose()).count().toStream((wk, v) -> windowed(wk)).to("out", LONGS));

        // -- joins ----------------------------------------------------------------------------------
        add("stream_table_join", b -> b.<String, String>stream("in")
            .join(b.<String, String>table("table"), Catalogue::joined).to("out"));
        add("stream_table_left_join", b -> b.<String, String>stream("in")
            .leftJoin(b.<String, String>table("table"), Catalogue::joined).to("out"));
        add("stream_global_join", b -> {
            GlobalKTable<String, String> g = b.globalTable("table");
            b.<String, String>stream("in").join(g, (k, v) -> v == null ? null : "K" + num(v) % 3, Catalogue::joined).to("out");
        });
        add("stream_global_left_join", b -> {
            GlobalKTable<String, String> g = b.globalTable("table");
            b.<String, String>stream("in").leftJoin(g, (k, v) -> v == null ? null : "K" + num(v) % 3, Catalogue::joined).to("out");
        });
        JoinWindows symmetric = JoinWindows.ofTimeDifferenceAndGrace(ms(5_000), ms(2_000));
        JoinWindows asymmetric = JoinWindows.ofTimeDifferenceAndGrace(ms(5_000), ms(2_000)).before(ms(2_000)).after(ms(6_000));
        add("stream_stream_join", b -> left(b).join(right(b), Catalogue::joined, symmetric).to("out"));
        add("stream_stream_left_join", b -> left(b).leftJoin(right(b), Catalogue::joined, symmetric).to("out"));
        add("stream_stream_outer_join", b -> left(b).outerJoin(right(b), Catalogue::joined, symmetric).to("out"));
        add("stream_stream_join_asymmetric", b -> left(b).join(right(b), Catalogue::joined, asymmetric).to("out"));
        add("stream_stream_left_join_asymmetric", b -> left(b).leftJoin(right(b), Catalogue::joined, asymmetric).to("out"));
        add("stream_stream_outer_join_asymmetric", b -> left(b).outerJoin(right(b), Catalogue::joined, asymmetric).to("out"));
        add("table_table_join", b -> leftTable(b).join(rightTable(b), Catalogue::joined).toStream().to("out"));
        add("table_table_left_join", b -> leftTable(b).leftJoin(rightTable(b), Catalogue::joined).toStream().to("out"));
        add("table_table_outer_join", b -> leftTable(b).outerJoin(rightTable(b), Catalogue::joined).toStream().to("out"));
        // Foreign key: a left row's value names a right row's key ("K0".."K2" from the number).
        add("fk_join", b -> leftTable(b).join(rightTable(b), v -> "K" + num(v) % 3, Catalogue::joined).toStream().to("out"));
        add("fk_left_join", b -> leftTable(b).leftJoin(rightTable(b), v -> "K" + num(v) % 3, Catalogue::joined)
            .toStream().to("out"));
    }

    static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    // Explicit serdes: a windowed table takes its key serde from them, and suppress() needs it.
    static KGroupedStream<String, String> grouped(StreamsBuilder b) {
        return b.<String, String>stream("in").groupByKey(Grouped.with(Serdes.String(), Serdes.String()));
    }

    static KStream<String, String> left(StreamsBuilder b) {
        return b.stream("left");
    }

    static KStream<String, String> right(StreamsBuilder b) {
        return b.stream("right");
    }

    static KTable<String, String> leftTable(StreamsBuilder b) {
        return b.table("left");
    }

    static KTable<String, String> rightTable(StreamsBuilder b) {
        return b.table("right");
    }
}
