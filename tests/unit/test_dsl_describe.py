"""Topology.describe() compared line by line with what Kafka Streams prints."""

from airstream.topology import JoinWindows, Serdes, StreamsBuilder


def lines(topology):
    return str(topology.describe()).splitlines()


def test_word_count_description_matches_kafka_streams():
    b = StreamsBuilder()
    (b.stream("streams-plaintext-input")
      .flat_map_values(lambda line: line.lower().split())
      .group_by(lambda key, word: word)
      .count(name="counts-store")
      .to_stream()
      .to("streams-wordcount-output", value_serde=Serdes.Long()))
    assert lines(b.build()) == [
        "Topologies:",
        "   Sub-topology: 0",
        "    Source: KSTREAM-SOURCE-0000000000 (topics: [streams-plaintext-input])",
        "      --> KSTREAM-FLATMAPVALUES-0000000001",
        "    Processor: KSTREAM-FLATMAPVALUES-0000000001 (stores: [])",
        "      --> KSTREAM-KEY-SELECT-0000000002",
        "      <-- KSTREAM-SOURCE-0000000000",
        "    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])",
        "      --> counts-store-repartition-filter",
        "      <-- KSTREAM-FLATMAPVALUES-0000000001",
        "    Processor: counts-store-repartition-filter (stores: [])",
        "      --> counts-store-repartition-sink",
        "      <-- KSTREAM-KEY-SELECT-0000000002",
        "    Sink: counts-store-repartition-sink (topic: counts-store-repartition)",
        "      <-- counts-store-repartition-filter",
        "",
        "  Sub-topology: 1",
        "    Source: counts-store-repartition-source (topics: [counts-store-repartition])",
        "      --> KSTREAM-AGGREGATE-0000000003",
        "    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [counts-store])",
        "      --> KTABLE-TOSTREAM-0000000007",
        "      <-- counts-store-repartition-source",
        "    Processor: KTABLE-TOSTREAM-0000000007 (stores: [])",
        "      --> KSTREAM-SINK-0000000008",
        "      <-- KSTREAM-AGGREGATE-0000000003",
        "    Sink: KSTREAM-SINK-0000000008 (topic: streams-wordcount-output)",
        "      <-- KTABLE-TOSTREAM-0000000007",
        "",
    ]


def test_unnamed_count_uses_generated_store_and_repartition_names():
    b = StreamsBuilder()
    b.stream("words").group_by(lambda k, v: v).count().to_stream().to("counts")
    text = lines(b.build())
    assert "    Sink: KSTREAM-SINK-0000000004 (topic: KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition)" in text
    assert "    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000002])" in text
    assert ("    Source: KSTREAM-SOURCE-0000000006 (topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition])"
            in text)
    assert "      --> KSTREAM-FILTER-0000000005" in text


def test_table_and_global_table_descriptions():
    b = StreamsBuilder()
    b.table("INPUT_TOPIC", name="myStore")
    assert lines(b.build()) == [
        "Topologies:",
        "   Sub-topology: 0",
        "    Source: KSTREAM-SOURCE-0000000000 (topics: [INPUT_TOPIC])",
        "      --> KTABLE-SOURCE-0000000001",
        "    Processor: KTABLE-SOURCE-0000000001 (stores: [myStore])",
        "      --> none",
        "      <-- KSTREAM-SOURCE-0000000000",
        "",
    ]
    g = StreamsBuilder()
    g.global_table("INPUT_TOPIC", name="myStore")
    assert lines(g.build()) == [
        "Topologies:",
        "   Sub-topology: 0 for global store (will not generate tasks)",
        "    Source: KSTREAM-SOURCE-0000000000 (topics: [INPUT_TOPIC])",
        "      --> KTABLE-SOURCE-0000000001",
        "    Processor: KTABLE-SOURCE-0000000001 (stores: [myStore])",
        "      --> none",
        "      <-- KSTREAM-SOURCE-0000000000",
    ]


def test_unnamed_table_store_is_named_after_the_topic():
    b = StreamsBuilder()
    b.table("weather-stations")
    text = lines(b.build())
    assert text[2] == "    Source: KSTREAM-SOURCE-0000000001 (topics: [weather-stations])"
    assert text[4] == "    Processor: KTABLE-SOURCE-0000000002 (stores: [weather-stations-STATE-STORE-0000000000])"


def test_stream_stream_join_nodes_and_stores_are_named_like_kafka_streams():
    b = StreamsBuilder()
    left, right = b.stream("left"), b.stream("right")
    left.join(right, lambda lv, rv: f"{lv}/{rv}", JoinWindows.of_time_difference_with_no_grace(10)).to("out")
    text = "\n".join(lines(b.build()))
    assert "Processor: KSTREAM-WINDOWED-0000000002 (stores: [KSTREAM-JOINTHIS-0000000004-store])" in text
    assert "Processor: KSTREAM-WINDOWED-0000000003 (stores: [KSTREAM-JOINOTHER-0000000005-store])" in text
    assert ("Processor: KSTREAM-JOINTHIS-0000000004 (stores: [KSTREAM-JOINOTHER-0000000005-store])\n"
            "      --> KSTREAM-MERGE-0000000006\n"
            "      <-- KSTREAM-WINDOWED-0000000002") in text
    assert "Sink: KSTREAM-SINK-0000000007 (topic: out)" in text
    # both inputs and the join are one sub-topology (the stores tie them together)
    assert "Sub-topology: 1" not in text


def test_split_branch_names_and_node_order():
    b = StreamsBuilder()
    branches = (b.stream("in").split()
                .branch(lambda k, v: v > 0)
                .branch(lambda k, v: v < 0)
                .default_branch())
    assert sorted(branches) == ["KSTREAM-BRANCH-00000000010", "KSTREAM-BRANCH-00000000011",
                                "KSTREAM-BRANCH-00000000012"]
    text = lines(b.build())
    assert text[3] == "      --> KSTREAM-BRANCH-0000000001"
    assert text[5] == ("      --> KSTREAM-BRANCH-00000000010, KSTREAM-BRANCH-00000000011, "
                       "KSTREAM-BRANCH-00000000012")


def test_describe_is_stable_across_builds():
    def build():
        b = StreamsBuilder()
        s = b.stream(["a", "b"]).filter(lambda k, v: True).map(lambda k, v: (v, k))
        s.group_by_key().reduce(lambda a, v: v).to_stream().to("c")
        s.to("d")
        return str(b.build().describe())
    assert build() == build()


def test_stream_table_join_is_one_sub_topology_ordered_by_subtree_size():
    b = StreamsBuilder()
    b.stream("clicks").join(b.table("users"), lambda c, u: (c, u)).to("out")
    assert lines(b.build()) == [
        "Topologies:",
        "   Sub-topology: 0",
        "    Source: KSTREAM-SOURCE-0000000000 (topics: [clicks])",
        "      --> KSTREAM-JOIN-0000000004",
        "    Processor: KSTREAM-JOIN-0000000004 (stores: [users-STATE-STORE-0000000001])",
        "      --> KSTREAM-SINK-0000000005",
        "      <-- KSTREAM-SOURCE-0000000000",
        "    Source: KSTREAM-SOURCE-0000000002 (topics: [users])",
        "      --> KTABLE-SOURCE-0000000003",
        "    Sink: KSTREAM-SINK-0000000005 (topic: out)",
        "      <-- KSTREAM-JOIN-0000000004",
        "    Processor: KTABLE-SOURCE-0000000003 (stores: [users-STATE-STORE-0000000001])",
        "      --> none",
        "      <-- KSTREAM-SOURCE-0000000002",
        "",
    ]


def test_windowed_count_with_suppress_names():
    from airstream.topology import TimeWindows
    b = StreamsBuilder()
    (b.stream("in").group_by_key().windowed_by(TimeWindows.of_size_with_no_grace(10)).count()
      .suppress(until_window_closes=True).to_stream().to("out"))
    text = "\n".join(lines(b.build()))
    assert "Processor: KSTREAM-AGGREGATE-0000000002 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000001])" in text
    assert "Processor: KTABLE-SUPPRESS-0000000003 (stores: [KTABLE-SUPPRESS-STATE-STORE-0000000004])" in text
    assert "Processor: KTABLE-TOSTREAM-0000000005 (stores: [])" in text
