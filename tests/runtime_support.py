"""Helpers for the Kafka runtime's integration tests: topics, producing, reading back, and
`airstream run` instances in subprocesses that tests can kill."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    ConsumerGroupState,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.topology.runtime.commit import is_transient

AIRSTREAM = str(Path(sys.executable).with_name("airstream"))

# Short sessions so that a killed instance's partitions move within seconds.
FAST_GROUP = ["-X", "consumer.session.timeout.ms=6000", "-X", "consumer.heartbeat.interval.ms=500"]


def create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)


def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None]]
            | list[tuple[bytes | None, bytes | None, int]], rate: float | None = None) -> None:
    """Produce ``records`` (at about ``rate`` records/s when given), keyed with murmur2.

    A record is ``(key, value)`` or ``(key, value, timestamp_ms)`` for an explicit event time."""
    producer = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random", "linger.ms": 5,
                         "enable.idempotence": True})
    started = time.monotonic()
    for i, (key, value, *timestamp) in enumerate(records):
        while True:
            try:
                producer.produce(topic, value, key, timestamp=timestamp[0] if timestamp else 0)
                break
            except BufferError:  # the local queue is full when producing at full speed: let it drain
                producer.poll(0.1)
        if i % 1000 == 0:
            producer.poll(0)
            if rate:
                ahead = i / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
    assert producer.flush(120) == 0


class _Producing(threading.Thread):
    """:func:`produce` on a thread whose ``join()`` raises what ``produce`` raised, so a failed
    producer fails the test instead of leaving it waiting for records that never came."""

    def __init__(self, *args: Any) -> None:
        super().__init__(daemon=True)
        self.produce_args = args
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            produce(*self.produce_args)
        except BaseException as exc:
            self.error = exc
            raise

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.error is not None:
            raise RuntimeError("the background producer failed") from self.error


def produce_in_background(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]
                          | list[tuple[bytes, bytes, int]], rate: float | None) -> threading.Thread:
    """:func:`produce` on a daemon thread; its ``join()`` re-raises the producer's error."""
    thread = _Producing(bootstrap, topic, records, rate)
    thread.start()
    return thread


def _assign_all(consumer: Consumer, topic: str) -> None:
    """Read every partition from the start without joining a group (no rebalance to wait for);
    waits for the topic to exist."""
    deadline = time.monotonic() + 60
    while True:
        meta = consumer.list_topics(topic, timeout=10).topics[topic]
        if meta.error is None and meta.partitions:
            break
        assert time.monotonic() < deadline, f"topic {topic} never appeared"
        time.sleep(0.2)
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.partitions])


def read_topic(bootstrap: str, topic: str, expect: int, timeout: float = 60.0, settle: float = 1.0,
               committed_only: bool = True) -> list[Any]:
    """Every record of ``topic`` (read_committed by default): waits until ``expect`` records
    arrived, then ``settle`` more seconds so duplicates would show up too."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{topic}-{time.time()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed" if committed_only else "read_uncommitted"})
    _assign_all(consumer, topic)
    out: list[Any] = []
    deadline = time.monotonic() + timeout
    settle_until = None
    try:
        while time.monotonic() < deadline:
            out.extend(msg for msg in consumer.consume(5000, 0.5) if msg.error() is None)
            if len(out) >= expect and settle_until is None:
                settle_until = time.monotonic() + settle
            if settle_until is not None and time.monotonic() > settle_until:
                break
    finally:
        consumer.close()
    return out


def partition_report(bootstrap: str, topic: str, read: list[Any]) -> str:
    """Per partition of ``topic``: how many of the ``read`` records came from it and its
    watermarks, for an assertion message (a record missing from one partition and one never
    written look alike in a set comparison)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"report-{topic}-{time.time()}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        counts = Counter(m.partition() for m in read)
        lines = []
        for p in sorted(partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            lines.append(f"{topic}[{p}]: read {counts[p]}, watermarks {low}..{high}")
        return "\n".join(lines)
    finally:
        consumer.close()


def read_table(bootstrap: str, topic: str, done: Any, timeout: float = 90.0, settle: float = 3.0
               ) -> dict[bytes, int]:
    """The latest Long value per key of ``topic`` (read_committed), once ``done(table)`` holds
    (then ``settle`` seconds more, so overshooting counts would show), or at ``timeout``."""
    return {key: values[-1] for key, values in read_updates(bootstrap, topic, done, timeout, settle).items()}


def read_updates(bootstrap: str, topic: str, done: Any, timeout: float = 90.0, settle: float = 3.0
                 ) -> dict[bytes, list[int]]:
    """Every Long value per key of ``topic`` (read_committed) in offset order; ``done`` and
    ``settle`` as in :func:`read_table` (``done`` sees the latest value per key)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"table-{topic}-{time.time()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed"})
    _assign_all(consumer, topic)
    table: dict[bytes, int] = {}
    updates: dict[bytes, list[int]] = {}
    deadline = time.monotonic() + timeout
    settle_until = None
    try:
        while time.monotonic() < deadline:
            for msg in consumer.consume(5000, 0.5):
                if msg.error() is None:
                    value = table[msg.key()] = struct.unpack(">q", msg.value())[0]
                    updates.setdefault(msg.key(), []).append(value)
            if settle_until is None and done(table):
                settle_until = time.monotonic() + settle
            if settle_until is not None and time.monotonic() > settle_until:
                break
    finally:
        consumer.close()
    return updates


def committed_offsets(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int]:
    """The group's committed offsets of ``topic``; retries while the group's coordinator is loading
    or moving (a fresh broker answers NOT_COORDINATOR at first)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                got = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=30)
                break
            except KafkaException as exc:
                if not is_transient(exc.args[0]) or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in got}


def last_values(msgs: list[Any]) -> dict[bytes, bytes]:
    """The latest value per key (a table read from its changelog-style output topic)."""
    table: dict[bytes, bytes] = {}
    for msg in msgs:
        table[msg.key()] = msg.value()
    return table


def duplicates(values: list[bytes]) -> int:
    return sum(n - 1 for n in Counter(values).values() if n > 1)


@dataclass(frozen=True)
class WindowedCount:
    """A tumbling-window count per key to ``topic`` (windows of ``size_ms``, ``grace_ms`` grace)."""

    topic: str
    size_ms: int
    grace_ms: int


def write_counting_script(folder: Path, source: str, upper: str, counts: str,
                          windowed: WindowedCount | None = None) -> str:
    """A topology script: upper-case every value to ``upper`` and count per key (through a
    repartition topic and a changelogged store) to ``counts``; with ``windowed``, also count
    per key and window (a changelogged window store, no repartition) to ``windowed.topic``,
    keyed like Kafka Streams' time-windowed keys (see :func:`windowed_key`)."""
    script = folder / "counting.py"
    windowed_count = "" if windowed is None else f"""
        (s.group_by_key()
          .windowed_by(TimeWindows.of_size_and_grace({windowed.size_ms}, {windowed.grace_ms}))
          .count(name="windowed-counts")
          .to_stream()
          .to({windowed.topic!r}, value_serde=Serdes.Long()))"""
    script.write_text(textwrap.dedent(f"""
        from airstream.topology import Serdes, StreamsBuilder, TimeWindows

        b = StreamsBuilder()
        s = b.stream({source!r}, key_serde=Serdes.String(), value_serde=Serdes.String())
        s.map_values(str.upper).to({upper!r}, key_serde=Serdes.String(), value_serde=Serdes.String())
        (s.group_by(lambda k, v: k, key_serde=Serdes.String(), value_serde=Serdes.String())
          .count(name="counts")
          .to_stream()
          .to({counts!r}, key_serde=Serdes.String(), value_serde=Serdes.Long())){windowed_count}
        topology = b.build()
    """))
    return f"{script}:topology"


def windowed_key(raw: bytes) -> tuple[bytes, int]:
    """``(key, window start)`` of a time-windowed key (key bytes + 8-byte big-endian start)."""
    return raw[:-8], struct.unpack(">q", raw[-8:])[0]


_COORDINATOR_MOVING = {KafkaError.NOT_COORDINATOR, KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
                       KafkaError.COORDINATOR_NOT_AVAILABLE}


class GroupProgress:
    """How far a consumer group has committed on a topic, and who owns its partitions, read
    without joining the group (what ``kafka-consumer-groups --describe`` shows)."""

    def __init__(self, bootstrap: str, group: str, topic: str, partitions: int) -> None:
        self.group, self.topic = group, topic
        self.partitions = [TopicPartition(topic, p) for p in range(partitions)]
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
        self.admin = AdminClient({"bootstrap.servers": bootstrap})

    def offsets(self) -> list[int]:
        """The committed offset of every partition (0 where nothing is committed yet); waits
        out a coordinator that is still loading or moving (a new group's, for a moment)."""
        deadline = time.monotonic() + 30
        while True:
            try:
                got = self.consumer.committed(self.partitions, timeout=30)
                return [max(tp.offset, 0) for tp in got]
            except KafkaException as exc:
                if exc.args[0].code() not in _COORDINATOR_MOVING or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def ends(self) -> list[int]:
        """The high watermark of every partition (transaction markers included)."""
        return [self.consumer.get_watermark_offsets(tp, timeout=30)[1] for tp in self.partitions]

    def members(self) -> dict[str, list[tuple[str, int]]] | None:
        """Every member's ``(topic, partition)`` pairs by the member's ``client.id`` (members
        owning none included); ``None`` while the group is not stable."""
        group = self._describe()
        if group is None or group.state != ConsumerGroupState.STABLE:
            return None
        return {m.client_id: sorted((tp.topic, tp.partition) for tp in m.assignment.topic_partitions)
                for m in group.members}

    def owners(self) -> dict[str, list[int]] | None:
        """The partitions of the topic each member owns, as :meth:`members`."""
        members = self.members()
        if members is None:
            return None
        return {client: [p for t, p in owned if t == self.topic] for client, owned in members.items()}

    def assignment(self) -> str:
        """Every member's partitions of every topic, for failure messages."""
        group = self._describe()
        if group is None:
            return "not described (coordinator moving or loading)"
        return f"{group.state.name}: " + "; ".join(
            f"{m.client_id}: " + ", ".join(f"{tp.topic}[{tp.partition}]" for tp in m.assignment.topic_partitions)
            for m in group.members)

    def _describe(self) -> Any:
        """The group's description, or ``None`` on a retriable error (a new group's coordinator
        is still loading, or it moved)."""
        try:
            return self.admin.describe_consumer_groups([self.group])[self.group].result(30)
        except KafkaException as exc:
            if exc.args[0].code() in _COORDINATOR_MOVING:
                return None
            raise

    def close(self) -> None:
        self.consumer.close()


class Instance:
    """One ``airstream run`` process."""

    def __init__(self, spec: str, bootstrap: str, app_id: str, instance_id: str, log_dir: Path,
                 extra: list[str] = ()) -> None:
        self.args = [AIRSTREAM, "run", spec, "--bootstrap", bootstrap, "--application-id", app_id,
                     "--instance-id", instance_id, *FAST_GROUP, *extra]
        self.log_path = log_dir / f"{instance_id}.log"
        self.client_id = f"{app_id}-{instance_id}-consumer"  # the runtime's consumer client.id
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 60) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
