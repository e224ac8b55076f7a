"""Stateless KStream operators, used as a user would, through the test driver."""

from datetime import UTC, datetime

import pytest

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.testing import NoSuchElementException, TopologyTestDriver


def run(build, inputs, outputs, topic="in", **driver_kwargs):
    """Build with ``build(stream)``, pipe ``inputs`` [(key, value)], read each output topic."""
    b = StreamsBuilder()
    build(b.stream(topic, key_serde=Serdes.String(), value_serde=Serdes.Json()))
    with TopologyTestDriver(b.build(), **driver_kwargs) as driver:
        inp = driver.create_input_topic(topic)
        for i, (k, v) in enumerate(inputs):
            inp.pipe_input(k, v, timestamp=i)
        return {name: driver.create_output_topic(name).read_key_values_to_list() for name in outputs}


def test_filter_and_filter_not():
    out = run(lambda s: (s.filter(lambda k, v: v % 2 == 0).to("even"),
                         s.filter_not(lambda k, v: v % 2 == 0).to("odd")),
              [("a", 1), ("b", 2), ("c", 3)], ["even", "odd"])
    assert out == {"even": [("b", 2)], "odd": [("a", 1), ("c", 3)]}


def test_map_map_values_select_key():
    out = run(lambda s: (s.map(lambda k, v: (v["user"], k)).to("m"),
                         s.map_values(lambda v: v["n"] * 10).to("mv"),
                         s.select_key(lambda k, v: v["user"]).to("sk")),
              [("t1", {"user": "ann", "n": 1})], ["m", "mv", "sk"])
    assert out == {"m": [("ann", "t1")], "mv": [("t1", 10)],
                   "sk": [("ann", {"user": "ann", "n": 1})]}


def test_flat_map_and_flat_map_values():
    out = run(lambda s: (s.flat_map(lambda k, v: [(w, len(w)) for w in v.split()]).to("fm"),
                         s.flat_map_values(lambda v: v.split()).to("fmv")),
              [("k", "to be")], ["fm", "fmv"])
    assert out == {"fm": [("to", 2), ("be", 2)], "fmv": [("k", "to"), ("k", "be")]}


def test_peek_and_foreach_see_every_record():
    seen, done = [], []
    out = run(lambda s: (s.peek(lambda k, v: seen.append((k, v))).to("p"),
                         s.foreach(lambda k, v: done.append(v))),
              [("a", 1), ("b", 2)], ["p"])
    assert seen == [("a", 1), ("b", 2)] and done == [1, 2]
    assert out["p"] == [("a", 1), ("b", 2)]


def test_merge_interleaves_two_streams():
    b = StreamsBuilder()
    a, c = b.stream("a"), b.stream("c")
    a.merge(c).map_values(lambda v: v.upper()).to("out")
    with TopologyTestDriver(b.build()) as driver:
        driver.create_input_topic("a").pipe_input("1", "x")
        driver.create_input_topic("c").pipe_input("2", "y")
        driver.create_input_topic("a").pipe_input("3", "z")
        assert driver.create_output_topic("out").read_values_to_list() == ["X", "Y", "Z"]


def test_split_routes_to_first_matching_branch_and_default():
    def build(s):
        branches = (s.split(prefix="by-")
                    .branch(lambda k, v: v > 100, name="big")
                    .branch(lambda k, v: v > 10, name="medium")
                    .default_branch(name="small"))
        assert sorted(branches) == ["by-big", "by-medium", "by-small"]
        for name, stream in branches.items():
            stream.to(name)
    out = run(build, [("a", 500), ("b", 50), ("c", 5), ("d", 101)], ["by-big", "by-medium", "by-small"])
    assert out == {"by-big": [("a", 500), ("d", 101)], "by-medium": [("b", 50)], "by-small": [("c", 5)]}


def test_split_without_default_drops_unmatched():
    def build(s):
        branches = s.split(prefix="s-").branch(lambda k, v: v > 0, name="pos").no_default_branch()
        assert list(branches) == ["s-pos"]
        branches["s-pos"].to("pos")
    assert run(build, [("a", 1), ("b", -1)], ["pos"]) == {"pos": [("a", 1)]}


def test_to_with_topic_extractor_uses_record_context():
    out = run(lambda s: s.to(lambda k, v, ctx: f"{ctx.topic}-{v['airline'].lower()}"),
              [("1", {"airline": "Delta"}), ("2", {"airline": "United"})],
              ["in-delta", "in-united"])
    assert out == {"in-delta": [("1", {"airline": "Delta"})], "in-united": [("2", {"airline": "United"})]}


def test_timestamps_and_headers_pass_through():
    b = StreamsBuilder()
    b.stream("in").map_values(lambda v: v + "!").to("out")
    with TopologyTestDriver(b.build()) as driver:
        driver.create_input_topic("in").pipe_input("k", "hi", timestamp=42, headers={"trace": b"abc"})
        rec = driver.create_output_topic("out").read_record()
    assert (rec.key, rec.value, rec.timestamp, rec.headers) == ("k", "hi!", 42, [("trace", b"abc")])


def test_repartition_writes_the_internal_topic_and_keeps_records():
    b = StreamsBuilder()
    b.stream("in").select_key(lambda k, v: v).repartition(name="by-value").to("out")
    with TopologyTestDriver(b.build(), {"application.id": "app"}) as driver:
        driver.create_input_topic("in").pipe_input("k", "v1")
        assert driver.create_output_topic("out").read_key_value() == ("v1", "v1")
        assert "app-by-value-repartition" in driver.produced_topic_names()
        internal = driver.create_output_topic("app-by-value-repartition").read_key_value()
        assert internal == ("v1", "v1")


def test_repartition_with_no_partitions_is_refused_where_it_is_written():
    with pytest.raises(ValueError, match=r"num_partitions=0.*at least 1 partition.*None"):
        StreamsBuilder().stream("in").repartition(name="by-value", num_partitions=0)


def test_serdes_flow_from_source_to_sink_and_can_be_overridden():
    b = StreamsBuilder()
    s = b.stream("in", key_serde=Serdes.String(), value_serde=Serdes.Long())
    s.filter(lambda k, v: v > 1).to("same")
    s.to("as-json", value_serde=Serdes.Json())
    with TopologyTestDriver(b.build()) as driver:
        driver.create_input_topic("in").pipe_input("k", 7)
        raw = driver.create_output_topic("same", Serdes.Bytes(), Serdes.Bytes()).read_value()
        assert raw == (7).to_bytes(8, "big")
        assert driver.create_output_topic("as-json", value_serde=Serdes.String()).read_value() == "7"


def test_input_topic_time_and_output_topic_reading_api():
    b = StreamsBuilder()
    b.stream("in").to("out")
    with TopologyTestDriver(b.build(), initial_wall_clock_time_ms=1000) as driver:
        inp = driver.create_input_topic("in", auto_advance=10)
        out = driver.create_output_topic("out")
        inp.pipe_input("a", "1")
        inp.advance_time(100)
        inp.pipe_key_value_list([("b", "2"), ("a", "3")])
        inp.pipe_input("no key")
        assert out.queue_size() == 4 and not out.is_empty()
        assert out.read_record().timestamp == 1000
        assert [r.timestamp for r in out.read_records_to_list()] == [1110, 1120, 1130]
        assert out.is_empty()
        inp.pipe_key_value_list([("a", "x"), ("b", "y"), ("a", "z")])
        assert out.read_key_values_to_map() == {"a": "z", "b": "y"}
        inp.pipe_input("d", "4", timestamp=datetime(2024, 1, 1, tzinfo=UTC))
        assert out.read_record().timestamp == 1_704_067_200_000
        with pytest.raises(NoSuchElementException):
            out.read_value()


def test_piping_to_a_topic_the_topology_does_not_read_is_a_clear_error():
    b = StreamsBuilder()
    b.stream("in").to("out")
    with (TopologyTestDriver(b.build()) as driver,
          pytest.raises(ValueError, match=r"does not read topic 'nope'.*'in'")):
        driver.create_input_topic("nope")


def test_split_branch_chains_like_branched_with_function_and_consumer():
    def build(s):
        branches = (s.split(prefix="b-")
                    .branch(lambda k, v: v > 0, name="pos", chain=lambda ks: ks.map_values(lambda v: v * 10))
                    .default_branch(name="rest", chain=lambda ks: ks.to("rest")))
        assert list(branches) == ["b-pos"]  # a chain returning None keeps the branch out
        branches["b-pos"].to("pos")
    assert run(build, [("a", 1), ("b", -1)], ["pos", "rest"]) == {"pos": [("a", 10)], "rest": [("b", -1)]}
