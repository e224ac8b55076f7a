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
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

AIRSTREAM = str(Path(sys.executable).with_name("airstream"))

# Short sessions so that a killed instance's partitions move within seconds.
FAST_GROUP = ["-X", "consumer.session.timeout.ms=6000", "-X", "consumer.heartbeat.interval.ms=500"]


def create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)


def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None]],
            rate: float | None = None) -> None:
    """Produce ``records`` (at about ``rate`` records/s when given), keyed with murmur2."""
    producer = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random", "linger.ms": 5,
                         "enable.idempotence": True})
    started = time.monotonic()
    for i, (key, value) in enumerate(records):
        producer.produce(topic, value, key)
        if i % 1000 == 0:
            producer.poll(0)
            if rate:
                ahead = i / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
    assert producer.flush(120) == 0


def produce_in_background(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]],
                          rate: float) -> threading.Thread:
    thread = threading.Thread(target=produce, args=(bootstrap, topic, records, rate), daemon=True)
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
            for msg in consumer.consume(5000, 0.5):
                if msg.error() is None:
                    out.append(msg)
            if len(out) >= expect and settle_until is None:
                settle_until = time.monotonic() + settle
            if settle_until is not None and time.monotonic() > settle_until:
                break
    finally:
        consumer.close()
    return out


def read_table(bootstrap: str, topic: str, done: Any, timeout: float = 90.0, settle: float = 3.0
               ) -> dict[bytes, int]:
    """The latest Long value per key of ``topic`` (read_committed), once ``done(table)`` holds
    (then ``settle`` seconds more, so overshooting counts would show), or at ``timeout``."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"table-{topic}-{time.time()}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed"})
    _assign_all(consumer, topic)
    table: dict[bytes, int] = {}
    deadline = time.monotonic() + timeout
    settle_until = None
    try:
        while time.monotonic() < deadline:
            for msg in consumer.consume(5000, 0.5):
                if msg.error() is None:
                    table[msg.key()] = struct.unpack(">q", msg.value())[0]
            if settle_until is None and done(table):
                settle_until = time.monotonic() + settle
            if settle_until is not None and time.monotonic() > settle_until:
                break
    finally:
        consumer.close()
    return table


def committed_offsets(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        got = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=30)
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


def write_counting_script(folder: Path, source: str, upper: str, counts: str) -> str:
    """A topology script: upper-case every value to ``upper`` and count per key (through a
    repartition topic and a changelogged store) to ``counts``."""
    script = folder / "counting.py"
    script.write_text(textwrap.dedent(f"""
        from topology import Serdes, StreamsBuilder

        b = StreamsBuilder()
        s = b.stream({source!r}, key_serde=Serdes.String(), value_serde=Serdes.String())
        s.map_values(str.upper).to({upper!r}, key_serde=Serdes.String(), value_serde=Serdes.String())
        (s.group_by(lambda k, v: k, key_serde=Serdes.String(), value_serde=Serdes.String())
          .count(name="counts")
          .to_stream()
          .to({counts!r}, key_serde=Serdes.String(), value_serde=Serdes.Long()))
        topology = b.build()
    """))
    return f"{script}:topology"


class Instance:
    """One ``airstream run`` process."""

    def __init__(self, spec: str, bootstrap: str, app_id: str, instance_id: str, log_dir: Path,
                 extra: list[str] = ()) -> None:
        self.args = [AIRSTREAM, "run", spec, "--bootstrap", bootstrap, "--application-id", app_id,
                     "--instance-id", instance_id, *FAST_GROUP, *extra]
        self.log_path = log_dir / f"{instance_id}.log"
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
