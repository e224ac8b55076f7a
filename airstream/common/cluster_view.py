"""What a monitor may read of an in-process cluster: the contract between the embedded engine and airmon.

The embedded engine (``airstream.topology.engine.EmbeddedCluster.view()``) implements
:class:`ClusterView`; airmon's embedded source, browser and trace reader consume it. Neither side
imports the other: both import this module. Every call returns fresh immutable values.

>>> p = PartitionView("tweets", 0, low_watermark=0, high_watermark=3)
>>> TopicView("tweets", (p,), internal=False).message_count
3
>>> GroupView("scorer", (GroupOffset("scorer", "tweets", 0, committed=1, end=3, lag=2),)).total_lag
2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["ClusterView", "GroupOffset", "GroupView", "PartitionView", "StoredRecord", "TopicView"]


@dataclass(frozen=True)
class PartitionView:
    """One partition: the first offset kept and the next offset to be written."""

    topic: str
    partition: int
    low_watermark: int
    high_watermark: int


@dataclass(frozen=True)
class TopicView:
    """A topic and its partitions; ``internal`` for repartition/changelog topics."""

    name: str
    partitions: tuple[PartitionView, ...]
    internal: bool

    @property
    def message_count(self) -> int:
        """Records currently held (high minus low watermark, summed)."""
        return sum(p.high_watermark - p.low_watermark for p in self.partitions)


@dataclass(frozen=True)
class GroupOffset:
    """A group's position on one partition: committed offset (``None`` if never), end
    offset and lag (end minus committed, or end minus low watermark if never committed)."""

    group: str
    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int


@dataclass(frozen=True)
class GroupView:
    """A consumer group and its offsets on every partition of the topics it committed to."""

    group: str
    offsets: tuple[GroupOffset, ...]

    @property
    def total_lag(self) -> int:
        """Sum of the lags."""
        return sum(o.lag for o in self.offsets)


class StoredRecord(Protocol):
    """A record as a partition holds it."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Any: ...


class ClusterView(Protocol):
    """Read-only access to an in-process cluster."""

    def topics(self) -> list[TopicView]:
        """Every topic, sorted by name."""
        ...

    def topic(self, name: str) -> TopicView:
        """One topic; ``KeyError`` naming the known topics if missing."""
        ...

    def groups(self) -> list[GroupView]:
        """Every consumer group, sorted by name."""
        ...

    def group(self, name: str) -> GroupView:
        """One group's offsets on every partition of the topics it has committed to."""
        ...

    def records(self, topic: str, partition: int, offset: int = 0, max_records: int = 100) -> Sequence[StoredRecord]:
        """Up to ``max_records`` records of a partition from ``offset``."""
        ...

    def trace_records(self, start: int = 0) -> list[dict[str, Any]]:
        """The ``__airstream_metrics`` records of the run's traces from position ``start`` on
        (:mod:`airstream.common.traces.record`)."""
        ...
