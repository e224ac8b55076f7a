"""Internal topics: check the source topics and create repartition and changelog topics.

On start the runtime calls :func:`prepare_topics`. It fails with a clear
:class:`~airstream.topology.errors.TopologyException` when a source topic does not exist or topics a
sub-topology reads together (co-partitioned) have different partition counts. It creates

- repartition topics ``<application.id>-<name>-repartition`` with the partition count the
  topology gives (``repartition(num_partitions=...)``) or else that of the topics upstream
  (:func:`airstream.topology.compile.plan_partitions`, the rule the embedded engine follows too);
- changelog topics ``<application.id>-<store>-changelog`` with one partition per task,
  ``cleanup.policy=compact`` (``compact,delete`` for window and session stores, kept for the
  store's retention plus one day, as Kafka Streams does); the buffers of suppress and of
  left/outer stream-stream joins have compacted changelogs too;
- output and dead-letter topics that do not exist yet, when ``auto.create.output.topics``
  is true (the default), with the partition count of the largest source topic.

Creating a topic another instance created first is not an error; an internal topic that
exists with the wrong partition count is.
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from airstream.topology.compile import Plan, TopicLayout, plan_partitions
from airstream.topology.errors import TopologyException
from airstream.topology.runtime.config import StreamsConfig

__all__ = ["TopicLayout", "plan_partitions", "prepare_topics"]

log = logging.getLogger("airstream.topology.runtime")

_DAY_MS = 24 * 3600 * 1000


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


def prepare_topics(plan: Plan, config: StreamsConfig, admin: AdminClient,
                   timeout: float = 30.0) -> TopicLayout:
    """Check sources, create the internal (and missing output) topics; see the module docstring."""
    existing = _existing(admin, timeout)
    layout = plan_partitions(plan, existing)
    rf = config.replication_factor
    extra = config.topic_configs
    new = [NewTopic(topic, layout.partitions[topic], rf, config={"cleanup.policy": "delete", **extra})
           for topic in plan.repartition_topics if topic not in existing]
    for sub in plan.subtopologies:
        for spec in sub.stores:
            changelog = plan.changelog_topics.get(spec.name)
            if changelog is None:
                continue
            want = layout.tasks(sub)
            have = existing.get(changelog)
            if have is None:
                new.append(NewTopic(changelog, want, rf, config=_store_topic_config(spec, extra)))
                layout.partitions[changelog] = want
            elif have != want:
                raise TopologyException(f"changelog topic {changelog!r} has {have} partitions but the store "
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
