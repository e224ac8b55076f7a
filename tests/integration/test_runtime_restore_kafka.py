"""Restoring a store under exactly-once while the previous owner's last transaction is not yet
complete: the restore must wait for it, not stop at the last stable offset before it."""

from __future__ import annotations

import struct
import threading
import time

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.compile import compile_topology
from airstream.topology.engine.task import Task
from airstream.topology.runtime.config import StreamsConfig
from airstream.topology.runtime.metrics import StreamsMetrics
from airstream.topology.runtime.restore import Restorer

pytestmark = pytest.mark.kafka


def _count_update(producer: Producer, topic: str, key: str, count: int) -> None:
    producer.produce(topic, struct.pack(">q", count), key.encode(), partition=0)


def test_restore_waits_for_the_previous_owners_last_transaction(kafka_cluster: str, unique_name: str) -> None:
    b = StreamsBuilder()
    (b.stream(f"{unique_name}-in", key_serde=Serdes.String(), value_serde=Serdes.String())
      .group_by_key().count(name="counts").to_stream().to(f"{unique_name}-out"))
    config = StreamsConfig({"bootstrap.servers": kafka_cluster, "application.id": unique_name,
                            "processing.guarantee": "exactly_once_v2"})
    plan = compile_topology(b.build(), config.plan_config())
    changelog = plan.changelog_topics["counts"]
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    admin.create_topics([NewTopic(changelog, 1, 1, config={"cleanup.policy": "compact"})])[changelog].result(30)

    # The previous owner: one committed transaction, then one still open when the restore starts.
    owner = Producer({"bootstrap.servers": kafka_cluster, "transactional.id": f"{unique_name}-owner"})
    owner.init_transactions(30)
    owner.begin_transaction()
    _count_update(owner, changelog, "k", 1)
    owner.commit_transaction(30)
    owner.begin_transaction()
    _count_update(owner, changelog, "k", 2)
    _count_update(owner, changelog, "j", 1)
    owner.flush(30)
    commit_later = threading.Timer(2.0, owner.commit_transaction, args=(30,))
    commit_later.start()

    task = Task(plan, plan.subtopologies[0], 0)
    restorer = Restorer(plan, config.restore_consumer(), StreamsMetrics(unique_name), 60_000)
    started = time.monotonic()
    try:
        restored = restorer.restore([task])
    finally:
        restorer.close()
        commit_later.join(40)
    assert restored == 3
    assert time.monotonic() - started >= 1.0  # it waited for the commit
    store = task.stores["counts"]
    assert (store.get("k"), store.get("j")) == (2, 1)
