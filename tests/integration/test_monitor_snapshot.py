"""airmon's snapshot of a real broker, compared field by field with what the admin API returns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from confluent_kafka import (
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec

from airstream.monitor.model import Severity
from airstream.monitor.sources import KafkaSource

pytestmark = pytest.mark.kafka

PARTITIONS = 3


def _produce(bootstrap: str, topic: str, count: int, timestamp_ms: int | None = None) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(count):
        kwargs: dict[str, Any] = {"timestamp": timestamp_ms} if timestamp_ms is not None else {}
        producer.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % PARTITIONS, **kwargs)
    assert producer.flush(30) == 0


def _consume(bootstrap: str, topic: str, group: str, count: int) -> Consumer:
    """A group member that read `count` records and committed them; still a live member."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "client.id": f"{group}-client"})
    consumer.subscribe([topic])
    read = 0
    deadline = time.monotonic() + 30
    while read < count and time.monotonic() < deadline:
        for msg in consumer.consume(num_messages=count - read, timeout=1):
            assert msg.error() is None, msg.error()
            read += 1
    assert read == count
    consumer.commit(asynchronous=False)
    return consumer


@pytest.fixture
def cluster(kafka_cluster: str, unique_name: str) -> Iterator[dict[str, Any]]:
    """A topic with 30 records (the first 4 of partition 0 deleted), a live group that read 12 of them and an
    empty group that committed on one partition."""
    topic, live, idle = unique_name, f"{unique_name}-live", f"{unique_name}-idle"
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])[topic].result(30)
    _produce(kafka_cluster, topic, 30)
    admin.delete_records([TopicPartition(topic, 0, 4)])[TopicPartition(topic, 0, 4)].result(30)
    idle_consumer = Consumer({"bootstrap.servers": kafka_cluster, "group.id": idle, "enable.auto.commit": False})
    idle_consumer.commit(offsets=[TopicPartition(topic, 1, 7)], asynchronous=False)
    idle_consumer.close()
    consumer = _consume(kafka_cluster, topic, live, 12)
    yield {"admin": admin, "topic": topic, "live": live, "idle": idle, "bootstrap": kafka_cluster}
    consumer.close()


def _admin_truth(admin: AdminClient, topic: str, groups: list[str]) -> dict[str, Any]:
    meta = admin.list_topics(topic, timeout=10).topics[topic]
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    earliest = admin.list_offsets({tp: OffsetSpec.earliest() for tp in tps})
    low = {tp.partition: f.result().offset for tp, f in earliest.items()}
    latest = admin.list_offsets({tp: OffsetSpec.latest() for tp in tps})
    high = {tp.partition: f.result().offset for tp, f in latest.items()}
    partitions = {p.id: {"leader": p.leader, "replicas": list(p.replicas), "isr": list(p.isrs),
                         "low_watermark": low[p.id], "high_watermark": high[p.id]}
                  for p in meta.partitions.values()}
    described = {g: f.result() for g, f in admin.describe_consumer_groups(groups).items()}
    committed = {}
    for g in groups:
        result = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(g)])[g].result()
        committed[g] = {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions}
    return {"partitions": partitions, "groups": described, "committed": committed, "high": high,
            "cluster": admin.describe_cluster().result()}


def _check_document(doc: dict[str, Any], truth: dict[str, Any], cluster: dict[str, Any]) -> None:
    topic = cluster["topic"]
    described = truth["cluster"]
    assert doc["ok"] is True
    assert doc["cluster_id"] == described.cluster_id and doc["controller_id"] == described.controller.id
    assert [(b["id"], b["host"], b["port"]) for b in doc["brokers"]] == sorted(
        (n.id, n.host, n.port) for n in described.nodes)
    (t,) = [t for t in doc["topics"] if t["name"] == topic]
    assert (t["partition_count"], t["replication_factor"], t["internal"]) == (PARTITIONS, 1, False)
    for p in t["partitions"]:
        want = truth["partitions"][p["partition"]]
        assert {k: p[k] for k in want} == want
    assert t["partitions"][0]["low_watermark"] == 4 and t["total_messages"] == 26
    assert next(x for x in doc["topics"] if x["name"] == "__consumer_offsets")["internal"] is True

    for gid in (cluster["live"], cluster["idle"]):
        (g,) = [g for g in doc["groups"] if g["group_id"] == gid]
        desc = truth["groups"][gid]
        assert g["state"] == {"STABLE": "Stable", "EMPTY": "Empty"}[desc.state.name]
        assert g["coordinator_id"] == desc.coordinator.id
        assert sorted(m["member_id"] for m in g["members"]) == sorted(m.member_id for m in desc.members)
        for m in g["members"]:
            (dm,) = [d for d in desc.members if d.member_id == m["member_id"]]
            assert (m["client_id"], m["host"]) == (dm.client_id, dm.host)
            assert sorted((a["topic"], a["partition"]) for a in m["assignments"]) == sorted(
                (tp.topic, tp.partition) for tp in dm.assignment.topic_partitions)
        committed = truth["committed"][gid]
        for gp in g["partitions"]:
            key = (gp["topic"], gp["partition"])
            assert gp["committed_offset"] == committed.get(key)
            assert gp["end_offset"] == truth["high"][gp["partition"]]
            assert gp["lag"] == (truth["high"][gp["partition"]] - committed[key] if key in committed else None)
        assert g["total_lag"] == sum(truth["high"][p] - o for (_, p), o in committed.items())

    live = next(g for g in doc["groups"] if g["group_id"] == cluster["live"])
    assert live["state"] == "Stable" and len(live["members"]) == 1
    assert {p["client_id"] for p in live["partitions"]} == {f"{cluster['live']}-client"}
    idle = next(g for g in doc["groups"] if g["group_id"] == cluster["idle"])
    assert idle["state"] == "Empty" and idle["members"] == []
    assert [(p["partition"], p["committed_offset"], p["lag"]) for p in idle["partitions"]] == [(1, 7, 3)]


def test_kafka_source_snapshot_matches_the_admin_api(cluster: dict[str, Any]) -> None:
    source = KafkaSource({"bootstrap.servers": cluster["bootstrap"]})
    doc = json.loads(source.snapshot().to_json())
    _check_document(doc, _admin_truth(cluster["admin"], cluster["topic"], [cluster["live"], cluster["idle"]]), cluster)


def test_airmon_snapshot_json_cli_matches_the_admin_api(cluster: dict[str, Any]) -> None:
    env = {**os.environ, "AIRSTREAM_BOOTSTRAP": cluster["bootstrap"]}
    result = subprocess.run([sys.executable, "-m", "airstream.monitor.cli", "snapshot", "--json"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    _check_document(doc, _admin_truth(cluster["admin"], cluster["topic"], [cluster["live"], cluster["idle"]]), cluster)


def test_time_lag_is_the_age_of_the_oldest_unconsumed_record(kafka_cluster: str, unique_name: str) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    created = admin.create_topics([NewTopic(unique_name, num_partitions=PARTITIONS, replication_factor=1)])
    created[unique_name].result(30)
    hour_ago = int(time.time() * 1000) - 3_600_000
    _produce(kafka_cluster, unique_name, 3, timestamp_ms=hour_ago)     # one old record per partition ...
    consumer = _consume(kafka_cluster, unique_name, unique_name, 3)     # ... all consumed
    consumer.close()
    _produce(kafka_cluster, unique_name, 1, timestamp_ms=hour_ago - 600_000)  # partition 0: 70 minutes old
    source = KafkaSource({"bootstrap.servers": kafka_cluster})
    snap = source.with_time_lag(source.snapshot(), [unique_name])
    group = snap.group(unique_name)
    assert group is not None
    ages = {p.partition: p.time_lag for p in group.partitions}
    assert ages[1] == 0.0 and ages[2] == 0.0           # nothing unconsumed
    assert ages[0] is not None and 4200 <= ages[0] < 4200 + 600  # 70 minutes, plus however long the test ran
    assert group.max_time_lag == ages[0]


def test_unreachable_cluster_is_a_status_message_not_an_exception() -> None:
    source = KafkaSource({"bootstrap.servers": "127.0.0.1:1", "sasl.password": "hunter2-secret"}, timeout=2)
    snap = source.snapshot()
    assert not snap.ok and snap.brokers == () and snap.topics == ()
    assert snap.messages[0].operation == "list_topics"
    assert "cannot reach the brokers" in snap.messages[0].message
    assert all("hunter2-secret" not in m.text for m in snap.messages)
    assert "hunter2-secret" not in repr(source)


def test_group_vanishing_mid_refresh_is_reported_and_skipped(cluster: dict[str, Any]) -> None:
    source = KafkaSource({"bootstrap.servers": cluster["bootstrap"]})
    real_admin = source._admin
    idle = cluster["idle"]

    class DeletesBeforeDescribe:
        """The real admin client, but the idle group is deleted between listing and describing it."""

        def __getattr__(self, name: str) -> Any:
            return getattr(real_admin, name)

        def describe_consumer_groups(self, group_ids: list[str], **kwargs: Any) -> Any:
            real_admin.delete_consumer_groups([idle])[idle].result(30)
            return real_admin.describe_consumer_groups(group_ids, **kwargs)

    source._admin = DeletesBeforeDescribe()
    snap = source.snapshot()
    assert snap.group(idle) is None and snap.group(cluster["live"]) is not None
    assert [m.text for m in snap.messages if m.subject == idle] == [
        f"describe_consumer_groups [{idle}]: group vanished during the refresh"]
    assert snap.ok


def test_authorization_errors_become_status_messages_and_the_rest_is_kept(cluster: dict[str, Any]) -> None:
    source = KafkaSource({"bootstrap.servers": cluster["bootstrap"]})
    real_admin = source._admin
    live = cluster["live"]

    class DeniesOffsetsOfOneGroup:
        """The real admin client, except the broker refuses to show one group's committed offsets."""

        def __getattr__(self, name: str) -> Any:
            return getattr(real_admin, name)

        def list_consumer_group_offsets(self, request: list[Any], **kwargs: Any) -> Any:
            if request[0].group_id != live:
                return real_admin.list_consumer_group_offsets(request, **kwargs)
            denied: Future[Any] = Future()
            denied.set_exception(KafkaException(KafkaError(KafkaError.GROUP_AUTHORIZATION_FAILED)))
            return {live: denied}

    source._admin = DeniesOffsetsOfOneGroup()
    snap = source.snapshot()
    (message,) = [m for m in snap.messages if m.subject == live]
    assert (message.severity, message.operation) == (Severity.WARNING, "list_consumer_group_offsets")
    assert f"may not Describe consumer group '{live}'" in message.message  # the ACL, named
    assert message.message.endswith(f"--operation Describe --group {live}")
    group = snap.group(live)
    assert group is not None and group.error == "incomplete: see the status messages"
    assert group.state == "Stable" and len(group.members) == 1                 # what could be read is kept
    assert all(p.committed_offset is None for p in group.partitions)
    assert snap.group(cluster["idle"]).partitions[0].committed_offset == 7   # type: ignore[union-attr]
