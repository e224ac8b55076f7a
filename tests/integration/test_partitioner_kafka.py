"""Keys land where the Java client puts them: librdkafka's ``murmur2_random`` agrees with
``airstream.topology.partitioner.partition_for`` on a real broker, for ASCII, empty, non-ASCII and binary keys.

The placement is read back the way a user would check it: by consuming the topic and looking at the
partition each record is stored in.
"""

from __future__ import annotations

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.topology.partitioner import partition_for

pytestmark = pytest.mark.kafka


def _keys() -> list[bytes]:
    ascii_keys = [f"user-{i}".encode() for i in range(300)]
    airlines = [a.encode() for a in ("Delta", "United", "Southwest", "US Airways", "American", "Virgin America")]
    # Every tail length of the hash (0..3 bytes past a 4-byte word) and multi-word keys.
    lengths = [b"k" * n for n in range(1, 12)] + [b"x" * 1000]
    non_ascii = [s.encode() for s in ("Zürich", "東京", "🛫✈️", "naïve café", "Ünïcödé-ключ", "ß")]
    binary = [bytes(range(start, start + size)) for start in (0, 100, 250) for size in (1, 3, 5, 6)]
    negative_bytes = [b"\xff" * n for n in range(1, 9)] + [b"\x80\x00\x00\x00"]
    return [b"", *ascii_keys, *airlines, *lengths, *non_ascii, *binary, *negative_bytes]


def _produce_and_read_back(bootstrap: str, topic: str, partitions: int, keys: list[bytes],
                           producer_config: dict[str, object]) -> dict[int, int]:
    """Produce one record per key (value = key index); return {key index: partition it is stored in}."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap, **producer_config})
    for index, key in enumerate(keys):
        producer.produce(topic, key=key, value=str(index).encode())
    assert producer.flush(30) == 0, f"records to {topic} not delivered within 30 s"

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-reader", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    stored: dict[int, int] = {}
    try:
        while len(stored) < len(keys):
            messages = consumer.consume(num_messages=1000, timeout=10)
            assert messages, f"only {len(stored)} of {len(keys)} records read back from {topic}"
            for msg in messages:
                assert msg.error() is None, msg.error()
                index = int(msg.value())
                assert msg.key() == keys[index], f"record {index} came back with key {msg.key()!r}"
                stored[index] = msg.partition()
    finally:
        consumer.close()
    return stored


@pytest.mark.parametrize("partitions", [7, 12])
def test_murmur2_random_places_every_key_where_partition_for_says(
        kafka_cluster: str, unique_name: str, partitions: int) -> None:
    keys = _keys()
    stored = _produce_and_read_back(kafka_cluster, unique_name, partitions, keys, {"partitioner": "murmur2_random"})

    wrong = {keys[i]: (p, partition_for(keys[i], partitions)) for i, p in stored.items()
             if p != partition_for(keys[i], partitions)}
    assert wrong == {}, f"key: (stored partition, partition_for) for keys placed differently: {wrong}"
    # The keys must spread over the topic, or agreement would say little.
    assert set(stored.values()) == set(range(partitions))


def test_librdkafka_default_partitioner_disagrees_so_producers_must_choose_murmur2(
        kafka_cluster: str, unique_name: str) -> None:
    # confluent-kafka's default is consistent_random (CRC32): a Python producer left on the default
    # scatters keys away from where Java producers and airstream put them.
    keys = _keys()
    stored = _produce_and_read_back(kafka_cluster, unique_name, 12, keys, {})

    disagreeing = sum(1 for i, p in stored.items() if p != partition_for(keys[i], 12))
    assert disagreeing > len(keys) // 2
