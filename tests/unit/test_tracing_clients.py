"""Client-side aggregation: what a traced producer and consumer count, and when they publish it.

Messages are real ``confluent_kafka.Message`` objects; the clients run against librdkafka's
in-process mock cluster (``test.mock.num.brokers``), so no broker is needed. The real broker is in
``tests/integration/test_tracing_kafka.py``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition

from airstream.topology import records
from airstream.topology.tracing import (
    TRACE_HEADER,
    ConsumerMetrics,
    MetricsPublisher,
    ProducerMetrics,
    Trace,
    TracingConsumer,
    TracingProducer,
    decode_trace,
    encode_trace,
    new_trace,
    produce_records,
)

MINUTE = 60_000


def _msg(topic: str, partition: int, ts: int, headers: list | None) -> Message:
    return Message(topic=topic, partition=partition, timestamp=(1, ts), headers=headers)


def _rows(record: dict[str, Any], part: str = "rows") -> dict[tuple, dict[str, Any]]:
    return {(r["topic"], r["partition"], r["bucket"], r.get("origin"), r.get("hop"), r.get("via")): r
            for r in record[part]}


def test_consumer_counts_every_record_and_samples_paths_and_latency() -> None:
    m = ConsumerMetrics("c1", "scorer", now_ms=0, sample_rate=None)
    p1 = new_trace("p1", now_ms=10 * MINUTE + 100)
    p1_late = new_trace("p1", now_ms=11 * MINUTE + 5)
    fwd = encode_trace(Trace("p1", 1, origin_ms=10 * MINUTE, hop_ms=10 * MINUTE + 900, via="app"))
    batch = [
        _msg("tweets", 0, 10 * MINUTE + 100, [(TRACE_HEADER, p1)]),
        _msg("tweets", 0, 10 * MINUTE + 100, [(TRACE_HEADER, p1), ("lang", b"en")]),
        _msg("tweets", 1, 10 * MINUTE + 100, [("lang", b"en"), (TRACE_HEADER, p1)]),  # not first: still found
        _msg("tweets", 0, 11 * MINUTE + 5, [(TRACE_HEADER, p1_late)]),
        _msg("scored", 0, 10 * MINUTE, [(TRACE_HEADER, fwd)]),  # output keeps the input's timestamp
        _msg("tweets", 0, 10 * MINUTE + 500, None),  # untraced: latency from the record timestamp
        _msg("tweets", 0, 10 * MINUTE + 500, [(TRACE_HEADER, b"\x09garbage")]),  # unreadable: untraced
        Message(topic="tweets", partition=0, error=KafkaError(KafkaError._PARTITION_EOF)),  # not a record
    ]
    m.observe(batch, now_ms=11 * MINUTE + 1_000)
    record = m.record(now_ms=11 * MINUTE + 2_000)
    assert record["sample_rate"] is None
    assert {k[:3]: r["count"] for k, r in _rows(record).items()} == {
        ("tweets", 0, 10 * MINUTE): 4, ("tweets", 1, 10 * MINUTE): 1, ("tweets", 0, 11 * MINUTE): 1,
        ("scored", 0, 10 * MINUTE): 1}
    samples = _rows(record, "samples")
    assert {k: r["count"] for k, r in samples.items()} == {
        ("tweets", 0, 10 * MINUTE, "p1", 0, ""): 2,
        ("tweets", 1, 10 * MINUTE, "p1", 0, ""): 1,
        ("tweets", 0, 11 * MINUTE, "p1", 0, ""): 1,
        ("scored", 0, 10 * MINUTE, "p1", 1, "app"): 1,
        ("tweets", 0, 10 * MINUTE, None, None, None): 2,
    }
    first = samples[("tweets", 0, 10 * MINUTE, "p1", 0, "")]
    assert (first["latency"]["min"], first["latency"]["max"], first["e2e"]) == (60_900, 60_900, None)
    hop1 = samples[("scored", 0, 10 * MINUTE, "p1", 1, "app")]
    assert (hop1["latency"]["max"], hop1["e2e"]["max"]) == (60_100, 61_000)
    assert samples[("tweets", 0, 10 * MINUTE, None, None, None)]["latency"]["max"] == 60_500
    assert m.last_ms == 11 * MINUTE + 1_000


@pytest.mark.parametrize("topic", [None, "t"])
def test_a_batch_within_one_minute_is_counted_per_topic_partition(topic: str | None) -> None:
    m = ConsumerMetrics("c1", "g", now_ms=0, sample_rate=0.001)
    batch = [_msg("t", p, 2 * MINUTE + ms, None) for p, ms in ((0, 5), (1, 9), (0, 59_999), (1, 0), (0, 7))]
    if topic is None:  # no topic hint: topics are told apart per record
        batch.append(_msg("u", 0, 2 * MINUTE + 1, None))
    m.observe(batch, now_ms=3 * MINUTE)
    expected = {("t", 0, 2 * MINUTE): 3, ("t", 1, 2 * MINUTE): 2}
    if topic is None:
        expected[("u", 0, 2 * MINUTE)] = 1
    assert {k[:3]: r["count"] for k, r in _rows(m.record(now_ms=1)).items()} == expected


class _HeaderReadsCounted(Message):
    """A message that counts how often its headers are read (a consumed message builds them then)."""

    reads = 0

    def headers(self) -> Any:
        _HeaderReadsCounted.reads += 1
        return super().headers()


def test_only_the_sampled_messages_headers_are_read() -> None:
    m = ConsumerMetrics("c1", "g", now_ms=0, sample_rate=10)
    msgs = [_HeaderReadsCounted(topic="t", partition=i % 2, offset=i, timestamp=(1, 5),
                                headers=[(TRACE_HEADER, new_trace("p", now_ms=i))]) for i in range(1000)]
    _HeaderReadsCounted.reads = 0
    m.observe(msgs, now_ms=1_000)
    assert _HeaderReadsCounted.reads == 10
    assert sum(r["count"] for r in m.record(now_ms=1_500)["rows"]) == 1000


def test_a_consumer_of_one_topic_counts_its_batches_without_reading_each_topic(
        monkeypatch: pytest.MonkeyPatch) -> None:
    topic_reads: list[int] = []

    def counted_topic(message: Message) -> Any:
        topic_reads.append(message.offset())
        return message.topic()

    monkeypatch.setattr(records, "_topic", counted_topic)  # how runs read each message's topic
    msgs = [Message(topic="t", partition=i % 3 // 2, offset=i, timestamp=(1, 5)) for i in range(999)]
    seen = {}
    for topic in ("t", None):
        m = ConsumerMetrics("c1", "g", now_ms=0, sample_rate=10)
        topic_reads.clear()
        m.observe(msgs, now_ms=1_000, topic=topic)
        seen[topic] = (sorted(topic_reads), {k[:2]: n for k, n in m.counts.items()})
    assert seen["t"][0] == [] and seen[None][0] == list(range(999))
    assert seen["t"][1] == seen[None][1] == {("t", 0): 666, ("t", 1): 333}


def test_at_most_sample_rate_headers_a_second_are_read_spread_over_the_batch() -> None:
    m = ConsumerMetrics("c1", "g", now_ms=0, sample_rate=10)
    msgs = [_msg("t", 0, 5, [(TRACE_HEADER, new_trace("p", now_ms=i))]) for i in range(1000)]
    m.observe(msgs, now_ms=1_000)  # a second's worth saved up: 10 samples, records 0, 100, ... 900
    [row] = m.samples.values()
    assert (row.count, row.latency.min, row.latency.max, row.latency.total) == (10, 100, 1_000, 5_500)
    m.observe(msgs[:500], now_ms=1_100)  # 0.1 s later: one more
    m.observe(msgs[:500], now_ms=1_150)  # 0.05 s later: none
    m.observe(msgs[:500], now_ms=9_000)  # after a long pause: still only a second's worth
    record = m.record(now_ms=9_500)
    assert [r["count"] for r in record["rows"]] == [2500]
    assert [r["count"] for r in record["samples"]] == [10 + 1 + 0 + 10]


def test_a_trickle_is_sampled_at_least_once_a_second() -> None:
    m = ConsumerMetrics("c1", "g", now_ms=0, sample_rate=1)
    msg = _msg("t", 0, 5, [(TRACE_HEADER, new_trace("p", now_ms=5))])
    for now in (10, 20, 600, 1_015, 1_500, 2_100):
        m.observe([msg], now_ms=now)
    assert [r["count"] for r in m.record(now_ms=3_000)["samples"]] == [3]  # at 10, 1015 and 2100


def test_sample_rate_must_be_positive_or_none() -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        ConsumerMetrics("c1", "g", now_ms=0, sample_rate=0)


def test_consumer_record_is_a_delta() -> None:
    m = ConsumerMetrics("c1", "g", now_ms=0)
    msg = _msg("t", 0, 5, [(TRACE_HEADER, new_trace("p", now_ms=5))])
    m.observe([msg, msg], now_ms=10)
    assert m.record(now_ms=20)["rows"][0]["count"] == 2
    m.reset(now_ms=20)
    assert m.empty and m.record(now_ms=30)["from_ms"] == 20
    m.observe([msg], now_ms=40)
    assert [r["count"] for r in m.record(now_ms=50)["rows"]] == [1]


def test_producer_counts_by_explicit_partition_and_minute() -> None:
    m = ProducerMetrics("p", now_ms=0)
    path = new_trace("p", now_ms=0)[17:]
    for ts, partition in ((100, -1), (200, -1), (MINUTE + 1, -1), (300, 2)):
        m.produced("t", partition, ts, path, now_ms=ts)
    rows = _rows(m.record(now_ms=MINUTE + 2))
    assert {(k[1], k[2]): r["count"] for k, r in rows.items()} == {(-1, 0): 2, (-1, MINUTE): 1, (2, 0): 1}
    assert {(r["origin"], r["hop"], r["via"]) for r in rows.values()} == {("p", 0, "")}


class _Publisher:
    """Collects published records; ``accept`` False plays a full local queue."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.accept = True

    def publish(self, record: dict[str, Any], *, wait: bool = False) -> bool:
        if self.accept:
            self.records.append(record)
        return self.accept

    def close(self, timeout: float = 0) -> None:
        pass


def _counts(records: list[dict[str, Any]], part: str = "rows") -> dict[tuple, int]:
    out: dict[tuple, int] = {}
    for rec in records:
        for r in rec[part]:
            key = (rec["kind"], r["topic"], r["partition"], r.get("origin"), r.get("hop"), r.get("via"))
            out[key] = out.get(key, 0) + r["count"]
    return out


@pytest.fixture
def mock_config() -> dict[str, Any]:
    return {"test.mock.num.brokers": 1, "client.id": "replay", "log_level": 3}


def _read_back(producer: TracingProducer, topic: str, n: int) -> list[Message]:
    meta = producer.list_topics(timeout=10)
    bootstrap = ",".join(f"{b.host}:{b.port}" for b in meta.brokers.values())
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader"})
    consumer.assign([TopicPartition(topic, p, 0) for p in meta.topics[topic].partitions])
    got: list[Message] = []
    deadline = time.monotonic() + 20
    while len(got) < n and time.monotonic() < deadline:
        got += [m for m in consumer.consume(10, 0.5) if m.error() is None]
    consumer.close()
    return got


def test_producer_traces_new_records_keeps_forwarded_ones_and_publishes_on_interval(mock_config: dict) -> None:
    pub = _Publisher()
    producer = TracingProducer(mock_config, metrics_interval=0.05, publisher=pub)  # type: ignore[arg-type]
    forwarded = encode_trace(Trace("origin", 1, 1, 2, "app"))
    producer.produce("t", b"a")
    producer.produce("t", b"b", headers={"lang": b"en"})
    # Positional, in confluent-kafka's order (topic, value, key, partition, callback, on_delivery,
    # timestamp, headers), as the airstream runtime calls it.
    producer.produce("t", b"c", None, 0, None, None, 0, [(TRACE_HEADER, forwarded)])
    time.sleep(0.06)
    producer.poll(0)  # the interval has passed: publish
    assert len(pub.records) == 1
    producer.produce("t", b"d")
    assert producer.close(10) == 0
    assert len(pub.records) == 2  # close publishes the rest
    assert _counts(pub.records) == {("producer", "t", -1, "replay", 0, ""): 3,
                                    ("producer", "t", 0, "origin", 1, "app"): 1}
    by_value = {m.value(): m.headers() for m in _read_back(producer, "t", 4)}
    assert [k for k, _ in by_value[b"b"]] == [TRACE_HEADER, "lang"] and by_value[b"b"][1] == ("lang", b"en")
    assert decode_trace(by_value[b"a"][0][1]).origin == "replay"
    assert by_value[b"c"] == [(TRACE_HEADER, forwarded)]


@pytest.mark.parametrize("how", ["one by one", "in a batch"])
def test_a_forwarding_producer_takes_passed_through_traces_one_hop_further(mock_config: dict, how: str) -> None:
    # The airstream runtime produces each fetched batch's outputs through produce_records(): the
    # same records, headers and counts as produce().
    pub = _Publisher()
    producer = TracingProducer({**mock_config, "client.id": "app-out"}, forward_via="app",
                               publisher=pub)  # type: ignore[arg-type]
    origin = new_trace("replay", now_ms=1_000)
    outputs = [("out", b"a", [("lang", b"en"), (TRACE_HEADER, origin)]),  # an input's headers
               ("out", b"b", None),  # an untraced input's output: a forwarding step starts no trace
               ("out", b"c", [(TRACE_HEADER, b"junk")]),  # unreadable: dropped, untraced
               ("out", b"d", [("lang", b"fr")])]  # headers without a trace: kept as they are, untraced
    if how == "in a batch":
        assert producer.produce_records([(t, None, None, v, 0, h) for t, v, h in outputs]) == 4
    else:
        for topic, value, headers in outputs:
            producer.produce(topic, value, headers=headers)
    producer.close(10)
    by_value = {m.value(): m.headers() for m in _read_back(producer, "out", 4)}
    forwarded = decode_trace(by_value[b"a"][0][1])
    assert (forwarded.origin, forwarded.hop, forwarded.via, forwarded.origin_ms) == ("replay", 1, "app", 1_000)
    assert by_value[b"a"][1:] == [("lang", b"en")]
    assert by_value[b"b"] is None and by_value[b"c"] is None
    assert by_value[b"d"] == [("lang", b"fr")]
    # Every record is counted: the untraced ones under no path, so the producer and the topics it
    # writes stay listed.
    assert _counts(pub.records) == {("producer", "out", -1, "replay", 1, "app"): 1,
                                    ("producer", "out", -1, None, None, None): 3}


@pytest.mark.parametrize("traced", [True, False])
def test_produce_records_stops_at_a_record_over_the_limit_and_goes_on_from_the_next(mock_config: dict,
                                                                                      traced: bool) -> None:
    pub = _Publisher()
    config = {**mock_config, "message.max.bytes": 2_000}
    producer = TracingProducer(config, publisher=pub) if traced else Producer(config)  # type: ignore[arg-type]
    records = [("t", None, b"k1", b"a", 0, None), ("t", -1, b"k2", b"x" * 5_000, 0, None),
               ("t", None, b"k3", b"b", 1_000, [("lang", b"en")])]
    assert produce_records(producer, records) == 1  # the second is refused: its index
    assert produce_records(producer, records, 2) == 3
    producer.flush(10)
    got = _read_back(producer, "t", 2)
    assert sorted((m.key(), m.value()) for m in got) == [(b"k1", b"a"), (b"k3", b"b")]
    by_key = {m.key(): m for m in got}
    assert by_key[b"k3"].timestamp()[1] == 1_000 and ("lang", b"en") in by_key[b"k3"].headers()
    if traced:
        producer.close(10)
        assert _counts(pub.records) == {("producer", "t", -1, "replay", 0, ""): 2}
        assert [k for k, _ in by_key[b"k1"].headers()] == [TRACE_HEADER]
    else:
        assert by_key[b"k1"].headers() is None


def test_produce_records_counts_per_topic_and_partition(mock_config: dict) -> None:
    pub = _Publisher()
    producer = TracingProducer(mock_config, publisher=pub)  # type: ignore[arg-type]
    one_partition = [("a", 1, b"k", b"v", 0, None)] * 3  # a task's usual batch: counted by its length
    mixed = [("a", 0, b"k", b"v", 0, None), ("a", 1, b"k", b"v", 0, None), ("b", None, b"k", b"v", 0, None),
             ("b", -1, b"k", b"v", 0, None)]  # None and -1 both leave the partition to the partitioner
    assert produce_records(producer, one_partition) == 3
    assert produce_records(producer, mixed) == 4
    producer.close(10)
    assert _counts(pub.records) == {("producer", "a", 1, "replay", 0, ""): 4, ("producer", "a", 0, "replay", 0, ""): 1,
                                    ("producer", "b", -1, "replay", 0, ""): 2}


def test_a_refused_publish_keeps_the_counts_for_the_next_one(mock_config: dict) -> None:
    pub = _Publisher()
    pub.accept = False
    producer = TracingProducer(mock_config, metrics_interval=60, publisher=pub)  # type: ignore[arg-type]
    producer.produce("t", b"a")
    producer.flush(10)
    pub.accept = True
    producer.produce("t", b"b")
    producer.close(10)
    assert _counts(pub.records) == {("producer", "t", -1, "replay", 0, ""): 2}


def test_close_fails_what_it_could_not_deliver_in_time_as_kafka_does() -> None:
    reports: list[tuple[Any, Any]] = []
    producer = TracingProducer({"bootstrap.servers": "127.0.0.1:1", "client.id": "replay"},
                               publisher=_Publisher())  # type: ignore[arg-type]
    for value in (b"a", b"b", b"c"):
        producer.produce("t", value, on_delivery=lambda err, msg: reports.append((err.code(), msg.value())))
    assert producer.close(0.2) == 3
    assert reports == [(KafkaError._PURGE_QUEUE, b"a"), (KafkaError._PURGE_QUEUE, b"b"),
                       (KafkaError._PURGE_QUEUE, b"c")]
    assert len(producer) == 0  # nothing left to call back at interpreter exit


def test_consumer_measures_what_it_receives_and_forwards_via_its_group(mock_config: dict) -> None:
    producer = TracingProducer(mock_config, publisher=_Publisher())  # type: ignore[arg-type]
    for i in range(5):
        producer.produce("t", b"%d" % i, partition=0)
    producer.flush(10)
    bootstrap = ",".join(f"{b.host}:{b.port}" for b in producer.list_topics(timeout=10).brokers.values())
    pub = _Publisher()
    consumer = TracingConsumer({"bootstrap.servers": bootstrap, "group.id": "scorer", "client.id": "scorer-1"},
                               publisher=pub, sample_rate=None)  # type: ignore[arg-type]
    consumer.assign([TopicPartition("t", 0, 0)])
    got: list[Message] = []
    deadline = time.monotonic() + 20
    while len(got) < 5 and time.monotonic() < deadline:
        got += consumer.consume(10, 0.5)
        if (m := consumer.poll(0.1)) is not None:
            got.append(m)
    out = consumer.forward_headers(got[0])
    consumer.close()
    assert len(got) == 5
    assert decode_trace(out[0][1])[:2] == ("replay", 1) and decode_trace(out[0][1]).via == "scorer"
    assert _counts(pub.records) == {("consumer", "t", 0, None, None, None): 5}
    assert _counts(pub.records, "samples") == {("consumer", "t", 0, "replay", 0, ""): 5}
    assert pub.records[0]["group"] == "scorer" and pub.records[0]["client_id"] == "scorer-1"
    assert pub.records[0]["samples"][0]["latency"]["count"] == 5


def test_metrics_interval_must_be_positive(mock_config: dict) -> None:
    with pytest.raises(ValueError, match="metrics_interval"):
        TracingProducer(mock_config, metrics_interval=0)


def test_runs_a_stream_processor_has_split_are_counted_as_the_records_are() -> None:
    """A runtime hands over the runs of one topic-partition it made for its tasks; counted by their
    lengths, they give the rows the records give, a run that spans two minutes included."""
    from itertools import groupby

    from airstream.topology.records import from_messages

    msgs = [_msg(t, p, ts, None) for t, p, ts in (
        ("t", 0, 5), ("t", 0, 9), ("t", 1, MINUTE - 1), ("t", 1, MINUTE), ("t", 1, 7),  # partition 1: two minutes
        ("u", 0, 3), ("t", 0, 2 * MINUTE))]  # partition 0 of t again, after u: a run of its own
    records = from_messages(msgs)
    runs = [list(g) for _, g in groupby(records, key=lambda r: (r[0], r[1]))]
    assert len(runs) == 4
    by_runs, by_records = (ConsumerMetrics("c", "g", now_ms=0, sample_rate=None) for _ in range(2))
    by_runs.observe_records(records, 3 * MINUTE, runs)
    by_records.observe_records(records, 3 * MINUTE)
    counted = {k[:3]: r["count"] for k, r in _rows(by_runs.record(now_ms=0)).items()}
    assert counted == {("t", 0, 0): 2, ("t", 1, 0): 2, ("t", 1, MINUTE): 1, ("u", 0, 0): 1, ("t", 0, 2 * MINUTE): 1}
    assert by_runs.record(now_ms=0)["rows"] == by_records.record(now_ms=0)["rows"]


def test_an_unreachable_cluster_only_warns_naming_the_topic_and_never_the_password(
        caplog: pytest.LogCaptureFixture) -> None:
    config = {"bootstrap.servers": "127.0.0.1:1", "sasl.username": "svc", "sasl.password": "hunter2",
              "log_level": 0}
    publisher = MetricsPublisher(config, timeout=0.5)
    record = {"v": 1, "kind": "producer", "client_id": "p", "rows": []}
    with caplog.at_level("WARNING", logger="airstream.topology.tracing"):
        assert publisher.publish(record, wait=True)  # queued locally; the topic could not be checked
        publisher.close(timeout=0.2)
    text = caplog.text + repr(publisher)
    assert "__airstream_metrics" in text and "not delivered" in text
    assert "hunter2" not in text
    assert repr(publisher) == "MetricsPublisher(topic='__airstream_metrics', bootstrap='127.0.0.1:1')"


def test_single_records_from_poll_are_counted_like_batches() -> None:
    one_by_one, batched = (ConsumerMetrics("c", "g", now_ms=0, sample_rate=None) for _ in range(2))
    msgs = [_msg("t", p, ts, [(TRACE_HEADER, new_trace("p", now_ms=ts))])
            for p, ts in ((0, 5), (1, 6), (0, MINUTE + 1))]
    msgs.append(Message(topic="t", partition=0, error=KafkaError(KafkaError._PARTITION_EOF)))
    for m in msgs:
        one_by_one.observe((m,), now_ms=MINUTE + 10)
    batched.observe(msgs, now_ms=MINUTE + 10)
    assert one_by_one.record(now_ms=0)["rows"] == batched.record(now_ms=0)["rows"]
    assert one_by_one.record(now_ms=0)["samples"] == batched.record(now_ms=0)["samples"]
    assert sum(r["count"] for r in batched.record(now_ms=0)["rows"]) == 3


@pytest.mark.parametrize("how", ["on_delivery", "callback"])
def test_delivery_reports_reach_the_callback_however_it_is_given(how: str) -> None:
    reports: list[Any] = []
    producer = TracingProducer({"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": 200, "log_level": 0},
                               publisher=_Publisher())  # type: ignore[arg-type]
    producer.produce("t", b"v", **{how: lambda err, msg: reports.append(err)})
    producer.flush(5)
    assert len(reports) == 1 and reports[0].code() == KafkaError._MSG_TIMED_OUT
