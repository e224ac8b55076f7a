"""Consumer-group rebalancing: which assignor to use and what to do when partitions move.

librdkafka's cooperative-sticky assignor moves as few partitions as possible and lets an
instance keep processing the rest during a rebalance, but it may give partition ``p`` of two
topics to different instances. A sub-topology that reads several topics (a join, a merge)
needs partition ``p`` of all of them in one task, so such topologies use the ``range``
assignor, which puts equal partition numbers of equally-sized topics on the same member.

The runtime's reactions (:class:`Callbacks`, run inside ``consume()`` on the processing thread):

- revoked: finish the batch (callbacks only run between batches), flush and commit (or commit
  the transaction), then close the tasks of the revoked partitions;
- assigned: create the tasks, restore their stores from the changelogs, then resume;
- lost (the session expired): drop the tasks without committing; under exactly-once the open
  transaction is aborted and the remaining tasks are redone from the committed offsets.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from confluent_kafka import TopicPartition

from topology.compile import Plan

__all__ = ["Callbacks", "PartitionOwner", "assignment_strategy"]

log = logging.getLogger("topology.runtime")


def assignment_strategy(plan: Plan) -> str:
    """``cooperative-sticky`` unless a sub-topology reads more than one topic (then ``range``)."""
    if any(len(sub.source_topics) > 1 for sub in plan.subtopologies):
        return "range"
    return "cooperative-sticky"


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
