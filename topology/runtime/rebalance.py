"""Consumer-group rebalancing: which assignor to use and what to do when partitions move.

librdkafka's cooperative-sticky assignor moves as few partitions as possible and lets an
instance keep processing the rest during a rebalance, but it balances only the total number of
partitions per member: it may give partition ``p`` of two topics to different instances, and
all of one topic to one instance and all of another to the next. A sub-topology that reads
several topics (a join, a merge) needs partition ``p`` of all of them in one task, and Kafka
Streams spreads every sub-topology's tasks over the instances (an instance that got only the
repartition topic would leave the input's work on the other). librdkafka has no custom
assignor for Python, so every topology that reads more than one topic uses the ``range``
assignor, which splits each topic's partitions evenly and puts equal partition numbers of
equally-sized topics on the same member. ``range`` is eager (every partition is revoked at
each rebalance); tasks whose partitions come straight back are kept with their state instead
of being restored again (see ``partitions_revoked`` in :mod:`airstream.topology.runtime.streams`).

With ``group.protocol=consumer`` (KIP-848: Kafka 4 brokers, the new consumer group protocol) the
broker assigns partitions, always incrementally: a member joining or leaving moves only the
partitions that change owner, and nobody stops the rest. Its ``range`` assignor
(``group.remote.assignor``) keeps partition ``p`` of co-partitioned topics together, so it is chosen
for topologies that read several topics; ``uniform`` for one topic.

The runtime's reactions (:class:`Callbacks`, run inside ``consume()`` on the processing thread):

- revoked: finish the batch (callbacks only run between batches), flush and commit (or commit
  the transaction), then set the tasks of the revoked partitions aside;
- assigned: take back the tasks set aside whose partitions are assigned again (their state is
  what was just committed: nobody else owned them in between), close the others, create the new
  ones and restore them from the changelogs: before resuming under the eager ``range`` assignor,
  else beside processing (their partitions paused until restored, the other tasks going on);
- lost (the session expired): drop the tasks without committing; under exactly-once the open
  transaction is aborted and the remaining tasks are redone from the committed offsets.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from confluent_kafka import TopicPartition

from airstream.topology.compile import Plan

__all__ = ["Callbacks", "PartitionOwner", "assignment_strategy", "group_settings"]

log = logging.getLogger("airstream.topology.runtime")


def assignment_strategy(plan: Plan) -> str:
    """``cooperative-sticky`` for a topology that reads one topic, else ``range``."""
    topics = {t for sub in plan.subtopologies for t in sub.source_topics}
    return "cooperative-sticky" if len(topics) <= 1 else "range"


def group_settings(plan: Plan, consumer: Mapping[str, Any]) -> dict[str, str]:
    """The consumer properties that choose how the group assigns partitions, for the consumer
    properties ``consumer`` (the user's choice of ``group.protocol`` and remote assignor kept).

    >>> from airstream.topology import StreamsBuilder
    >>> from airstream.topology.compile import compile_topology
    >>> b = StreamsBuilder(); b.stream("in").to("out"); plan = compile_topology(b.build())
    >>> group_settings(plan, {}), group_settings(plan, {"group.protocol": "consumer"})
    ({'partition.assignment.strategy': 'cooperative-sticky'}, {'group.remote.assignor': 'uniform'})
    """
    if str(consumer.get("group.protocol", "classic")).lower() == "consumer":
        if "group.remote.assignor" in consumer:
            return {}
        return {"group.remote.assignor": "uniform" if assignment_strategy(plan) == "cooperative-sticky" else "range"}
    return {"partition.assignment.strategy": assignment_strategy(plan)}


class PartitionOwner(Protocol):
    """What the processing loop does on rebalance events."""

    def partitions_assigned(self, partitions: list[TopicPartition]) -> None: ...

    def partitions_revoked(self, partitions: list[TopicPartition]) -> None: ...

    def partitions_lost(self, partitions: list[TopicPartition]) -> None: ...


class Callbacks:
    """``subscribe(on_assign=..., on_revoke=..., on_lost=...)`` adapters that log and delegate."""

    def __init__(self, owner: PartitionOwner) -> None:
        self.owner = owner

    @staticmethod
    def _names(partitions: list[TopicPartition]) -> str:
        return ", ".join(f"{tp.topic}[{tp.partition}]" for tp in partitions) or "none"

    def on_assign(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        log.info("partitions assigned: %s", self._names(partitions))
        self.owner.partitions_assigned(partitions)

    def on_revoke(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        log.info("partitions revoked: %s", self._names(partitions))
        self.owner.partitions_revoked(partitions)

    def on_lost(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        log.warning("partitions lost (session expired or fenced): %s", self._names(partitions))
        self.owner.partitions_lost(partitions)
