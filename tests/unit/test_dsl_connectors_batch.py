"""Batch operators: map_values_batch, route_batch and to_sink, on the embedded engine."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import pytest

from airstream.common.sink import Rejected, RejectedRecords, SinkError, SinkRecord
from airstream.connectors.parquet import ParquetSink
from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.engine.embedded import EmbeddedEngine
from airstream.topology.errors import ProcessingException
from airstream.topology.testing import TopologyTestDriver

DLQ = {"application.id": "batch", "processing.exception.handler": "dlq",
       "errors.dead.letter.queue.topic.name": "dead"}


class MemorySink:
    """Buffers on write, makes durable on flush; rejects values without an ``id``."""

    def __init__(self, fail_flush: bool = False) -> None:
        self.buffer: list[SinkRecord] = []
        self.durable: list[SinkRecord] = []
        self.fail_flush = fail_flush

    def write(self, records: Sequence[SinkRecord]) -> None:
        bad = [Rejected(r, "field 'id' is required", "id") for r in records if "id" not in r.value]
        self.buffer.extend(r for r in records if "id" in r.value)
        if bad:
            raise RejectedRecords("memory", bad)

    def flush(self) -> dict[tuple[str, int], int]:
        if self.fail_flush:
            raise SinkError("memory sink: target unreachable")
        self.durable.extend(self.buffer)
        self.buffer.clear()
        return {}

    def release(self, partitions: Iterable[tuple[str, int]]) -> None:
        pass

    def close(self) -> None:
        pass


def test_map_values_batch_calls_once_per_batch_and_keeps_order() -> None:
    calls: list[int] = []

    def double(values: list[int]) -> list[int]:
        calls.append(len(values))
        return [v * 2 for v in values]

    b = StreamsBuilder()
    b.stream("in", value_serde=Serdes.Long()).map_values_batch(double, max_batch=4).to(
        "out", value_serde=Serdes.Long())
    engine = EmbeddedEngine(b.build(), {"application.id": "mvb"}, partitions={"in": 1})
    for i in range(10):
        engine.cluster.produce("in", str(i).encode(), Serdes.Long().serialize("in", i), i)
    engine.run_until_idle()
    out = [Serdes.Long().deserialize("out", r.value) for r in engine.cluster.read("out", 0, 0)]
    assert out == [2 * i for i in range(10)]
    assert calls == [4, 4, 2]  # max_batch splits the batch; the rest goes when the batch ends
    assert engine.cluster.committed("mvb", "in", 0) == 10


def test_map_values_batch_wrong_length_goes_to_dead_letter_topic() -> None:
    b = StreamsBuilder()
    b.stream("in").map_values_batch(lambda vs: vs[:-1]).to("out")
    with TopologyTestDriver(b.build(), DLQ) as driver:
        driver.create_input_topic("in").pipe_value_list(["a", "b"])
        assert driver.create_output_topic("out").read_values_to_list() == []
        dead = driver.create_output_topic("dead").read_records_to_list()
    assert [r.value for r in dead] == ["a", "b"]
    message = dict(dead[0].headers)["__streams.errors.message"].decode()
    assert "returned 0 values for 1 records" in message


def test_route_batch_sends_a_record_to_every_route_it_matches() -> None:
    def router(values: list[int]) -> dict[str, list[tuple[int, int]]]:
        return {"small": [(i, v) for i, v in enumerate(values) if v < 5],
                "even": [(i, v * 10) for i, v in enumerate(values) if v % 2 == 0]}

    b = StreamsBuilder()
    routes = b.stream("in", key_serde=Serdes.String(), value_serde=Serdes.Long()).route_batch(
        router, ["small", "even", "unused"], name="route")
    for name, stream in routes.items():
        stream.to(name, value_serde=Serdes.Long())
    described = str(b.build().describe())
    assert "Processor: route-small" in described and "Processor: route-even" in described
    with TopologyTestDriver(b.build()) as driver:
        driver.create_input_topic("in", Serdes.String(), Serdes.Long()).pipe_key_value_list(
            [(str(i), i) for i in range(8)])
        small = driver.create_output_topic("small", Serdes.String(), Serdes.Long()).read_key_values_to_map()
        even = driver.create_output_topic("even", Serdes.String(), Serdes.Long()).read_key_values_to_map()
        assert "unused" not in driver.produced_topic_names()
    assert small == {str(i): i for i in range(5)}
    assert even == {str(i): i * 10 for i in range(0, 8, 2)}  # keys kept, values from the router


def test_route_batch_router_error_sends_the_batch_to_dead_letters_not_lost() -> None:
    def broken(values: list[str]) -> dict[str, list[tuple[int, str]]]:
        raise RuntimeError("model endpoint down")

    b = StreamsBuilder()
    b.stream("in").route_batch(broken, ["ok"])["ok"].to("ok")
    with TopologyTestDriver(b.build(), DLQ) as driver:
        driver.create_input_topic("in").pipe_value_list(["x", "y", "z"])
        dead = driver.create_output_topic("dead").read_records_to_list()
    assert [r.value for r in dead] == ["x", "y", "z"]
    assert all(dict(r.headers)["__streams.errors.message"] == b"model endpoint down" for r in dead)


def test_route_batch_unknown_route_is_an_error_naming_it() -> None:
    b = StreamsBuilder()
    b.stream("in").route_batch(lambda vs: {"typo": []}, ["ok"])["ok"].to("ok")
    with TopologyTestDriver(b.build()) as driver, pytest.raises(ProcessingException, match="typo"):
        driver.create_input_topic("in").pipe_input("k", "v")


def test_route_batch_needs_distinct_route_names() -> None:
    with pytest.raises(ValueError, match="distinct"):
        StreamsBuilder().stream("in").route_batch(lambda vs: {}, ["a", "a"])


def test_to_sink_flushes_before_the_commit_and_rejects_to_dead_letters() -> None:
    sink = MemorySink()
    b = StreamsBuilder()
    b.stream("in", key_serde=Serdes.String(), value_serde=Serdes.Json()).to_sink(sink, name="memory")
    engine = EmbeddedEngine(b.build(), DLQ, partitions={"in": 2})
    values = [{"id": i} if i != 3 else {"nope": i} for i in range(6)]
    for i, v in enumerate(values):
        engine.cluster.produce("in", str(i).encode(), Serdes.Json().serialize("in", v), i)
    engine.run_until_idle()
    assert sorted(r.value["id"] for r in sink.durable) == [0, 1, 2, 4, 5]
    assert sink.buffer == []
    committed = sum(engine.cluster.committed("batch", "in", p) or 0 for p in (0, 1))
    assert committed == 6
    dead = engine.cluster.records_in_order("dead")
    assert len(dead) == 1
    headers = dict(dead[0].headers)
    assert headers["__streams.errors.message"] == b"field 'id' is required"
    assert headers["__streams.errors.exception"] == b"RecordRejected"



def test_to_sink_commits_nothing_when_flush_fails() -> None:
    b = StreamsBuilder()
    b.stream("in", value_serde=Serdes.Json()).to_sink(MemorySink(fail_flush=True))
    engine = EmbeddedEngine(b.build(), {"application.id": "down"}, partitions={"in": 1})
    engine.cluster.produce("in", None, b'{"id": 1}', 0)
    with pytest.raises(SinkError, match="unreachable"):
        engine.run_until_idle()
    assert engine.cluster.committed("down", "in", 0) is None


def test_to_sink_rejects_objects_that_are_not_sinks() -> None:
    with pytest.raises(TypeError, match="has no write"):
        StreamsBuilder().stream("in").to_sink(object())


@pytest.mark.parametrize("operator", ["map_values_batch", "route_batch", "to_sink"])
def test_max_batch_below_one_is_refused_naming_the_operator(operator: str) -> None:
    stream = StreamsBuilder().stream("in")
    calls = {"map_values_batch": lambda: stream.map_values_batch(lambda vs: vs, max_batch=0),
             "route_batch": lambda: stream.route_batch(lambda vs: {}, ["a"], max_batch=0),
             "to_sink": lambda: stream.to_sink(MemorySink(), max_batch=0)}
    with pytest.raises(ValueError, match=rf"{operator}\(max_batch=0\): max_batch must be at least 1"):
        calls[operator]()


def test_to_sink_parquet_holds_exactly_the_input(tmp_path: Path) -> None:
    b = StreamsBuilder()
    b.stream("in", key_serde=Serdes.String(), value_serde=Serdes.Json()).to_sink(
        ParquetSink(str(tmp_path), partition_by=["airline"]))
    engine = EmbeddedEngine(b.build(), {"application.id": "pq"}, partitions={"in": 3}, max_batch=7)
    rows = [{"id": i, "airline": ("Delta", "United")[i % 2], "text": f"t{i}"} for i in range(50)]
    for r in rows:
        engine.cluster.produce("in", str(r["id"]).encode(), Serdes.Json().serialize("in", r), r["id"])
    engine.run_until_idle()
    got = duckdb.sql(f"SELECT id, airline, text FROM read_parquet('{tmp_path}/**/*.parquet', "
                     "hive_partitioning=true) ORDER BY id").fetchall()
    assert got == [(r["id"], r["airline"], r["text"]) for r in rows]
