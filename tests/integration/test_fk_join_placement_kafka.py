"""A foreign-key join whose table topic was written with confluent-kafka's default partitioner
(``consistent_random``, CRC32) instead of murmur2 misses matches without a word; the runtime warns,
once per topic, naming the topic, the misplaced count, an example and the fix (issue #18)."""

from __future__ import annotations

import ast
import json
import logging
import re
import zlib

import pytest
from confluent_kafka import Producer
from runtime_support import create_topic, read_topic

from airstream.topology import KafkaStreams, Serdes, StreamsBuilder, Topology
from airstream.topology.partitioner import partition_for

pytestmark = pytest.mark.kafka

PARTITIONS = 6
CUSTOMERS = 60
ORDERS = 120
_RUNTIME_LOG = "airstream.topology.runtime"
_WARNING = re.compile(
    r"topic '(?P<topic>[^']+)' is not partitioned the way foreign-key joins need: (?P<bad>\d+) of (?P<checked>\d+) "
    r"keyed record\(s\) checked are on another partition than murmur2\(key\) % (?P<n>\d+) "
    r"\(e\.g\. key (?P<key>b'[^']*') is on partition (?P<actual>\d+), murmur2 puts it on (?P<expected>\d+)\)\. "
    r"It is the (?P<side>left|right)-hand table of the foreign-key join 'order-customer' "
    r"\((?P<left>[^ ]+) -> (?P<right>[^)]+)\), which will miss matches\. Fix: produce it with "
    r"partitioner=murmur2_random, as Java clients and `airstream replay` do, then re-produce the topic$")


def _customer_key(i: int) -> bytes:
    return f"customer-{i}".encode()


def _produce_with(bootstrap: str, topic: str, records: list[tuple[bytes, bytes | None]],
                  partitioner: str | None) -> None:
    """Produce with a plain confluent-kafka Producer: its default partitioner unless one is given."""
    config = {"bootstrap.servers": bootstrap, **({"partitioner": partitioner} if partitioner else {})}
    producer = Producer(config)
    for key, value in records:
        producer.produce(topic, value, key)
    assert producer.flush(30) == 0


def _topology(orders: str, customers: str, out: str) -> Topology:
    b = StreamsBuilder()
    left = b.table(orders, key_serde=Serdes.String(), value_serde=Serdes.Json())
    right = b.table(customers, key_serde=Serdes.String(), value_serde=Serdes.Json())
    (left.join(right, lambda order: order["customer"], lambda order, customer: f"{order['qty']} for {customer['name']}",
               name="order-customer")
         .to_stream().to(out, key_serde=Serdes.String(), value_serde=Serdes.String()))
    return b.build()


def _run(bootstrap: str, name: str, customers_partitioner: str | None,
         orders_partitioner: str | None = "murmur2_random") -> tuple[str, str, str]:
    orders, customers, out = f"{name}-orders", f"{name}-customers", f"{name}-out"
    create_topic(bootstrap, orders, PARTITIONS)
    create_topic(bootstrap, customers, PARTITIONS)
    rows: list[tuple[bytes, bytes | None]] = [(_customer_key(i), json.dumps({"name": f"name{i}"}).encode())
                                              for i in range(CUSTOMERS)]
    rows.append((_customer_key(0), None))  # a tombstone: not checked
    _produce_with(bootstrap, customers, rows, customers_partitioner)
    _produce_with(bootstrap, orders, [(f"order-{i}".encode(), json.dumps(
        {"customer": f"customer-{i % CUSTOMERS}", "qty": i}).encode()) for i in range(ORDERS)], orders_partitioner)
    app = KafkaStreams(_topology(orders, customers, out),
                       {"bootstrap.servers": bootstrap, "application.id": name, "commit.interval.ms": 100})
    app.run(idle_timeout=5)
    return orders, customers, out


def _joined(bootstrap: str, out: str, expect: int) -> dict[str, str]:
    """The join's latest result per order (deleted results left out)."""
    latest = {m.key().decode(): m.value() for m in read_topic(bootstrap, out, expect, timeout=30, settle=2.0)}
    return {k: v.decode() for k, v in latest.items() if v is not None}


def _placement_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == _RUNTIME_LOG and r.levelno == logging.WARNING and "not partitioned" in r.getMessage()]


def test_right_hand_topic_written_with_the_default_partitioner_is_warned_about_once(
        kafka_cluster: str, unique_name: str, caplog: pytest.LogCaptureFixture) -> None:
    keys = [_customer_key(i) for i in range(CUSTOMERS)]
    # The premise: CRC32 (librdkafka's consistent_random) and murmur2 disagree for most of these keys.
    crc = {k: (zlib.crc32(k) & 0xFFFFFFFF) % PARTITIONS for k in keys}
    misplaced = {k for k in keys if crc[k] != partition_for(k, PARTITIONS)}
    assert len(misplaced) > CUSTOMERS // 2
    caplog.set_level(logging.WARNING, logger=_RUNTIME_LOG)

    orders, customers, out = _run(kafka_cluster, unique_name, customers_partitioner=None)

    [message] = _placement_warnings(caplog)  # once, and only for the topic written the wrong way
    print(message)
    found = _WARNING.match(message)
    assert found, message
    assert found["topic"] == customers and found["side"] == "right"
    assert (found["left"], found["right"]) == (orders, customers)
    assert int(found["n"]) == PARTITIONS
    # The warning comes at the end of the first batch with a misplaced record, counting the keyed
    # records checked so far (the tombstone is not one of them; usually the batch held all of them).
    assert 1 <= int(found["bad"]) <= int(found["checked"]) <= CUSTOMERS
    assert int(found["bad"]) <= len(misplaced)
    key = ast.literal_eval(found["key"])
    assert key in misplaced
    assert int(found["actual"]) == crc[key] and int(found["expected"]) == partition_for(key, PARTITIONS)
    # And the harm it reports: orders whose customer sits on the wrong partition never join.
    joined = _joined(kafka_cluster, out, 1)
    assert set(joined) < {f"order-{i}" for i in range(ORDERS) if i % CUSTOMERS}
    assert not any(f"customer-{int(k.removeprefix('order-')) % CUSTOMERS}".encode() in misplaced for k in joined)


def test_left_hand_topic_written_with_the_default_partitioner_is_warned_about_too(
        kafka_cluster: str, unique_name: str, caplog: pytest.LogCaptureFixture) -> None:
    # Answers go back to murmur2(left key): a misplaced left row drops them as well.
    caplog.set_level(logging.WARNING, logger=_RUNTIME_LOG)
    orders, _, _ = _run(kafka_cluster, unique_name, customers_partitioner="murmur2_random", orders_partitioner=None)
    [message] = _placement_warnings(caplog)
    found = _WARNING.match(message)
    assert found, message
    assert found["topic"] == orders and found["side"] == "left" and int(found["checked"]) <= ORDERS


def test_topics_written_with_murmur2_give_no_warning_and_every_match(
        kafka_cluster: str, unique_name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=_RUNTIME_LOG)
    _, _, out = _run(kafka_cluster, unique_name, customers_partitioner="murmur2_random")
    assert _placement_warnings(caplog) == []
    # customer-0 was deleted, so its orders have no match; all the others joined.
    expected = {f"order-{i}": f"{i} for name{i % CUSTOMERS}" for i in range(ORDERS) if i % CUSTOMERS}
    assert _joined(kafka_cluster, out, len(expected)) == expected

