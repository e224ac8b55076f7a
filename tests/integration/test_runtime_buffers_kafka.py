"""The suppress buffer, the outer-join buffer and the records of sliding windows on the real
broker: an app stopped (or killed) while windows are open and restarted gives the results of a
run that never stopped, because the buffers are restored from their changelog topics."""

from __future__ import annotations

import struct
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource
from runtime_support import Instance, create_topic, read_topic

from airstream.topology import JoinWindows, Serdes, SlidingWindows, StreamsBuilder, TimeWindows
from airstream.topology.engine import EmbeddedEngine
from airstream.topology.partitioner import partition_for
from airstream.topology.runtime import KafkaStreams

pytestmark = pytest.mark.kafka

WINDOW_MS = 10_000


def produce_at(bootstrap: str, topic: str, records: list[tuple[str, str, int]]) -> None:
    """Produce ``(key, value, timestamp)`` records, keyed with murmur2 like the Java client."""
    producer = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random",
                         "enable.idempotence": True, "linger.ms": 5})
    for key, value, ts in records:
        producer.produce(topic, value.encode(), key.encode(), timestamp=ts)
    assert producer.flush(60) == 0


def base_time() -> int:
    # Recent timestamps, so that time-based retention never deletes the test's records.
    return (int(time.time() * 1000) // WINDOW_MS) * WINDOW_MS - 30 * WINDOW_MS


def changelog_policy(bootstrap: str, topic: str) -> tuple[int, str]:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    config = admin.describe_configs([resource])[resource].result(30)
    return len(admin.list_topics(topic, timeout=10).topics[topic].partitions), config["cleanup.policy"].value


def _suppressed_counts(source: str, out: str):
    b = StreamsBuilder()
    (b.stream(source, key_serde=Serdes.String(), value_serde=Serdes.String())
      .group_by_key()
      .windowed_by(TimeWindows.of_size_with_no_grace(WINDOW_MS))
      .count()
      .suppress(until_window_closes=True)
      .to_stream()
      .map(lambda k, v: (f"{k.key}@{k.window.start}", v))
      .to(out, key_serde=Serdes.String(), value_serde=Serdes.Long()))
    return b.build()


def test_suppressed_window_counts_survive_a_kill_mid_window(kafka_cluster: str, unique_name: str,
                                                             tmp_path: Path) -> None:
    source, out = f"{unique_name}-in", f"{unique_name}-final"
    create_topic(kafka_cluster, source, 2)
    script = tmp_path / "suppressed.py"
    here = Path(__file__).parent
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(here)!r}, {str(here.parent)!r}]
        from test_runtime_buffers_kafka import _suppressed_counts

        topology = _suppressed_counts({source!r}, {out!r})
    """))
    base = base_time()
    keys = [f"k{i}" for i in range(6)]
    # Phase 1 ends 25 s in: windows [0, 10 s) and [10 s, 20 s) close, [20 s, 30 s) is open at
    # the kill and gets no record afterwards, so only the restored buffer can emit it.
    first = [(k, f"{k}-{t}", base + t) for t in range(0, 25_000, 500) for k in keys]
    second = [(k, f"{k}-{t}", base + t) for t in range(30_000, 45_000, 500) for k in keys]
    produce_at(kafka_cluster, source, first)
    extra = ["--guarantee", "exactly_once_v2", "-X", "commit.interval.ms=100"]
    instance = Instance(f"{script}:topology", kafka_cluster, unique_name, "solo", tmp_path, extra)
    try:
        closed_early = read_topic(kafka_cluster, out, 2 * len(keys), settle=0)
        assert len(closed_early) == 2 * len(keys), instance.log()[-3000:]
        instance.kill()
        produce_at(kafka_cluster, source, second)
        instance.start()  # same instance id: its transactional producer fences the killed one
        # windows ending by 40 s are closed: 0, 10, 20 and 30 s for each key
        got = read_topic(kafka_cluster, out, 4 * len(keys), timeout=90, settle=3)
    finally:
        if instance.proc and instance.proc.poll() is None:
            instance.terminate(60)
    expected = Counter()
    for key, _, ts in first + second:
        if ts - base < 40_000:
            expected[f"{key}@{base + (ts - base) // WINDOW_MS * WINDOW_MS}"] += 1
    results = [(m.key().decode(), struct.unpack(">q", m.value())[0]) for m in got]
    assert Counter(k for k, _ in results) == Counter(expected.keys()), "each window exactly once"
    assert dict(results) == dict(expected)
    assert "restored" in instance.log()
    changelog = f"{unique_name}-KTABLE-SUPPRESS-STATE-STORE-0000000004-changelog"
    assert changelog_policy(kafka_cluster, changelog) == (2, "compact")


def test_suppress_buffer_follows_its_task_to_a_new_instance(kafka_cluster: str, unique_name: str) -> None:
    source, out = f"{unique_name}-in", f"{unique_name}-final"
    create_topic(kafka_cluster, source, 2)
    base = base_time()
    keys = [f"k{i}" for i in range(6)]
    first = [(k, "x", base + t) for t in range(0, 25_000, 1000) for k in keys]
    # no record after the move falls in [20 s, 30 s): only the moved buffer knows its counts
    second = [(k, "x", base + t) for t in range(30_000, 45_000, 1000) for k in keys]
    config = {"bootstrap.servers": kafka_cluster, "application.id": unique_name,
              "processing.guarantee": "exactly_once_v2", "commit.interval.ms": 100}
    produce_at(kafka_cluster, source, first)
    a = KafkaStreams(_suppressed_counts(source, out), {**config, "client.id": "a"})
    b = KafkaStreams(_suppressed_counts(source, out), {**config, "client.id": "b"})
    a.start()
    try:
        assert a.wait_until(lambda app: app.metrics()["process-total"] >= len(first), 60)
        assert a.tasks() == ["0_0", "0_1"]
        b.start()  # the group hands one of a's tasks, with windows still open, to b
        assert b.wait_until(lambda app: len(app.tasks()) == 1, 60), (a.tasks(), b.tasks())
        assert a.wait_until(lambda app: len(app.tasks()) == 1, 60), (a.tasks(), b.tasks())
        produce_at(kafka_cluster, source, second)
        got = read_topic(kafka_cluster, out, 4 * len(keys), timeout=90, settle=3)
        assert b.metrics()["restore-total"] > 0
    finally:
        assert a.close(30) and b.close(30)
    expected = Counter(f"{key}@{base + (ts - base) // WINDOW_MS * WINDOW_MS}" for key, _, ts in first + second
                       if ts - base < 40_000)
    assert Counter((m.key().decode(), struct.unpack(">q", m.value())[0]) for m in got) == Counter(expected.items())


def _outer_join(left: str, right: str, out: str):
    b = StreamsBuilder()
    lhs = b.stream(left, key_serde=Serdes.String(), value_serde=Serdes.String())
    rhs = b.stream(right, key_serde=Serdes.String(), value_serde=Serdes.String())
    (lhs.outer_join(rhs, lambda lv, rv: f"{lv}/{rv}", JoinWindows.of_time_difference_with_no_grace(WINDOW_MS))
        .to(out, key_serde=Serdes.String(), value_serde=Serdes.String()))
    return b.build()


def test_outer_join_buffer_survives_restarts(kafka_cluster: str, unique_name: str) -> None:
    left, right, out = (f"{unique_name}-{s}" for s in ("left", "right", "out"))
    create_topic(kafka_cluster, left, 2)
    create_topic(kafka_cluster, right, 2)
    config = {"bootstrap.servers": kafka_cluster, "application.id": unique_name,
              "processing.guarantee": "exactly_once_v2", "commit.interval.ms": 100}
    base = base_time()

    def run_once(produce: list[tuple[str, tuple[str, str, int]]]) -> None:
        # All records of a phase lie within one join window, so the order they are processed
        # in does not change the results.
        for topic in (left, right):
            produce_at(kafka_cluster, topic, [record for t, record in produce if t == topic])
        assert KafkaStreams(_outer_join(left, right, out), config).run(idle_timeout=3) == len(produce)

    # Everything in phases 1 and 2 lies within 9 s, so no window closes before phase 3: the
    # records waiting for a match at each stop live only in the outer-join buffer.
    run_once([(left, ("j0", "a", base)), (left, ("j1", "b", base + 1000)), (left, ("u0", "c", base + 2000)),
              (left, ("u1", "d", base + 3000)), (left, ("p0", "e", base + 4000)), (left, ("p1", "f", base + 4500)),
              (right, ("j0", "A", base + 5000)), (right, ("j1", "B", base + 5500)), (right, ("r0", "R", base + 6000))])
    # restarted: p0 and p1 find their match; r1 waits
    run_once([(right, ("p0", "E", base + 7000)), (right, ("p1", "F", base + 7500)), (right, ("r1", "S", base + 8000))])
    # restarted again: a record far ahead on each partition closes every window
    closers = {partition_for(f"c{i}".encode(), 2): f"c{i}" for i in range(20)}
    assert len(closers) == 2
    run_once([(left, (key, "z", base + 60_000)) for key in closers.values()])

    got = Counter((m.key().decode(), m.value().decode()) for m in read_topic(kafka_cluster, out, 8, settle=3))
    assert got == Counter({("j0", "a/A"): 1, ("j1", "b/B"): 1, ("p0", "e/E"): 1, ("p1", "f/F"): 1,
                           ("u0", "c/None"): 1, ("u1", "d/None"): 1, ("r0", "None/R"): 1, ("r1", "None/S"): 1})
    changelog = f"{unique_name}-KSTREAM-OUTERSHARED-0000000007-store-changelog"
    assert changelog_policy(kafka_cluster, changelog) == (2, "compact")


def _sliding_counts(source: str, out: str):
    b = StreamsBuilder()
    (b.stream(source, key_serde=Serdes.String(), value_serde=Serdes.String())
      .group_by_key()
      .windowed_by(SlidingWindows.of_time_difference_and_grace(2000, 1000))
      .count()
      .to_stream()
      .map(lambda k, v: (f"{k.key}@{k.window.start}-{k.window.end}", v))
      .to(out, key_serde=Serdes.String(), value_serde=Serdes.Long()))
    return b.build()


def test_sliding_window_counts_stopped_mid_window_match_an_uninterrupted_run(
        kafka_cluster: str, unique_name: str) -> None:
    source, out = f"{unique_name}-in", f"{unique_name}-out"
    create_topic(kafka_cluster, source, 2)
    config = {"bootstrap.servers": kafka_cluster, "application.id": unique_name,
              "processing.guarantee": "exactly_once_v2", "commit.interval.ms": 100}
    base = base_time()
    keys = [f"k{i}" for i in range(4)]

    def records(start_ms: int, end_ms: int) -> list[tuple[str, str, int]]:
        # a record every 250 ms per key; every fifth one 600 ms out of order (within grace)
        return [(k, "x", base + t - (600 if (t // 250) % 5 == 3 else 0))
                for t in range(start_ms, end_ms, 250) for k in keys]

    # The stop falls at 8 s: windows of 2 s around it hold records from both runs.
    first, second = records(0, 8000), records(8000, 16_000)
    runs = []
    for phase in (first, second):
        produce_at(kafka_cluster, source, phase)
        app = KafkaStreams(_sliding_counts(source, out), config)
        assert app.run(idle_timeout=3) == len(phase)
        runs.append(app.metrics())
    assert runs[1]["restore-total"] > 0

    uninterrupted = EmbeddedEngine(_sliding_counts(source, out), {"application.id": "once"},
                                   partitions={source: 2})
    for key, value, ts in first + second:
        uninterrupted.cluster.produce(source, key.encode(), value.encode(), timestamp=ts)
    uninterrupted.run_until_idle()
    expected = Counter((r.key.decode(), struct.unpack(">q", r.value)[0])
                       for r in uninterrupted.cluster.records_in_order(out))
    got = read_topic(kafka_cluster, out, sum(expected.values()), timeout=90, settle=3)
    assert Counter((m.key().decode(), struct.unpack(">q", m.value())[0]) for m in got) == expected
    # The windows' store is all a sliding aggregation keeps, as in Kafka Streams.
    changelog = f"{unique_name}-KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog"
    assert changelog_policy(kafka_cluster, changelog)[0] == 2
