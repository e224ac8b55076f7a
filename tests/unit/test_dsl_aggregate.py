"""Grouping, aggregation and KTable operators, checked against Kafka Streams' documented results."""

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.testing import TopologyTestDriver


def word_count_topology():
    b = StreamsBuilder()
    (b.stream("streams-plaintext-input", key_serde=Serdes.String(), value_serde=Serdes.String())
      .flat_map_values(lambda line: line.lower().split())
      .group_by(lambda key, word: word)
      .count(name="counts-store")
      .to_stream()
      .to("streams-wordcount-output", key_serde=Serdes.String(), value_serde=Serdes.Long()))
    return b.build()


def test_word_count_gives_the_documented_output():
    # The Kafka Streams quickstart: three lines in, running counts out.
    with TopologyTestDriver(word_count_topology(), {"application.id": "streams-wordcount"}) as driver:
        inp = driver.create_input_topic("streams-plaintext-input")
        out = driver.create_output_topic("streams-wordcount-output", Serdes.String(), Serdes.Long())
        for line in ["all streams lead to kafka", "hello kafka streams", "join kafka summit"]:
            inp.pipe_input(line)
        assert out.read_key_values_to_list() == [
            ("all", 1), ("streams", 1), ("lead", 1), ("to", 1), ("kafka", 1),
            ("hello", 1), ("kafka", 2), ("streams", 2),
            ("join", 1), ("kafka", 3), ("summit", 1),
        ]
        store = driver.get_key_value_store("counts-store")
        assert store.get("kafka") == 3
        assert dict(store.all())["streams"] == 2
        # the state went through the repartition topic and into the changelog
        assert driver.produced_topic_names() == {
            "streams-wordcount-output", "streams-wordcount-counts-store-repartition",
            "streams-wordcount-counts-store-changelog"}
        changelog = driver.create_output_topic("streams-wordcount-counts-store-changelog",
                                               Serdes.String(), Serdes.Long())
        assert changelog.read_key_values_to_map()["kafka"] == 3


def test_reduce_and_aggregate_per_key():
    b = StreamsBuilder()
    s = b.stream("sales", key_serde=Serdes.String(), value_serde=Serdes.Long())
    grouped = s.group_by_key()
    grouped.reduce(lambda agg, v: agg + v, name="totals").to_stream().to("totals")
    grouped.aggregate(lambda: {"n": 0, "max": 0},
                      lambda k, v, agg: {"n": agg["n"] + 1, "max": max(agg["max"], v)},
                      name="stats", value_serde=Serdes.Json()).to_stream().to("stats")
    with TopologyTestDriver(b.build()) as driver:
        driver.create_input_topic("sales").pipe_key_value_list([("a", 5), ("b", 1), ("a", 7)])
        assert driver.create_output_topic("totals").read_key_values_to_list() == [
            ("a", 5), ("b", 1), ("a", 12)]
        assert driver.create_output_topic("stats").read_values_to_list()[-1] == {"n": 2, "max": 7}
        assert driver.get_key_value_store("stats").get("a") == {"n": 2, "max": 7}


def test_aggregations_skip_null_keys_and_values_and_count_them():
    b = StreamsBuilder()
    b.stream("in").group_by_key().count(name="c").to_stream().to("out")
    with TopologyTestDriver(b.build()) as driver:
        inp = driver.create_input_topic("in")
        inp.pipe_input(None, "x")
        inp.pipe_input("k", None)
        inp.pipe_input("k", "x")
        assert driver.create_output_topic("out", value_serde=Serdes.Long()).read_key_values_to_list() == [("k", 1)]
        assert driver.metrics()["dropped-records-total"] == 2


def test_select_key_then_group_by_key_repartitions():
    b = StreamsBuilder()
    (b.stream("clicks", value_serde=Serdes.Json())
      .select_key(lambda k, v: v["page"])
      .group_by_key()
      .count(name="per-page")
      .to_stream().to("out"))
    with TopologyTestDriver(b.build(), {"application.id": "a"}) as driver:
        inp = driver.create_input_topic("clicks")
        inp.pipe_input("u1", {"page": "/home"})
        inp.pipe_input("u2", {"page": "/home"})
        assert driver.create_output_topic("out").read_key_values_to_list() == [("/home", 1), ("/home", 2)]
        assert "a-per-page-repartition" in driver.produced_topic_names()


def test_table_source_filter_map_values_and_to_stream():
    b = StreamsBuilder()
    users = b.table("users", key_serde=Serdes.String(), value_serde=Serdes.Json(), name="users-store")
    adults = users.filter(lambda k, v: v["age"] >= 18).map_values(lambda v: v["name"].upper())
    adults.to_stream().to("adults")
    with TopologyTestDriver(b.build()) as driver:
        inp = driver.create_input_topic("users")
        inp.pipe_input("u1", {"name": "ann", "age": 30})
        inp.pipe_input("u2", {"name": "bob", "age": 12})
        inp.pipe_input("u1", {"name": "ann", "age": 17})
        inp.pipe_input("u2", None)
        # Filtered-out rows become deletes, as Kafka Streams forwards them.
        assert driver.create_output_topic("adults").read_key_values_to_list() == [
            ("u1", "ANN"), ("u2", None), ("u1", None), ("u2", None)]
        store = driver.get_key_value_store("users-store")
        assert store.get("u1") == {"name": "ann", "age": 17} and store.get("u2") is None


def test_stream_to_table_keeps_the_latest_value():
    b = StreamsBuilder()
    b.stream("in").to_table(name="latest").to_stream().to("out")
    with TopologyTestDriver(b.build()) as driver:
        driver.create_input_topic("in").pipe_key_value_list([("a", "1"), ("a", "2"), ("b", "3")])
        assert driver.get_key_value_store("latest").all() == [("a", "2"), ("b", "3")]
        assert driver.create_output_topic("out").read_key_values_to_list() == [("a", "1"), ("a", "2"), ("b", "3")]


def test_table_group_by_count_moves_rows_between_groups():
    # A user's region changes: the old region is decremented, the new one incremented.
    b = StreamsBuilder()
    (b.table("user-regions", key_serde=Serdes.String(), value_serde=Serdes.String())
      .group_by(lambda user, region: (region, user))
      .count(name="users-per-region")
      .to_stream().to("region-counts", value_serde=Serdes.Long()))
    with TopologyTestDriver(b.build()) as driver:
        inp = driver.create_input_topic("user-regions")
        inp.pipe_input("alice", "asia")
        inp.pipe_input("bob", "europe")
        inp.pipe_input("alice", "europe")
        inp.pipe_input("bob", None)
        out = driver.create_output_topic("region-counts")
        assert out.read_key_values_to_list() == [
            ("asia", 1), ("europe", 1), ("asia", 0), ("europe", 2), ("europe", 1)]


def test_table_group_by_reduce_and_aggregate_with_subtractor():
    b = StreamsBuilder()
    table = b.table("balances", key_serde=Serdes.String(), value_serde=Serdes.Json())
    grouped = table.group_by(lambda acct, v: (v["bank"], v["amount"]))
    grouped.reduce(lambda agg, v: agg + v, lambda agg, v: agg - v, name="bank-total").to_stream().to("totals")
    grouped.aggregate(lambda: 0, lambda k, v, agg: agg + 1, lambda k, v, agg: agg - 1,
                      name="bank-accounts").to_stream().to("accounts")
    with TopologyTestDriver(b.build()) as driver:
        inp = driver.create_input_topic("balances")
        inp.pipe_input("acct1", {"bank": "x", "amount": 100})
        inp.pipe_input("acct2", {"bank": "x", "amount": 50})
        inp.pipe_input("acct1", {"bank": "x", "amount": 70})
        assert driver.create_output_topic("totals").read_values_to_list() == [100, 150, 120]
        assert driver.get_key_value_store("bank-accounts").get("x") == 2
