"""Traces on the real broker: two producers, three groups, a topology forwarding to a second topic
(run by ``KafkaStreams``, whose clients trace by default), and a delayed consumer.

``__airstream_metrics`` is shared by the whole test session, so every assertion looks only at this
test's own client ids, topics and groups (all carry ``unique_name``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import orjson
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

from airstream.common.traces.header import run_id, split_via
from airstream.monitor.traces import TraceModel, TraceReader, hop_latencies, read_traces
from airstream.topology import KafkaStreams, Serdes, StreamsBuilder
from airstream.topology.tracing import METRICS_TOPIC, TRACE_HEADER, TracingConsumer, TracingProducer, decode_trace

pytestmark = pytest.mark.kafka

DELAY_S = 3.0
COUNTS = {"p1": 200, "p2": 150}


def _create(bootstrap: str, *topics: tuple[str, int]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(t, n, 1) for t, n in topics]).values():
        future.result(30)


def _consumer(bootstrap: str, group: str, topic: str, sample_rate: float | None = 20.0) -> TracingConsumer:
    c = TracingConsumer({"bootstrap.servers": bootstrap, "group.id": group, "client.id": f"{group}-c",
                         "auto.offset.reset": "earliest"}, metrics_interval=0.5, sample_rate=sample_rate)
    c.subscribe([topic])
    return c


def _wait_assigned(consumers: list[TracingConsumer]) -> None:
    deadline = time.monotonic() + 60
    while not all(c.assignment() for c in consumers):
        assert time.monotonic() < deadline, "consumers were not assigned partitions within 60 s"
        for c in consumers:
            assert c.consume(10, 0.2) == []  # nothing has been produced yet


def _read_until(bootstrap: str, done: object, timeout: float = 30) -> TraceModel:
    reader = TraceReader({"bootstrap.servers": bootstrap}, inactive_after=600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            model = reader.refresh()
            if done(model) or time.monotonic() > deadline:  # type: ignore[operator]
                return model
            time.sleep(0.5)
    finally:
        reader.close()


def _forwarding_app(bootstrap: str, app: str, src: str, out: str) -> KafkaStreams:
    builder = StreamsBuilder()
    (builder.stream(src, key_serde=Serdes.String(), value_serde=Serdes.Json())
        .map_values(lambda v: {**v, "scored": True})
        .to(out))
    return KafkaStreams(builder.build(), {
        "bootstrap.servers": bootstrap, "application.id": app, "client.id": "i1",
        "commit.interval.ms": 200, "tracing.metrics.interval.ms": 500, "tracing.sample.rate": "all"})


def test_hops_paths_and_latency_of_two_producers_three_groups_and_a_topology(kafka_cluster: str,
                                                                             unique_name: str) -> None:
    u = unique_name
    src, out = f"{u}-tweets", f"{u}-scored"
    p1, p2 = f"{u}-p1", f"{u}-p2"
    g1, g2, app, g3 = f"{u}-g1", f"{u}-g2-delayed", f"{u}-app", f"{u}-g3"
    app_in, app_out = f"{app}-i1-consumer", f"{app}-i1-producer"  # the runtime's client ids
    _create(kafka_cluster, (src, 3), (out, 2))
    # g1 and g2 read 20 headers a second (fewer than they receive); g3 reads every one.
    c1, c2, c3 = (_consumer(kafka_cluster, g1, src), _consumer(kafka_cluster, g2, src),
                  _consumer(kafka_cluster, g3, out, None))
    _wait_assigned([c1, c2, c3])
    streams = _forwarding_app(kafka_cluster, app, src, out)
    streams.start()

    started_ms = time.time_ns() // 1_000_000
    for name, client in ((p1, "p1"), (p2, "p2")):
        with TracingProducer({"bootstrap.servers": kafka_cluster, "client.id": name, "linger.ms": 5},
                             metrics_interval=0.5) as producer:
            for i in range(COUNTS[client]):
                producer.produce(src, f'{{"n": {i}}}'.encode(), f"k{i}".encode(), headers=[("lang", b"en")])
    produced_at = time.monotonic()
    total = sum(COUNTS.values())

    seen: dict[str, list] = {g1: [], g3: []}
    deadline = time.monotonic() + 60
    while any(len(v) < total for v in seen.values()):
        assert time.monotonic() < deadline, {g: len(v) for g, v in seen.items()}
        seen[g1] += c1.consume(500, 0.1)
        seen[g3] += c3.consume(500, 0.1)
    streams.close()

    time.sleep(max(0.0, DELAY_S - (time.monotonic() - produced_at)))  # the injected consumer delay
    delayed = []
    while len(delayed) < total:
        assert time.monotonic() < deadline
        delayed += c2.consume(500, 0.5)
    ended_ms = time.time_ns() // 1_000_000
    for c in (c1, c2, c3):
        c.close()

    # What a user sees in the records themselves: origin first, the forwarded hop via the app group.
    first = decode_trace(seen[g1][0].headers()[0][1])
    assert seen[g1][0].headers()[0][0] == TRACE_HEADER and first.origin in (p1, p2) and first.hop == 0
    assert ("lang", b"en") in seen[g1][0].headers()
    forwarded = decode_trace(seen[g3][0].headers()[0][1])
    # via names the group and its run (group and source topics hashed), so deployments stay apart.
    assert (forwarded.hop, split_via(forwarded.via), forwarded.origin in (p1, p2)) == (1, (app, run_id(app, [src])),
                                                                                       True)
    assert ("lang", b"en") in seen[g3][0].headers()  # the topology kept the input's headers

    def complete(model: TraceModel) -> bool:
        h = model.hop(app, out, g3)
        return h is not None and h.consumed == total and all(
            (x := model.hop(p, src, g)) is not None and x.consumed == COUNTS[k]
            for p, k in ((p1, "p1"), (p2, "p2")) for g in (g1, g2, app))

    model = _read_until(kafka_cluster, complete)

    for producer, key in ((p1, "p1"), (p2, "p2")):
        for group in (g1, g2, app):
            hop = model.hop(producer, src, group)
            assert hop is not None, f"no hop {producer} -> {src} -> {group}"
            assert (hop.produced, hop.consumed, hop.missing) == (COUNTS[key], COUNTS[key], 0), hop.text
            assert sum(m.produced for m in hop.minutes) == COUNTS[key]
            assert all(m.produced == m.consumed for m in hop.minutes), "expected vs consumed per minute"
            assert hop.producers == (producer,)
            assert hop.consumers == ((app_in,) if group == app else (f"{group}-c",))
        info = model.producer(producer)
        assert info is not None and info.active
        assert [(t.topic, t.produced) for t in info.topics] == [(src, COUNTS[key])]

    second = model.hop(app, out, g3)
    assert second is not None and (second.produced, second.consumed) == (total, total)
    assert second.producers == (app_out,)
    assert model.producer(app_out).produced == total

    paths = {p.nodes: p for p in model.paths_from(p1)}
    assert set(paths) == {(p1, src, g1), (p1, src, g2), (p1, src, app, out, g3)}
    multi = paths[(p1, src, app, out, g3)]
    assert [h.consumed for h in multi.hops] == [COUNTS["p1"], COUNTS["p1"]]
    assert multi.text == f"{p1} -> {src} -> {app} -> {out} -> {g3}"
    assert multi.e2e is not None and multi.e2e.count == COUNTS["p1"]

    # The injected delay: every record reached g2 at least DELAY_S after it was produced, and no
    # latency can exceed the time between the first produce and the last consume.
    bound = ended_ms - started_ms
    slow, fast = model.hop(p1, src, g2).latency, model.hop(p1, src, g1).latency
    assert slow.count < COUNTS["p1"]  # sampled
    assert slow.min_ms >= DELAY_S * 1000 and slow.p99_ms >= DELAY_S * 1000 and slow.max_ms <= bound
    assert fast.min_ms < slow.min_ms
    assert multi.e2e.min_ms >= multi.hops[-1].latency.min_ms and multi.e2e.max_ms <= bound
    slow_alert = [x for x in hop_latencies(model, group=g2) if x.hop.origin == p1]
    assert slow_alert and slow_alert[0].p99_ms >= DELAY_S * 1000

    # What `airmon snapshot --json` would print under "traces": a one-shot read sees the same.
    as_json = orjson.loads(orjson.dumps(read_traces({"bootstrap.servers": kafka_cluster}).as_dict()))
    assert any(p["text"] == multi.text for p in as_json["paths"])
    assert any(h["writer"] == p2 and h["group"] == g2 and h["consumed"] == COUNTS["p2"] for h in as_json["hops"])


def test_a_topology_over_an_untraced_topic_starts_no_trace_and_counts_what_it_writes(kafka_cluster: str,
                                                                                    unique_name: str) -> None:
    u = unique_name
    src, out, app, readers = f"{u}-plain", f"{u}-out", f"{u}-app", f"{u}-readers"
    app_out = f"{app}-i1-producer"
    _create(kafka_cluster, (src, 2), (out, 2))
    reader = _consumer(kafka_cluster, readers, out, None)
    _wait_assigned([reader])
    plain = Producer({"bootstrap.servers": kafka_cluster})
    for i in range(30):
        plain.produce(src, f'{{"n": {i}}}'.encode(), f"k{i}".encode(), headers=[("lang", b"en")] if i % 2 else None)
    assert plain.flush(30) == 0
    with _forwarding_app(kafka_cluster, app, src, out):
        seen: list = []
        deadline = time.monotonic() + 60
        while len(seen) < 30:
            assert time.monotonic() < deadline, len(seen)
            seen += reader.consume(100, 0.2)
    reader.close()

    # Outputs carry their input's headers and nothing more: no trace header is started here.
    for m in seen:
        assert m.headers() == ([("lang", b"en")] if int(m.key()[1:]) % 2 else None), (m.key(), m.headers())
    # The application still says what it wrote: its producer, the topic and the count, as an
    # untraced hop whose producers name it.
    model = _read_until(kafka_cluster, lambda m: (h := m.hop("?", out, readers)) is not None and h.consumed == 30)
    hop = model.hop("?", out, readers)
    assert hop is not None and (hop.origin, hop.consumed, hop.producers) == (None, 30, (app_out,))
    written = model.producer(app_out)
    assert written is not None and [(t.topic, t.produced) for t in written.topics] == [(out, 30)]
    assert all(p.origin != app_out for p in model.paths)


def test_metrics_topic_is_time_retained_not_compacted(kafka_cluster: str, unique_name: str) -> None:
    _create(kafka_cluster, (unique_name, 1))
    with TracingProducer({"bootstrap.servers": kafka_cluster, "client.id": unique_name}) as producer:
        producer.produce(unique_name, b"x")
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    resource = ConfigResource(ResourceType.TOPIC, METRICS_TOPIC)
    config = admin.describe_configs([resource])[resource].result(30)
    assert config["cleanup.policy"].value == "delete"
    assert int(config["retention.ms"].value) == 7 * 24 * 3600 * 1000


def test_reading_before_anything_was_traced_says_so_and_creates_nothing(kafka_cluster: str, unique_name: str) -> None:
    reader = TraceReader({"bootstrap.servers": kafka_cluster}, topic=unique_name, timeout=5)
    try:
        model = reader.refresh()
    finally:
        reader.close()
    assert model.hops == () and model.producers == ()
    assert any("no traces yet" in m.text and "TracingProducer" in m.text for m in model.messages)
    assert unique_name not in AdminClient({"bootstrap.servers": kafka_cluster}).list_topics(timeout=10).topics


def test_airmon_snapshot_json_lists_each_traced_hop_under_traces(kafka_cluster: str, unique_name: str) -> None:
    topic, writer, group = f"{unique_name}-in", f"{unique_name}-writer", f"{unique_name}-readers"
    _create(kafka_cluster, (topic, 2))
    consumer = _consumer(kafka_cluster, group, topic, None)
    _wait_assigned([consumer])
    with TracingProducer({"bootstrap.servers": kafka_cluster, "client.id": writer}, metrics_interval=0.5) as producer:
        for i in range(40):
            producer.produce(topic, b"{}", f"k{i}".encode())
    seen = 0
    deadline = time.monotonic() + 60
    while seen < 40 and time.monotonic() < deadline:
        seen += len(consumer.consume(100, 0.5))
    consumer.close()
    assert seen == 40

    env = {**os.environ, "AIRSTREAM_BOOTSTRAP": kafka_cluster}
    deadline = time.monotonic() + 30
    while True:
        result = subprocess.run([sys.executable, "-m", "airstream.monitor.cli", "snapshot", "--json"],
                                capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        traces = orjson.loads(result.stdout)["traces"]
        hops = [h for h in traces["hops"] if h["topic"] == topic and h["group"] == group]
        if (hops and hops[0]["consumed"] == 40) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert [(h["origin"], h["produced"], h["consumed"], h["missing"]) for h in hops] == [(writer, 40, 40, 0)]
    assert [p["produced"] for p in traces["producers"] if p["client_id"] == writer] == [40]
