"""airmon's offset-reset plans against Kafka's own ``kafka-consumer-groups --reset-offsets --dry-run``.

The reference is ``org.apache.kafka.tools.consumer.group.ConsumerGroupCommand`` from the Maven artifact
``org.apache.kafka:kafka-tools`` at the local broker's Kafka version, resolved once by
``compose/kafka-tools/pom.xml`` into ``$AIRSTREAM_CACHE/kafka-tools-<version>/libs``. For every target
(earliest, latest, an offset, a shift, a date/time) the new offsets :meth:`KafkaGroupAdmin.plan_reset`
plans must be the NEW-OFFSET column the tool prints for the same group and topic.

The topic has 3 partitions of different lengths; record ``n`` of each partition has the timestamp
``base + n`` seconds, and the first records of one partition are deleted, so its earliest offset is not 0.
The tool reads a date/time as ``YYYY-MM-DDTHH:mm:SS.sss`` in UTC when no zone is given (``Utils.getDateTime``),
as ``ResetTo.parse`` does: both are given the same text.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ci_support import missing
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.common.local_jvm import LocalServiceError, java_executable, maven_jars
from airstream.monitor.group_admin import KafkaGroupAdmin, ResetTo
from airstream.topology.kafka_local import KAFKA_VERSION

pytestmark = pytest.mark.kafka

POM = Path(__file__).resolve().parents[2] / "compose" / "kafka-tools" / "pom.xml"
RETRY = "pytest tests/integration/test_group_reset_kafka.py"
TOOL = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"

RECORDS = (10, 15, 20)  # records produced to partitions 0, 1, 2
DELETED = (0, 0, 4)  # records then deleted from the start of each partition
COMMITTED = (3, 12, 9)  # the group's committed offset on each partition

Offsets = dict[tuple[str, int], int]


@dataclass(frozen=True)
class ConsumerGroupsTool:
    """``kafka-consumer-groups`` (Kafka's ``ConsumerGroupCommand``) run on the test broker."""

    java: str
    libs: Path
    bootstrap: str

    @staticmethod
    def run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def refusal(self, group: str, topic: str, target: str) -> str:
        """What the tool prints when it refuses ``--reset-offsets`` to ``target`` (fails if it does not)."""
        result = self.run([self.java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", f"{self.libs}/*", TOOL,
                           "--bootstrap-server", self.bootstrap, "--reset-offsets", "--dry-run", "--group", group,
                           "--topic", topic, *_tool_scenario(target)])
        assert result.returncode != 0, f"the tool planned {target!r}:\n{result.stdout}"
        return result.stdout + result.stderr

    def reset_dry_run(self, group: str, topic: str, target: str) -> Offsets:
        """The NEW-OFFSET per partition that ``--reset-offsets --dry-run`` prints for ``target``
        (written as for :meth:`ResetTo.parse`)."""
        cmd = [self.java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", f"{self.libs}/*", TOOL,
               "--bootstrap-server", self.bootstrap, "--reset-offsets", "--dry-run", "--group", group,
               "--topic", topic, *_tool_scenario(target)]
        result = self.run(cmd)
        lines = [line.split() for line in result.stdout.splitlines()]
        header = ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"]
        if result.returncode != 0 or header not in lines:
            raise AssertionError(f"{' '.join(cmd[-8:])} gave no plan (exit {result.returncode}):\n"
                                 f"{result.stdout}{result.stderr[:2000]}")
        rows = lines[lines.index(header) + 1:]
        return {(t, int(p)): int(offset) for g, t, p, offset in (row for row in rows if len(row) == 4) if g == group}


def _tool_scenario(target: str) -> list[str]:
    """The ``kafka-consumer-groups`` option for a target as ``ResetTo.parse`` reads it."""
    kind = ResetTo.parse(target).kind
    return {"earliest": ["--to-earliest"], "latest": ["--to-latest"], "offset": ["--to-offset", target],
            "shift": ["--shift-by", target], "datetime": ["--to-datetime", target]}[kind]


@dataclass(frozen=True)
class Topic:
    """The test topic and the time its first records were written at (milliseconds since the epoch)."""

    name: str
    base_ms: int

    @property
    def partitions(self) -> list[tuple[str, int]]:
        return [(self.name, p) for p in range(len(RECORDS))]

    def time_of(self, record: float) -> str:
        """The date/time (UTC, as the tool writes it) ``record`` seconds after the first record."""
        ms = self.base_ms + int(record * 1000)
        return f"{datetime.fromtimestamp(ms // 1000, UTC):%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}"


def _commit(bootstrap: str, group: str, offsets: list[TopicPartition]) -> None:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=offsets, asynchronous=False)
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def kafka_consumer_groups(kafka_cluster: str) -> ConsumerGroupsTool:
    try:
        libs = maven_jars(POM, f"kafka-tools-{KAFKA_VERSION}", {"kafka.version": KAFKA_VERSION}, RETRY)
        return ConsumerGroupsTool(java_executable(), libs, kafka_cluster)
    except LocalServiceError as exc:
        missing("Kafka's kafka-consumer-groups tool could not be resolved", str(exc))


@pytest.fixture(scope="module")
def topic(kafka_cluster: str) -> Topic:
    name = f"group-reset-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_cluster})
    admin.create_topics([NewTopic(name, num_partitions=len(RECORDS), replication_factor=1)])[name].result(30)
    base_ms = (int(time.time()) - 600) * 1000 + 250  # ten minutes ago, off the whole second
    producer = Producer({"bootstrap.servers": kafka_cluster})
    for partition, count in enumerate(RECORDS):
        for n in range(count):
            producer.produce(name, value=f"{partition}-{n}".encode(), partition=partition, timestamp=base_ms + n * 1000)
    assert producer.flush(30) == 0
    deleted = [TopicPartition(name, p, offset) for p, offset in enumerate(DELETED) if offset]
    for future in admin.delete_records(deleted, request_timeout=30).values():
        future.result()
    return Topic(name, base_ms)


@pytest.fixture(scope="module")
def group(kafka_cluster: str, topic: Topic) -> str:
    """A group (without members) that committed an offset on every partition of the topic."""
    name = f"{topic.name}-group"
    _commit(kafka_cluster, name, [TopicPartition(topic.name, p, offset) for p, offset in enumerate(COMMITTED)])
    return name


@pytest.fixture(scope="module")
def partly_committed_group(kafka_cluster: str, topic: Topic) -> str:
    """A group (without members) that committed an offset on partition 0 only."""
    name = f"{topic.name}-partly-committed"
    _commit(kafka_cluster, name, [TopicPartition(topic.name, 0, COMMITTED[0])])
    return name


TARGETS: dict[str, Callable[[Topic], str]] = {
    "earliest": lambda t: "earliest",
    "latest": lambda t: "latest",
    "offset-inside": lambda t: "7",
    "offset-before-start": lambda t: "1",
    "offset-beyond-end": lambda t: "10000",
    "shift-back": lambda t: "-5",
    "shift-beyond-end": lambda t: "+1000",
    "datetime-between-records": lambda t: t.time_of(5.5),
    "datetime-on-a-record": lambda t: t.time_of(8),
    "datetime-after-last-record": lambda t: t.time_of(max(RECORDS) + 5),
}


def _planned(kafka_cluster: str, group: str, topic: Topic, target: str) -> Offsets:
    plan = KafkaGroupAdmin({"bootstrap.servers": kafka_cluster}).plan_reset(group, topic.partitions,
                                                                           ResetTo.parse(target))
    return {(move.topic, move.partition): move.offset for move in plan}


@pytest.mark.parametrize("target", TARGETS.values(), ids=TARGETS.keys())
def test_reset_plan_matches_kafka_consumer_groups(kafka_cluster: str, kafka_consumer_groups: ConsumerGroupsTool,
                                                  topic: Topic, group: str, target: Callable[[Topic], str]) -> None:
    text = target(topic)
    expected = kafka_consumer_groups.reset_dry_run(group, topic.name, text)
    assert _planned(kafka_cluster, group, topic, text) == expected, f"reset to {text!r}"


@pytest.mark.parametrize("target", [TARGETS["latest"], TARGETS["offset-before-start"],
                                    TARGETS["datetime-between-records"]], ids=["latest", "offset", "datetime"])
def test_partitions_the_group_never_committed_plan_like_kafka_consumer_groups(
        kafka_cluster: str, kafka_consumer_groups: ConsumerGroupsTool, topic: Topic, partly_committed_group: str,
        target: Callable[[Topic], str]) -> None:
    text = target(topic)
    expected = kafka_consumer_groups.reset_dry_run(partly_committed_group, topic.name, text)
    assert _planned(kafka_cluster, partly_committed_group, topic, text) == expected, f"reset to {text!r}"


def test_a_shift_where_the_group_never_committed_is_refused_like_kafka_consumer_groups(
        kafka_cluster: str, kafka_consumer_groups: ConsumerGroupsTool, topic: Topic,
        partly_committed_group: str) -> None:
    refusal = kafka_consumer_groups.refusal(partly_committed_group, topic.name, "-5")
    assert "Cannot shift offset for partition" in refusal
    with pytest.raises(RuntimeError, match=f"cannot shift {topic.name}/1, {topic.name}/2: the group has no committed"):
        _planned(kafka_cluster, partly_committed_group, topic, "-5")
