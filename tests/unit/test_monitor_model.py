"""The snapshot model: derived flags and totals, lookups, immutability and the JSON document."""

from __future__ import annotations

import dataclasses

import orjson
import pytest

from airstream.monitor.model import (
    BrokerInfo,
    ClusterSnapshot,
    GroupInfo,
    GroupPartition,
    LagStatus,
    MemberInfo,
    PartitionInfo,
    Severity,
    StatusMessage,
    TopicInfo,
)


def _snapshot() -> ClusterSnapshot:
    orders = TopicInfo("orders", partitions=(
        PartitionInfo("orders", 0, leader=1, replicas=(1, 2, 3), isr=(1, 2, 3), low_watermark=0, high_watermark=100),
        PartitionInfo("orders", 1, leader=2, replicas=(2, 3, 1), isr=(2,), low_watermark=10, high_watermark=50),
        PartitionInfo("orders", 2, leader=-1, replicas=(3, 1, 2), isr=(), low_watermark=None, high_watermark=None,
                      error="leader not available"),
    ))
    offsets = TopicInfo("__consumer_offsets", internal=True, partitions=(
        PartitionInfo("__consumer_offsets", 0, leader=1, replicas=(1,), isr=(1,), low_watermark=0, high_watermark=7),))
    member = MemberInfo("m-1", "client-a", "/10.0.0.1", assignments=(("orders", 0), ("orders", 1)))
    billing = GroupInfo("billing", state="Stable", assignor="range", coordinator_id=1, members=(member,), partitions=(
        GroupPartition("orders", 0, committed_offset=90, end_offset=100, member_id="m-1", client_id="client-a"),
        GroupPartition("orders", 1, committed_offset=None, end_offset=50, member_id="m-1", client_id="client-a"),
    ))
    audit = GroupInfo("audit", state="Empty",
                      partitions=(GroupPartition("orders", 0, committed_offset=60, end_offset=100),))
    return ClusterSnapshot(
        taken_at=1_700_000_000.0, cluster_id="abc", controller_id=1,
        brokers=(BrokerInfo(1, "h1", 9092, is_controller=True), BrokerInfo(2, "h2", 9092), BrokerInfo(3, "h3", 9092)),
        topics=(offsets, orders), groups=(audit, billing),
        messages=(StatusMessage(Severity.WARNING, "list_offsets", "leader not available", subject="orders"),),
        source="kafka://h1:9092")


def test_partition_flags_follow_isr_and_leader() -> None:
    orders = _snapshot().topic("orders")
    assert orders is not None
    p0, p1, p2 = orders.partitions
    assert (p0.under_replicated, p0.offline, p0.messages) == (False, False, 100)
    assert (p1.under_replicated, p1.offline, p1.messages) == (True, False, 40)
    assert (p2.under_replicated, p2.offline, p2.messages) == (True, True, None)


def test_topic_and_cluster_totals() -> None:
    snap = _snapshot()
    orders = snap.topic("orders")
    assert orders is not None
    assert (orders.partition_count, orders.replication_factor) == (3, 3)
    assert (orders.total_messages, orders.end_offset_total) == (140, 150)
    assert (orders.under_replicated_count, orders.offline_count) == (2, 1)
    assert (snap.partition_count, snap.under_replicated_count, snap.offline_count) == (4, 2, 1)
    assert [t.name for t in snap.user_topics()] == ["orders"]
    assert snap.groups_by_state() == {"Empty": 1, "Stable": 1}


def test_group_lag_ignores_unknown_offsets_and_never_goes_negative() -> None:
    snap = _snapshot()
    billing = snap.group("billing")
    assert billing is not None
    assert [p.lag for p in billing.partitions] == [10, None]
    assert (billing.total_lag, billing.max_lag) == (10, 10)
    assert snap.total_lag == 10 + 40
    assert GroupPartition("t", 0, committed_offset=12, end_offset=10).lag == 0


def test_lookups() -> None:
    snap = _snapshot()
    assert snap.group("nope") is None and snap.topic("nope") is None
    assert [g.group_id for g in snap.groups_reading("orders")] == ["audit", "billing"]
    assert snap.groups_reading("__consumer_offsets") == ()
    assert [t.name for t in snap.topics_on_broker(3)] == ["orders"]
    billing = snap.group("billing")
    assert billing is not None and billing.partition("orders", 1) is billing.partitions[1]
    assert snap.broker(2) == BrokerInfo(2, "h2", 9092)


def test_snapshot_is_immutable() -> None:
    snap = _snapshot()
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.cluster_id = "other"  # type: ignore[misc]
    topic = TopicInfo("t", config={"retention.ms": "1000"})
    with pytest.raises(TypeError):
        topic.config["retention.ms"] = "1"  # type: ignore[index]
    assert snap.replace(cluster_id="x").cluster_id == "x" and snap.cluster_id == "abc"


def test_ok_is_false_only_with_an_error_message() -> None:
    snap = _snapshot()
    assert snap.ok
    failed = snap.replace(messages=(StatusMessage(Severity.ERROR, "describe_cluster", "timed out"),))
    assert not failed.ok
    assert failed.messages[0].text == "describe_cluster: timed out"


def test_json_document_round_trips_every_field() -> None:
    snap = _snapshot()
    billing = snap.group("billing")
    assert billing is not None
    warned = dataclasses.replace(billing, status=LagStatus.WARN, complete=True)
    evaluated = snap.replace(groups=(snap.groups[0], warned))
    doc = orjson.loads(evaluated.to_json())
    assert doc["taken_at"] == "2023-11-14T22:13:20+00:00"
    assert doc["summary"] == {"brokers": 3, "topics": 2, "partitions": 4, "under_replicated_partitions": 2,
                              "offline_partitions": 1, "groups": 2, "groups_by_state": {"Empty": 1, "Stable": 1},
                              "total_lag": 50}
    assert doc["brokers"][0] == {"id": 1, "host": "h1", "port": 9092, "rack": None, "is_controller": True}
    p1 = doc["topics"][1]["partitions"][1]
    assert p1 == {"topic": "orders", "partition": 1, "leader": 2, "replicas": [2, 3, 1], "isr": [2],
                  "low_watermark": 10, "high_watermark": 50, "messages": 40, "under_replicated": True,
                  "offline": False, "error": None}
    group = doc["groups"][1]
    assert (group["group_id"], group["state"], group["status"], group["complete"], group["total_lag"]) == (
        "billing", "Stable", "WARN", True, 10)
    assert group["members"][0]["assignments"] == [{"topic": "orders", "partition": 0},
                                                  {"topic": "orders", "partition": 1}]
    assert group["partitions"][0]["committed_offset"] == 90 and group["partitions"][0]["lag"] == 10
    assert doc["messages"][0]["subject"] == "orders"


def test_lag_status_ranks_follow_burrow() -> None:
    assert [s.value for s in sorted(LagStatus, key=lambda s: s.rank)] == [
        "NOTFOUND", "OK", "UNKNOWN", "WARN", "ERR", "STOP", "STALL", "REWIND"]
    assert [s.is_error for s in (LagStatus.OK, LagStatus.WARN, LagStatus.STOP, LagStatus.REWIND)] == [
        False, False, True, True]

