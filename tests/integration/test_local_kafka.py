"""The local broker is a real Kafka: topics, a consumer group, commits, and offsets read back by admin."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec

pytestmark = pytest.mark.kafka


def test_topic_with_three_partitions_group_commit_and_admin_offsets(kafka_cluster: str, unique_name: str) -> None:
    topic, group = unique_name, f"{unique_name}-group"
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(30)
    # The controller has created the topic; the broker answering metadata may learn of it a moment later.
    deadline = time.monotonic() + 30
    while (metadata := admin.list_topics(topic, timeout=10).topics[topic]).error and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(metadata.partitions) == 3

    producer = Producer({"bootstrap.servers": kafka_cluster, "enable.idempotence": True})
    for i in range(30):
        producer.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % 3)
    assert producer.flush(30) == 0

    consumer = Consumer({
        "bootstrap.servers": kafka_cluster, "group.id": group,
        "auto.offset.reset": "earliest", "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    seen: list[bytes] = []
    while len(seen) < 30:
        for msg in consumer.consume(num_messages=100, timeout=5):
            assert msg.error() is None, msg.error()
            seen.append(msg.value())
    consumer.commit(asynchronous=False)
    consumer.close()
    assert sorted(seen) == sorted(f"v{i}".encode() for i in range(30))

    partitions = [TopicPartition(topic, p) for p in range(3)]
    committed = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, partitions)])[group].result(30)
    ends = admin.list_offsets({tp: OffsetSpec.latest() for tp in partitions})
    end_offsets = {tp.partition: future.result(30).offset for tp, future in ends.items()}
    assert {tp.partition: tp.offset for tp in committed.topic_partitions} == {0: 10, 1: 10, 2: 10}
    assert end_offsets == {0: 10, 1: 10, 2: 10}


def test_local_broker_answers_as_broker_and_controller(kafka_cluster: str) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    cluster = admin.describe_cluster().result(30)
    assert cluster.nodes, "the cluster lists no broker"
    assert cluster.controller is not None and cluster.controller.id in {n.id for n in cluster.nodes}


@pytest.mark.kafka3
def test_three_node_cluster_keeps_a_replicated_topic_available_while_a_node_is_down(
        kafka_cluster3, unique_name: str) -> None:
    bootstrap = kafka_cluster3.bootstrap
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(unique_name, num_partitions=3, replication_factor=3)])[unique_name].result(30)
    partitions = admin.list_topics(unique_name, timeout=10).topics[unique_name].partitions
    assert all(len(p.replicas) == 3 for p in partitions.values())

    kafka_cluster3.stop_node(3)
    try:
        producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
        delivered: list[int] = []
        for i in range(9):
            producer.produce(unique_name, value=str(i).encode(), partition=i % 3,
                             on_delivery=lambda err, msg: delivered.append(msg.partition()) if err is None else None)
        assert producer.flush(60) == 0
        assert sorted(delivered) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
        isr = admin.list_topics(unique_name, timeout=10).topics[unique_name].partitions
        assert all(3 not in p.isrs for p in isr.values())
    finally:
        kafka_cluster3.start_node(3)
