"""Restoring stores from their changelogs: under exactly-once while the previous owner's last
transaction is not yet complete (the restore must wait for it, not stop at the last stable offset
before it), and beside processing (a task with a long restore holds back only its own partitions)."""

from __future__ import annotations

import struct
import threading
import time

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.topology import Serdes, StreamsBuilder
from airstream.topology.compile import compile_topology
from airstream.topology.engine.task import Task
from airstream.topology.runtime import KafkaStreams, State
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


def _count_topology(bootstrap: str, name: str) -> tuple[StreamsBuilder, str]:
    """``count()`` per key of ``<name>-in`` into ``<name>-out``, with the topics (2 partitions each,
    the changelog compacted) created. Returns the builder and the changelog's name."""
    b = StreamsBuilder()
    (b.stream(f"{name}-in", key_serde=Serdes.String(), value_serde=Serdes.String())
      .group_by_key().count(name="counts").to_stream().to(f"{name}-out", value_serde=Serdes.Long()))
    changelog = compile_topology(b.build(), {"application.id": name}).changelog_topics["counts"]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(f"{name}-in", 2, 1), NewTopic(f"{name}-out", 2, 1),
                                   NewTopic(changelog, 2, 1, config={"cleanup.policy": "compact"})])
    for future in futures.values():
        future.result(30)
    return b, changelog


def _previous_owner(bootstrap: str, changelog: str, counts: dict[int, int]) -> Producer:
    """A producer that has written a previous owner's counts to ``changelog``: ``counts[p]`` keys
    ``k<i>`` in partition ``p``, key ``k<i>`` counted ``i`` times."""
    owner = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "batch.size": 1_000_000})
    for partition, n in counts.items():
        for i in range(n):
            while True:
                try:
                    owner.produce(changelog, struct.pack(">q", i), f"k{i}".encode(), partition=partition)
                    break
                except BufferError:
                    owner.poll(0.1)
    assert owner.flush(60) == 0
    return owner


def _reader(bootstrap: str, topic: str) -> Consumer:
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-reader", "auto.offset.reset": "earliest"})
    reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in (0, 1)])  # no group offsets to wait for
    return reader


def test_a_task_restoring_a_long_changelog_holds_back_only_its_own_partition(kafka_cluster: str,
                                                                            unique_name: str) -> None:
    """Partition 1's task has 300,000 counts to restore, partition 0's none: partition 0 is counted
    while partition 1 is restored (Kafka Streams' state updater), and partition 1's record waits
    for the restore, so its count goes on from the restored one."""
    b, changelog = _count_topology(kafka_cluster, unique_name)
    owner = _previous_owner(kafka_cluster, changelog, {1: 300_000})
    owner.produce(f"{unique_name}-in", b"x", b"k7", partition=1)  # waits for the restore: counted 7 + 1
    for _ in range(3):
        owner.produce(f"{unique_name}-in", b"x", b"a", partition=0)
    assert owner.flush(30) == 0

    reader = _reader(kafka_cluster, f"{unique_name}-out")
    app = KafkaStreams(b.build(), {"bootstrap.servers": kafka_cluster, "application.id": unique_name,
                                   "consumer.auto.offset.reset": "earliest"})
    app.start()
    counts: dict[bytes, int] = {}
    seen_a_while = None
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and (counts.get(b"a") != 3 or b"k7" not in counts):
            # Read from the application itself: its output reaches a reader later than it is counted.
            if seen_a_while is None and app.metrics()["process-total"] >= 3:
                seen_a_while = (app.tasks(), app.metrics()["restore-remaining-records-total"])
            for msg in reader.consume(100, 0.01):
                if msg.error() is None:
                    counts[msg.key()] = struct.unpack(">q", msg.value())[0]
        assert app.state is State.RUNNING
    finally:
        app.close()
        reader.close()
    assert counts == {b"a": 3, b"k7": 8}
    assert seen_a_while is not None
    tasks, remaining = seen_a_while
    assert tasks == ["0_0"] and remaining > 0  # partition 0 counted while partition 1 was being restored


def test_a_partition_revoked_while_its_task_restores_is_restored_by_its_new_owner(
        kafka_cluster: str, unique_name: str, caplog: pytest.LogCaptureFixture) -> None:
    """Instance A restores both partitions' long changelogs beside processing; B joins meanwhile and
    takes one. A stops restoring that task, goes on with the other, and both counts go on from the
    restored ones wherever they are processed."""
    b, changelog = _count_topology(kafka_cluster, unique_name)
    owner = _previous_owner(kafka_cluster, changelog, {0: 400_000, 1: 400_000})
    owner.produce(f"{unique_name}-in", b"x", b"k7", partition=0)
    owner.produce(f"{unique_name}-in", b"x", b"k9", partition=1)
    assert owner.flush(30) == 0
    config = {"bootstrap.servers": kafka_cluster, "application.id": unique_name,
              "consumer.auto.offset.reset": "earliest", "consumer.heartbeat.interval.ms": 100,
              "consumer.session.timeout.ms": 6000}
    reader = _reader(kafka_cluster, f"{unique_name}-out")
    a = KafkaStreams(b.build(), {**config, "client.id": "a"})
    b_instance = KafkaStreams(b.build(), {**config, "client.id": "b"})
    counts: dict[bytes, int] = {}
    with caplog.at_level("INFO", logger="airstream.topology.runtime"):
        a.start()
        deadline = time.monotonic() + 30
        while "beside processing" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
        b_instance.start()
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and len(counts) < 2:
                for msg in reader.consume(100, 0.1):
                    if msg.error() is None:
                        counts[msg.key()] = struct.unpack(">q", msg.value())[0]
            owners = (a.tasks(), b_instance.tasks())
        finally:
            a.close()
            b_instance.close()
            reader.close()
    assert counts == {b"k7": 8, b"k9": 10}
    assert sorted(owners[0] + owners[1]) == ["0_0", "0_1"] and owners[0] and owners[1]
    assert "stopped: the task(s) are no longer this instance's" in caplog.text  # A gave one up mid-restore


def test_a_task_restored_beside_processing_goes_on_from_the_committed_offset(kafka_cluster: str,
                                                                           unique_name: str) -> None:
    """A restarted instance restores its tasks beside processing, their partitions paused until
    then: once resumed they go on from the committed offsets, neither from the start of the
    partition (records counted twice) nor from its end (records skipped)."""
    b, _ = _count_topology(kafka_cluster, unique_name)
    source = f"{unique_name}-in"
    producer = Producer({"bootstrap.servers": kafka_cluster})
    config = {"bootstrap.servers": kafka_cluster, "application.id": unique_name}
    reader = _reader(kafka_cluster, f"{unique_name}-out")
    updates: list[int] = []

    def read_until(count: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not updates or updates[-1] < count):
            updates.extend(struct.unpack(">q", m.value())[0] for m in reader.consume(100, 0.1) if m.error() is None)

    try:
        for reset, first in (("earliest", 3), ("earliest", 4), ("latest", 5)):
            for _ in range(first - len(updates)):
                producer.produce(source, b"x", b"a", partition=0)
            assert producer.flush(30) == 0
            app = KafkaStreams(b.build(), {**config, "consumer.auto.offset.reset": reset})
            app.start()
            try:
                read_until(first)
            finally:
                app.close()
    finally:
        reader.close()
    assert updates == [1, 2, 3, 4, 5]
