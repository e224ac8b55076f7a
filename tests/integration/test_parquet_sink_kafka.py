"""The sink contract on a real broker: commit only what ParquetSink.flush() returns, crash, replay, no duplicates.

This drives the sink the way the Kafka runtime will (poll a batch, write, flush, commit the returned
offsets) with a plain confluent-kafka consumer, so the contract is checked against real group
offsets before the runtime exists.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import orjson
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.common.sink import SinkRecord
from airstream.connectors.parquet import ParquetSink

pytestmark = pytest.mark.kafka

AIRLINES = ["Delta", "United", "Virgin America", "Southwest"]
TOTAL = 900


def produce(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for i in range(TOTAL):
        value = {"tweet_id": 570000000000000000 + i, "airline": AIRLINES[i % 4], "text": f"tweet {i}"}
        producer.produce(topic, key=str(i).encode(), value=orjson.dumps(value))
    assert producer.flush(30) == 0


def consume(bootstrap: str, topic: str, group: str, sink: ParquetSink, stop_after: int | None,
            commit_last: bool) -> int:
    """Poll batches into the sink, flushing and committing every 100 records; return records seen."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    seen = since_commit = idle = 0
    deadline = time.monotonic() + 60  # joining the group can take seconds on a fresh broker
    try:
        while (stop_after is None or seen < stop_after) and time.monotonic() < deadline:
            messages = consumer.consume(num_messages=50, timeout=1.0)
            if not messages:
                idle += 1
                if idle >= 3 and seen:
                    break  # drained
                continue
            idle = 0
            batch = [SinkRecord(m.topic(), m.partition(), m.offset(), m.timestamp()[1], m.key(),
                                orjson.loads(m.value())) for m in messages if m.error() is None]
            sink.write(batch)
            seen += len(batch)
            since_commit += len(batch)
            if since_commit >= 100:
                offsets = sink.flush()
                since_commit = 0
                last_round = stop_after is not None and seen >= stop_after
                if commit_last or not last_round:
                    consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in offsets.items()],
                                    asynchronous=False)
        if stop_after is None:
            offsets = sink.flush()
            consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in offsets.items()],
                            asynchronous=False)
    finally:
        consumer.close()
    return seen


def committed_total(bootstrap: str, topic: str, group: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        offsets = consumer.committed([TopicPartition(topic, p) for p in range(3)], timeout=10)
    finally:
        consumer.close()
    return sum(max(tp.offset, 0) for tp in offsets)


def test_crash_between_upload_and_commit_replays_without_duplicates(kafka_cluster: str, unique_name: str,
                                                                   tmp_path: Path) -> None:
    topic, group = f"{unique_name}-airlines", f"{unique_name}-parquet"
    produce(kafka_cluster, topic)

    # Run 1 writes files for ~500 records, commits all but its last flush, then "crashes".
    first = ParquetSink(str(tmp_path), partition_by=["airline"], max_rows=60)
    assert consume(kafka_cluster, topic, group, first, stop_after=500, commit_last=False) >= 500
    landed = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/**/*.parquet')").fetchall()[0][0]
    assert committed_total(kafka_cluster, topic, group) < landed  # landed files beyond the commit: a naive
    # replay would duplicate their records

    # Run 2 (new process, other roll size) resumes from the committed offsets and drains the topic.
    second = ParquetSink(str(tmp_path), partition_by=["airline"], max_rows=45)
    consume(kafka_cluster, topic, group, second, stop_after=None, commit_last=True)

    rows = duckdb.sql(f"SELECT tweet_id, airline, text FROM read_parquet('{tmp_path}/**/*.parquet', "
                      f"hive_partitioning = 1) ORDER BY tweet_id").fetchall()
    assert rows == [(570000000000000000 + i, AIRLINES[i % 4], f"tweet {i}") for i in range(TOTAL)]
