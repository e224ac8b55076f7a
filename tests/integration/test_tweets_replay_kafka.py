"""`airstream replay` against the real broker: every tweet arrives once, keyed by id_str, as JSON,
traced: each record carries the `airstream.trace` header and the replay shows as a producer in the
traces airmon reads from `__airstream_metrics`."""

from __future__ import annotations

import csv
import time

import orjson
import pytest
from confluent_kafka import Consumer, Message

from airstream.cli import main
from airstream.connectors.tweets import SAMPLE_CSV, TweetReplay
from airstream.monitor.traces import TraceModel, read_traces
from airstream.topology.tracing import TRACE_HEADER, decode_trace


def consume_messages(bootstrap: str, topic: str, expected: int) -> list[Message]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-check",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    got: list[Message] = []
    try:
        empty_polls = 0
        while len(got) < expected and empty_polls < 30:
            batch = consumer.consume(500, timeout=1.0)
            empty_polls = 0 if batch else empty_polls + 1
            for msg in batch:
                assert msg.error() is None, msg.error()
                got.append(msg)
        got.extend(m for m in consumer.consume(100, timeout=1.0) if m.error() is None)
    finally:
        consumer.close()
    return got


def consume_all(bootstrap: str, topic: str, expected: int) -> list[tuple[bytes, bytes]]:
    return [(m.key(), m.value()) for m in consume_messages(bootstrap, topic, expected)]


@pytest.mark.kafka
def test_replay_produces_the_whole_sample(kafka_cluster: str, unique_name: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with SAMPLE_CSV.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert main(["replay", str(SAMPLE_CSV), "--topic", unique_name, "--bootstrap", kafka_cluster,
                 "--no-progress"]) == 0
    assert f"produced {len(rows)} tweets to topic '{unique_name}'" in capsys.readouterr().out
    got = consume_all(kafka_cluster, unique_name, len(rows))
    assert len(got) == len(rows)
    expected = sorted((t["id_str"].encode(), orjson.dumps(t)) for t in TweetReplay(SAMPLE_CSV))
    assert sorted(got) == expected
    assert all(orjson.loads(v)["id_str"] == k.decode() for k, v in got)


@pytest.mark.kafka
def test_replay_limit(kafka_cluster: str, unique_name: str) -> None:
    assert main(["replay", str(SAMPLE_CSV), "--topic", unique_name, "--bootstrap", kafka_cluster,
                 "--limit", "25", "--no-progress"]) == 0
    got = consume_messages(kafka_cluster, unique_name, 25)
    assert len(got) == 25
    # Traced under the replay's default client id: the first header of every record, hop 0.
    assert {(m.headers()[0][0], decode_trace(m.headers()[0][1]).origin, decode_trace(m.headers()[0][1]).hop)
            for m in got} == {(TRACE_HEADER, "airstream-replay", 0)}


def _traces_until(bootstrap: str, done: object, timeout: float = 30) -> TraceModel:
    deadline = time.monotonic() + timeout
    while True:
        model = read_traces({"bootstrap.servers": bootstrap})
        if done(model) or time.monotonic() > deadline:  # type: ignore[operator]
            return model
        time.sleep(0.5)


@pytest.mark.kafka
def test_replay_shows_as_a_producer_in_the_traces(kafka_cluster: str, unique_name: str) -> None:
    client = f"{unique_name}-replay"  # __airstream_metrics is shared by the session: look at ours only
    assert main(["replay", str(SAMPLE_CSV), "--topic", unique_name, "--bootstrap", kafka_cluster,
                 "--limit", "60", "--client-id", client, "--no-progress"]) == 0
    got = consume_messages(kafka_cluster, unique_name, 60)
    assert len(got) == 60
    assert {decode_trace(dict(m.headers())[TRACE_HEADER]).origin for m in got} == {client}

    model = _traces_until(kafka_cluster, lambda m: (p := m.producer(client)) is not None and p.produced >= 60)
    producer = model.producer(client)
    assert producer is not None, [p.client_id for p in model.producers]
    assert producer.produced == 60
    assert [(t.topic, t.produced) for t in producer.topics] == [(unique_name, 60)]
    assert producer.active


def test_replay_without_bootstrap_runs_embedded_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(SAMPLE_CSV), "--topic", "tweets", "--limit", "40", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "replayed 40 tweets into topic 'tweets' of an embedded cluster" in out
    assert "--bootstrap" in out and "TweetReplay" in out


def test_embedded_topic_holds_tweets_as_kafka_would() -> None:
    from airstream.connectors.tweets import produce_tweets_embedded
    from airstream.topology.engine import EmbeddedCluster

    cluster = EmbeddedCluster()
    tweets = list(TweetReplay(SAMPLE_CSV, limit=30))
    assert produce_tweets_embedded(tweets, cluster, "tweets") == 30
    got = cluster.records_in_order("tweets")
    assert [(r.key, r.value, r.timestamp) for r in got] == [
        (t["id_str"].encode(), orjson.dumps(t), int(t["timestamp_ms"])) for t in tweets]


def test_replay_missing_file(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    assert main(["replay", str(tmp_path / "nope.csv"), "--bootstrap", "127.0.0.1:1"]) == 2
    assert "not found" in capsys.readouterr().err
