"""A broker down in a 3-node cluster: airmon shows the under-replicated partitions and the rule fires."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.monitor.alerts import AlertEngine
from airstream.monitor.model import ClusterSnapshot, TopicInfo
from airstream.monitor.rules import parse_rules
from airstream.monitor.sources import KafkaSource

pytestmark = pytest.mark.kafka3


def _wait(source: KafkaSource, name: str, ready: Callable[[TopicInfo], bool], timeout: float = 60) -> ClusterSnapshot:
    """Refresh until the topic is there and `ready` (metadata spreads to all brokers with a delay)."""
    deadline = time.monotonic() + timeout
    while True:
        snap = source.snapshot()
        topic = snap.topic(name)
        if (topic is not None and ready(topic)) or time.monotonic() > deadline:
            return snap
        time.sleep(0.5)


def test_stopped_broker_shows_under_replicated_partitions_and_fires(kafka_cluster3, unique_name: str) -> None:  # type: ignore[no-untyped-def]
    bootstrap = kafka_cluster3.bootstrap
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(unique_name, num_partitions=3, replication_factor=3)])[unique_name].result(30)
    source = KafkaSource({"bootstrap.servers": bootstrap})
    engine = AlertEngine(parse_rules({"rules": [
        {"name": "urp", "kind": "under_replicated", "topic": unique_name, "severity": "critical"}]}))

    healthy = _wait(source, unique_name, lambda t: t.partition_count == 3 and t.under_replicated_count == 0)
    topic = healthy.topic(unique_name)
    assert topic is not None and (topic.replication_factor, topic.under_replicated_count) == (3, 0)
    assert [b.id for b in healthy.brokers] == [1, 2, 3]
    assert engine.evaluate(healthy) == []

    kafka_cluster3.stop_node(3)
    try:
        # the controller needs a moment to shrink the ISRs
        degraded = _wait(source, unique_name, lambda t: t.under_replicated_count == 3)
        topic = degraded.topic(unique_name)
        assert topic is not None and topic.under_replicated_count == 3 and topic.offline_count == 0
        assert all(3 in p.replicas and 3 not in p.isr for p in topic.partitions)
        assert 3 not in [b.id for b in degraded.brokers]
        events = engine.evaluate(degraded)
        assert [(e.rule, e.subject, e.message) for e in events] == [
            ("urp", unique_name, "under-replicated partitions 3 above 0")]
    finally:
        kafka_cluster3.start_node(3)
