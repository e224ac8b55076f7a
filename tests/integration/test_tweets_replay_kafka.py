"""`airstream replay` against the real broker: every tweet arrives once, keyed by id_str, as JSON."""

from __future__ import annotations

import csv

import orjson
import pytest
from confluent_kafka import Consumer

from connectors.tweets import SAMPLE_CSV, TweetReplay
from topology.cli import main


def consume_all(bootstrap: str, topic: str, expected: int) -> list[tuple[bytes, bytes]]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-check",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    got: list[tuple[bytes, bytes]] = []
    try:
        empty_polls = 0
        while len(got) < expected and empty_polls < 30:
            batch = consumer.consume(500, timeout=1.0)
            empty_polls = 0 if batch else empty_polls + 1
            for msg in batch:
                assert msg.error() is None, msg.error()
                got.append((msg.key(), msg.value()))
        extra = consumer.consume(100, timeout=1.0)
        got.extend((m.key(), m.value()) for m in extra if m.error() is None)
    finally:
        consumer.close()
    return got


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
    assert len(consume_all(kafka_cluster, unique_name, 25)) == 25


def test_replay_without_bootstrap_runs_embedded_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(SAMPLE_CSV), "--topic", "tweets", "--limit", "40", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "replayed 40 tweets into topic 'tweets' of an embedded cluster" in out
    assert "--bootstrap" in out and "TweetReplay" in out


def test_embedded_topic_holds_tweets_as_kafka_would() -> None:
    from connectors.tweets import produce_tweets_embedded
    from topology.engine import EmbeddedCluster

    cluster = EmbeddedCluster()
    tweets = list(TweetReplay(SAMPLE_CSV, limit=30))
    assert produce_tweets_embedded(tweets, cluster, "tweets") == 30
    got = cluster.records_in_order("tweets")
    assert [(r.key, r.value, r.timestamp) for r in got] == [
        (t["id_str"].encode(), orjson.dumps(t), int(t["timestamp_ms"])) for t in tweets]


def test_replay_missing_file(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    assert main(["replay", str(tmp_path / "nope.csv"), "--bootstrap", "127.0.0.1:1"]) == 2
    assert "not found" in capsys.readouterr().err
