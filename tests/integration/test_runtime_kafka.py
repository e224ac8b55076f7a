"""KafkaStreams against the real broker: results, internal topics, DLQ, restore, shutdown, metrics."""

from __future__ import annotations

import gc
import struct
import threading
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource
from runtime_support import (
    Instance,
    committed_offsets,
    create_topic,
    last_values,
    produce,
    read_table,
    read_topic,
    write_counting_script,
)

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.errors import ProcessingException, TopologyException
from airstream.topology.runtime import KafkaStreams, State

pytestmark = pytest.mark.kafka


def _records(n: int, keys: int = 20) -> list[tuple[bytes, bytes]]:
    return [(f"k{i % keys}".encode(), f"v{i}".encode()) for i in range(n)]


def _counting(source: str, upper: str, counts: str):
    b = StreamsBuilder()
    s = b.stream(source, key_serde=Serdes.String(), value_serde=Serdes.String())
    s.map_values(str.upper).to(upper, key_serde=Serdes.String(), value_serde=Serdes.String())
    (s.group_by(lambda k, v: k, key_serde=Serdes.String(), value_serde=Serdes.String())
      .count(name="counts").to_stream().to(counts, key_serde=Serdes.String(), value_serde=Serdes.Long()))
    return b.build()


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once_v2"])
def test_results_internal_topics_and_committed_offsets(kafka_cluster: str, unique_name: str, guarantee: str) -> None:
    source, upper, counts, app_id = (f"{unique_name}-{s}" for s in ("in", "upper", "counts", "app"))
    create_topic(kafka_cluster, source, 6)
    records = _records(3000)
    produce(kafka_cluster, source, records)

    app = KafkaStreams(_counting(source, upper, counts), {
        "bootstrap.servers": kafka_cluster, "application.id": app_id, "processing.guarantee": guarantee,
        "commit.interval.ms": 200})
    assert app.run(idle_timeout=3) == 2 * len(records)  # each record once in each sub-topology
    assert app.state is State.NOT_RUNNING

    got = read_topic(kafka_cluster, upper, len(records))
    assert sorted(m.value() for m in got) == sorted(v.upper() for _, v in records)
    # Keyed output lands where the Java client's murmur2 puts it: the same partition as the input key.
    inputs = {m.value(): m.partition() for m in read_topic(kafka_cluster, source, len(records), settle=0)}
    assert all(m.partition() == inputs[m.value().lower()] for m in got)
    expected = Counter(k for k, _ in records)
    table = last_values(read_topic(kafka_cluster, counts, len(expected)))
    assert {k: struct.unpack(">q", v)[0] for k, v in table.items()} == dict(expected)

    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    topics = admin.list_topics(timeout=10).topics
    changelog, repartition = f"{app_id}-counts-changelog", f"{app_id}-counts-repartition"
    assert len(topics[changelog].partitions) == 6 and len(topics[repartition].partitions) == 6
    resource = ConfigResource(ConfigResource.Type.TOPIC, changelog)
    config = admin.describe_configs([resource])[resource].result(30)
    assert config["cleanup.policy"].value == "compact"
    ends = dict(Counter(m.partition() for m in read_topic(kafka_cluster, source, len(records), settle=0)))
    assert committed_offsets(kafka_cluster, app_id, source, 6) == ends


def test_missing_source_topic_fails_start_with_the_fix(kafka_cluster: str, unique_name: str) -> None:
    b = StreamsBuilder()
    b.stream(f"{unique_name}-absent").to(f"{unique_name}-out")
    app = KafkaStreams(b.build(), {"bootstrap.servers": kafka_cluster, "application.id": unique_name})
    with pytest.raises(TopologyException, match=f"'{unique_name}-absent' do not exist: create them first"):
        app.start()
    assert app.state is State.ERROR


def test_poison_record_goes_to_the_dlq_with_kip1034_headers_and_processing_goes_on(
        kafka_cluster: str, unique_name: str) -> None:
    source, out, dlq = f"{unique_name}-in", f"{unique_name}-out", f"{unique_name}-dlq"
    create_topic(kafka_cluster, source, 3)
    good = [(f"k{i}".encode(), b'{"n": %d}' % i) for i in range(200)]
    produce(kafka_cluster, source, [*good[:100], (b"bad", b"{not json"), *good[100:]])
    b = StreamsBuilder()
    (b.stream(source, key_serde=Serdes.String(), value_serde=Serdes.Json())
      .map_values(lambda v: {"n": v["n"] * 2}).to(out, key_serde=Serdes.String(), value_serde=Serdes.Json()))
    app = KafkaStreams(b.build(), {
        "bootstrap.servers": kafka_cluster, "application.id": unique_name,
        "default.deserialization.exception.handler": "dlq", "errors.dead.letter.queue.topic.name": dlq})
    app.run(idle_timeout=3)
    assert app.exception is None
    assert len(read_topic(kafka_cluster, out, 200)) == 200
    [dead] = read_topic(kafka_cluster, dlq, 1)
    headers = dict(dead.headers())
    assert (dead.key(), dead.value()) == (b"bad", b"{not json")
    assert headers["__streams.errors.topic"] == source.encode()
    [poison] = [m for m in read_topic(kafka_cluster, source, 201, settle=0) if m.key() == b"bad"]
    assert headers["__streams.errors.partition"] == str(poison.partition()).encode()
    assert headers["__streams.errors.offset"] == str(poison.offset()).encode()
    assert headers["__streams.errors.exception"] and headers["__streams.errors.stacktrace"]
    assert app.metrics()["dropped-records-total"] == 1


def test_processing_error_with_fail_handler_stops_without_committing_the_batch(
        kafka_cluster: str, unique_name: str) -> None:
    source = f"{unique_name}-in"
    create_topic(kafka_cluster, source, 1)
    produce(kafka_cluster, source, [(b"k", b"1"), (b"k", b"0"), (b"k", b"2")])
    b = StreamsBuilder()
    b.stream(source, key_serde=Serdes.String(), value_serde=Serdes.String()).map_values(
        lambda v: str(1 / int(v))).to(f"{unique_name}-out")
    app = KafkaStreams(b.build(), {"bootstrap.servers": kafka_cluster, "application.id": unique_name})
    with pytest.raises(ProcessingException, match=r"partition 0 offset 1: ZeroDivisionError"):
        app.run(idle_timeout=3)
    assert app.state is State.ERROR
    assert committed_offsets(kafka_cluster, unique_name, source, 1)[0] < 0  # nothing committed


def test_state_is_restored_from_the_changelog_when_the_task_moves(kafka_cluster: str, unique_name: str) -> None:
    source, upper, counts, app_id = (f"{unique_name}-{s}" for s in ("in", "upper", "counts", "app"))
    create_topic(kafka_cluster, source, 2)
    produce(kafka_cluster, source, _records(400, keys=4))
    config = {"bootstrap.servers": kafka_cluster, "application.id": app_id, "commit.interval.ms": 100}
    first = KafkaStreams(_counting(source, upper, counts), config)
    first.run(idle_timeout=3)
    assert first.metrics()["restore-total"] == 0

    produce(kafka_cluster, source, _records(40, keys=4))  # ten more per key
    second = KafkaStreams(_counting(source, upper, counts), {**config, "client.id": "second"})
    second.run(idle_timeout=3)
    assert second.metrics()["restore-total"] >= 4  # at least one changelog record per key
    table = last_values(read_topic(kafka_cluster, counts, 4))
    assert {k: struct.unpack(">q", v)[0] for k, v in table.items()} == {f"k{i}".encode(): 110 for i in range(4)}


def test_a_second_instance_takes_half_of_each_topic_and_the_first_keeps_its_other_tasks(
        kafka_cluster: str, unique_name: str) -> None:
    source, upper, counts, app_id = (f"{unique_name}-{s}" for s in ("in", "upper", "counts", "app"))
    create_topic(kafka_cluster, source, 4)
    config = {"bootstrap.servers": kafka_cluster, "application.id": app_id, "commit.interval.ms": 100,
              "consumer.session.timeout.ms": 6000, "consumer.heartbeat.interval.ms": 500}
    first = KafkaStreams(_counting(source, upper, counts), {**config, "client.id": "first"})
    second = KafkaStreams(_counting(source, upper, counts), {**config, "client.id": "second"})
    first.start()
    try:
        produce(kafka_cluster, source, _records(400, keys=40))
        assert first.wait_until(lambda a: a.metrics()["process-total"] >= 800, 60), first.metrics()
        second.start()
        assert second.wait_until(lambda a: a.metrics()["rebalance-total"] >= 1, 60), second.metrics()
        produce(kafka_cluster, source, _records(400, keys=40))
        table = read_table(kafka_cluster, counts, lambda t: len(t) == 40 and all(v == 20 for v in t.values()))
        assert table == {f"k{i}".encode(): 20 for i in range(40)}
        # Both sub-topologies (the input, and the repartition topic behind the count) are split.
        assert second.wait_until(lambda a: len(a.metrics()["records-lag"]) == 4, 10), second.metrics()
        assert sorted(second.metrics()["records-lag"]) in (["0_0", "0_1", "1_0", "1_1"], ["0_2", "0_3", "1_2", "1_3"])
        # The eager rebalance revoked all of first's tasks; those it got back kept their state.
        assert first.metrics()["rebalance-total"] >= 2 and first.metrics()["restore-total"] == 0
        assert second.metrics()["restore-total"] > 0
    finally:
        assert second.close(30) and first.close(30)


def test_start_close_metrics_and_prometheus_endpoint(kafka_cluster: str, unique_name: str) -> None:
    source, upper, counts = (f"{unique_name}-{s}" for s in ("in", "upper", "counts"))
    create_topic(kafka_cluster, source, 3)
    app = KafkaStreams(_counting(source, upper, counts), {
        "bootstrap.servers": kafka_cluster, "application.id": unique_name, "metrics.port": 0,
        "commit.interval.ms": 100})
    app.start()
    try:
        produce(kafka_cluster, source, _records(500))
        assert app.wait_until(lambda a: a.metrics()["process-total"] >= 1000, 30), app.metrics()
        assert app.wait_until(lambda a: a.metrics()["commit-total"] > 0 and a.metrics()["records-lag"], 10)
        snap = app.metrics()
        assert app.state is State.RUNNING
        assert snap["records-lag-max"] == 0 and set(snap["records-lag"]) >= {"0_0", "0_1", "0_2"}
        assert snap["record-e2e-latency-max"] >= snap["record-e2e-latency-avg"] > 0
        body = urllib.request.urlopen(f"http://127.0.0.1:{app.metrics_port}/metrics", timeout=5).read().decode()
        assert f'airstream_process_total{{application_id="{unique_name}"}} 1000.0' in body
    finally:
        assert app.close(30)
    assert app.state is State.NOT_RUNNING


def test_fetched_batches_die_before_the_cyclic_gc_runs_again(kafka_cluster: str, unique_name: str) -> None:
    """A batch's messages and what they decode to form no reference cycles and are gone once it is
    processed: the cyclic GC, paused from the fetch until then, finds nothing of them to scan or to
    move into older generations (with collections paused only while the batch was processed, it ran
    about once a batch, inside the fetch, and moved the batch's messages on)."""
    source, out = f"{unique_name}-in", f"{unique_name}-out"
    create_topic(kafka_cluster, source, 3)
    records = _records(100_000, keys=1000)
    produce(kafka_cluster, source, records)
    b = StreamsBuilder()
    (b.stream(source, key_serde=Serdes.String(), value_serde=Serdes.String())
      .map_values(str.upper).to(out, key_serde=Serdes.String(), value_serde=Serdes.String()))
    app = KafkaStreams(b.build(), {"bootstrap.servers": kafka_cluster, "application.id": unique_name})
    here = threading.get_ident()
    collections: Counter[int] = Counter()

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and threading.get_ident() == here:
            collections[info["generation"]] += 1

    gc.callbacks.append(count)
    try:
        assert app.run(max_records=len(records)) == len(records)
    finally:
        gc.callbacks.remove(count)
    # Starting (compiling, creating topics, joining the group) collects a few times; 100 batches of
    # 1,000 records collected about 100 times.
    assert sum(collections.values()) < 30, collections


def test_airstream_run_stops_cleanly_on_sigterm_and_commits(kafka_cluster: str, unique_name: str,
                                                             tmp_path: Path) -> None:
    source, upper, counts = (f"{unique_name}-{s}" for s in ("in", "upper", "counts"))
    create_topic(kafka_cluster, source, 3)
    produce(kafka_cluster, source, _records(600))
    spec = write_counting_script(tmp_path, source, upper, counts)
    # A long commit interval: only the close-time commit can cover the records.
    instance = Instance(spec, kafka_cluster, unique_name, "solo", tmp_path, ["-X", "commit.interval.ms=600000"])
    assert len(read_topic(kafka_cluster, upper, 600, settle=0.5)) == 600
    assert instance.terminate(60) == 0, instance.log()
    assert sum(committed_offsets(kafka_cluster, unique_name, source, 3).values()) == 600, instance.log()
    assert "received SIGTERM" in instance.log()


def test_wall_clock_punctuator_emits_while_no_records_arrive(kafka_cluster: str, unique_name: str) -> None:
    from airstream.topology import Processor, Record, Stores

    source, out = f"{unique_name}-in", f"{unique_name}-out"
    create_topic(kafka_cluster, source, 1)

    class Tally(Processor):
        def init(self, context):
            self.context = context
            self.seen = context.get_state_store("seen")
            context.schedule(200, "wall_clock_time", self.report)

        def process(self, record):
            self.seen.put(record.key, (self.seen.get(record.key) or 0) + 1)

        def report(self, timestamp):
            for key, n in self.seen.all():
                self.context.forward(Record(key, str(n), timestamp))

    b = StreamsBuilder()
    (b.stream(source, key_serde=Serdes.String(), value_serde=Serdes.String())
      .process(Tally, stores=[Stores.key_value_store("seen", Serdes.String(), Serdes.Long())])
      .to(out, key_serde=Serdes.String(), value_serde=Serdes.String()))
    produce(kafka_cluster, source, [(b"a", b"x"), (b"a", b"y"), (b"b", b"z")])
    app = KafkaStreams(b.build(), {"bootstrap.servers": kafka_cluster, "application.id": unique_name,
                                   "commit.interval.ms": 100})
    app.start()
    try:
        assert app.wait_until(lambda a: a.metrics()["process-total"] == 3, 30)
        got = read_topic(kafka_cluster, out, 6, settle=0.5)  # several reports of the two keys
    finally:
        app.close(30)
    assert len(got) >= 6
    assert last_values(got) == {b"a": b"2", b"b": b"1"}
