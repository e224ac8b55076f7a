"""airmon on two real clusters at once (the single-broker one and the three-broker one): `snapshot`
documents each under its name, `check` evaluates the rules on each and names the cluster in every alert."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

pytestmark = [pytest.mark.kafka, pytest.mark.kafka3]


def _airmon(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "airstream.monitor.cli", *args], capture_output=True, text=True,
                          timeout=120)


def _lagging_group(bootstrap: str, topic: str, group: str) -> None:
    """``topic`` with 50 records and ``group`` committed at 10: a lag of 40, from the commit log."""
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept: a collected client cancels its requests
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result()
    producer = Producer({"bootstrap.servers": bootstrap})
    for n in range(50):
        producer.produce(topic, value=b"%d" % n)
    assert producer.flush(30) == 0
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    consumer.commit(offsets=[TopicPartition(topic, 0, 10)], asynchronous=False)
    consumer.close()


def test_snapshot_and_check_cover_each_named_cluster(kafka_cluster: str, kafka_cluster3, unique_name: str,  # type: ignore[no-untyped-def]
                                                     tmp_path: Path) -> None:
    solo, trio = kafka_cluster, kafka_cluster3.bootstrap
    _lagging_group(solo, f"{unique_name}-t", f"{unique_name}-solo")
    _lagging_group(trio, f"{unique_name}-t", f"{unique_name}-trio")
    clusters = ["--cluster", f"solo={solo}", "--cluster", f"trio={trio}"]

    result = _airmon("snapshot", *clusters, "--compact")
    assert result.returncode == 0, result.stderr
    documents = {d["cluster"]: d for d in json.loads(result.stdout)["clusters"]}
    assert set(documents) == {"solo", "trio"}
    assert (documents["solo"]["summary"]["brokers"], documents["trio"]["summary"]["brokers"]) == (1, 3)
    groups = {name: {g["group_id"]: g["total_lag"] for g in d["groups"]} for name, d in documents.items()}
    assert groups["solo"][f"{unique_name}-solo"] == 40 and f"{unique_name}-trio" not in groups["solo"]
    assert groups["trio"][f"{unique_name}-trio"] == 40 and f"{unique_name}-solo" not in groups["trio"]

    rules = tmp_path / "rules.yaml"
    rules.write_text(f"rules:\n  - {{name: behind, kind: group_lag, group: '{unique_name}-*', above: 30}}\n")
    checked = _airmon("check", *clusters, "--rules", str(rules))
    assert checked.returncode == 1, checked.stderr
    assert sorted(checked.stdout.splitlines()) == [
        f"FIRING warning behind [solo: group {unique_name}-solo]: lag 40 above 30",
        f"FIRING warning behind [trio: group {unique_name}-trio]: lag 40 above 30"]


def test_cluster_options_are_checked(kafka_cluster: str) -> None:
    twice = _airmon("snapshot", "--cluster", f"a={kafka_cluster}", "--cluster", f"a={kafka_cluster}")
    assert twice.returncode == 2 and "--cluster 'a' is given twice" in twice.stderr
    both = _airmon("snapshot", "--cluster", f"a={kafka_cluster}", "--bootstrap", kafka_cluster)
    assert both.returncode == 2 and "either with --cluster" in both.stderr
    unnamed = _airmon("snapshot", "--cluster", kafka_cluster)
    assert unnamed.returncode == 2 and "write it as NAME=HOST:PORT" in unnamed.stderr
