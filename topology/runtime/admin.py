"""Internal topics: check the source topics and create repartition and changelog topics.

On start the runtime calls :func:`prepare_topics`. It fails with a clear
:class:`~topology.errors.TopologyException` when a source topic does not exist or topics a
sub-topology reads together (co-partitioned) have different partition counts. It creates

- repartition topics ``<application.id>-<name>-repartition`` with the partition count the
  topology gives (``repartition(num_partitions=...)``) or else that of the topics upstream;
- changelog topics ``<application.id>-<store>-changelog`` with one partition per task,
  ``cleanup.policy=compact`` (``compact,delete`` for window and session stores, kept for the
  store's retention plus one day, as Kafka Streams does);
- output and dead-letter topics that do not exist yet, when ``auto.create.output.topics``
  is true (the default), with the partition count of the largest source topic.

Creating a topic another instance created first is not an error; an internal topic that
exists with the wrong partition count is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from topology.compile import Plan, SubtopologyPlan
from topology.errors import TopologyException
from topology.runtime.config import StreamsConfig

__all__ = ["TopicLayout", "prepare_topics"]

log = logging.getLogger("topology.runtime")

_DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicLayout:
    """Partition counts of every topic the application reads or writes, and the number of
    tasks (partitions) of each sub-topology."""

    partitions: dict[str, int]
    task_counts: dict[int, int]

    def tasks(self, sub: SubtopologyPlan) -> int:
        """How many tasks ``sub`` has."""
        return self.task_counts[sub.id]


def _existing(admin: AdminClient, timeout: float) -> dict[str, int]:
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        raise TopologyException(f"cannot read topic metadata from Kafka ({exc.args[0]}): check that "
                                "bootstrap.servers is right and the brokers are up") from None
    return {name: len(t.partitions) for name, t in metadata.topics.items() if t.error is None}


def _create(admin: AdminClient, topics: list[NewTopic], timeout: float) -> None:
    if not topics:
        return
    for name, future in admin.create_topics(topics, request_timeout=timeout).items():
        try:
            future.result()
            log.info("created topic %s", name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise TopologyException(f"cannot create topic {name!r}: {exc.args[0].str()}") from None


def _store_topic_config(spec: Any, extra: dict[str, str]) -> dict[str, str]:
    config = dict(extra)
    if spec.kind in ("window", "session"):
        config["cleanup.policy"] = "compact,delete"
        config["retention.ms"] = str((spec.retention_ms or 0) + _DAY_MS)
    else:
        config["cleanup.policy"] = "compact"
    return config


def plan_partitions(plan: Plan, existing: dict[str, int]) -> TopicLayout:
    """Partition counts for the plan's topics given ``existing`` ones; raises on missing source
    topics and on co-partitioned topics with different counts."""
    counts = dict(existing)
    repartition = plan.repartition_topics
    subs = plan.subtopologies + plan.global_subtopologies
    missing = sorted({t for s in subs for t in s.source_topics if t not in repartition and t not in counts})
    if missing:
        raise TopologyException(
            f"source topic(s) {', '.join(map(repr, missing))} do not exist: create them first "
            f"(e.g. kafka-topics.sh --create --topic {missing[0]} --partitions 6) or fix the topic "
            "name in the topology")
    pending = {t: n for t, n in repartition.items() if t not in counts}
    while pending:
        progressed = False
        for topic, n in list(pending.items()):
            if n is None:
                inputs = [t for s in plan.subtopologies if topic in s.sink_serdes for t in s.source_topics]
                if any(t in pending for t in inputs):
                    continue
                n = max((counts[t] for t in inputs), default=1)
            counts[topic] = n
            del pending[topic]
            progressed = True
        if not progressed:  # repartition topics feeding each other: no upstream count to copy
            raise TopologyException(f"cannot derive the partition count of {sorted(pending)}: give it "
                                    "with repartition(num_partitions=...)")
    for topic, n in repartition.items():
        if n is not None and counts[topic] != n:
            raise TopologyException(f"internal topic {topic!r} has {counts[topic]} partitions but the "
                                    f"topology asks for {n}; delete it (it is rebuilt) or reset the application")
    tasks: dict[int, int] = {}
    for sub in plan.subtopologies:
        by_topic = {t: counts[t] for t in sub.source_topics}
        if len(set(by_topic.values())) > 1:
            raise TopologyException(
                f"sub-topology {sub.id} reads topics that must be co-partitioned but have different "
                f"partition counts: {by_topic}; give them the same number of partitions or "
                "repartition one side")
        tasks[sub.id] = next(iter(by_topic.values()), 1)
    return TopicLayout(counts, tasks)


def prepare_topics(plan: Plan, config: StreamsConfig, admin: AdminClient,
                   timeout: float = 30.0) -> TopicLayout:
    """Check sources, create the internal (and missing output) topics; see the module docstring."""
    existing = _existing(admin, timeout)
    layout = plan_partitions(plan, existing)
    rf = config.replication_factor
    extra = config.topic_configs
    new: list[NewTopic] = []
    for topic in plan.repartition_topics:
        if topic not in existing:
            new.append(NewTopic(topic, layout.partitions[topic], rf,
                                config={"cleanup.policy": "delete", **extra}))
    for sub in plan.subtopologies:
        for spec in sub.stores:
            topic = plan.changelog_topics.get(spec.name)
            if topic is None:
                continue
            want = layout.tasks(sub)
            have = existing.get(topic)
            if have is None:
                new.append(NewTopic(topic, want, rf, config=_store_topic_config(spec, extra)))
                layout.partitions[topic] = want
            elif have != want:
                raise TopologyException(f"changelog topic {topic!r} has {have} partitions but the store "
                                        f"{spec.name!r} has {want} tasks; the source topics' partition count "
                                        "changed: reset the application (delete its internal topics)")
    outputs = {t for s in plan.subtopologies for t in s.sink_serdes if t not in plan.repartition_topics}
    dlq = plan.config.get("errors.dead.letter.queue.topic.name")
    if dlq:
        outputs.add(str(dlq))
    missing = sorted(t for t in outputs if t not in existing)
    if missing and not config.auto_create_output_topics:
        raise TopologyException(f"output topic(s) {missing} do not exist: create them or set "
                                "auto.create.output.topics=true")
    width = max((layout.partitions[t] for s in plan.subtopologies for t in s.source_topics), default=1)
    for topic in missing:
        new.append(NewTopic(topic, width, rf))
        layout.partitions[topic] = width
    _create(admin, new, timeout)
    return layout
