"""An in-process stand-in for a Kafka cluster: topics with partitions, offsets, timestamps,
headers and consumer-group committed offsets, plus a read-only :class:`EmbeddedClusterView`.

Keyed records are partitioned with murmur2 exactly as the Java client does
(:func:`airstream.topology.partitioner.partition_for`); records without a key go round-robin.

The monitor reads an embedded run through :meth:`EmbeddedCluster.view`:

>>> cluster = EmbeddedCluster()
>>> cluster.create_topic("tweets", partitions=3)
>>> cluster.produce("tweets", b"k1", b"v1", timestamp=5)
(2, 0)
>>> cluster.commit("cloudair", {("tweets", 2): 1})
>>> view = cluster.view()
>>> [(p.partition, p.low_watermark, p.high_watermark) for p in view.topic("tweets").partitions]
[(0, 0, 0), (1, 0, 0), (2, 0, 1)]
>>> [(o.topic, o.partition, o.committed, o.lag) for o in view.group("cloudair").offsets]
[('tweets', 0, None, 0), ('tweets', 1, None, 0), ('tweets', 2, 1, 0)]

Records a named producer writes carry trace headers and are counted, as are what consumer groups
commit of them and what their tasks forward (:mod:`airstream.topology.engine.traces`); the view hands out the
resulting ``__airstream_metrics`` records, which ``airstream.monitor.traces`` turns into hops and paths:

>>> replay = cluster.producer("replay")
>>> replay.produce("tweets", b"k1", b"v2", timestamp=6)
(2, 1)
>>> cluster.commit("cloudair", {("tweets", 2): 2})
>>> [(r["client_id"], r["rows"][0]["count"]) for r in view.trace_records()]
[('replay', 1), ('cloudair-embedded-consumer', 1)]
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from airstream.common.cluster_view import GroupOffset, GroupView, PartitionView, TopicView
from airstream.topology.engine.task import InputRecord, OutputRecord
from airstream.topology.engine.traces import ClusterTraces
from airstream.topology.partitioner import partition_for

__all__ = ["EmbeddedCluster", "EmbeddedClusterView", "EmbeddedProducer"]


class _Topic:
    def __init__(self, name: str, partitions: int, internal: bool) -> None:
        self.name = name
        self.logs: list[list[InputRecord]] = [[] for _ in range(partitions)]
        self.internal = internal
        # (partition, offset) in production order, kept only when there are several partitions
        self.order: list[tuple[int, int]] = []
        self.rr = itertools.count()
        self.traced: set[int] = set()  # partitions that hold traced records


class EmbeddedProducer:
    """A producer with a client id on an :class:`EmbeddedCluster`: its records are traced under that id.

    It has the cluster's ``produce`` signature, so it goes wherever a cluster is written to
    (``produce_tweets_embedded(tweets, cluster.producer("replay"), "tweets")``).
    """

    def __init__(self, cluster: EmbeddedCluster, client_id: str) -> None:
        if not client_id:
            raise ValueError("a traced producer needs a client id (it names the producer in the traces)")
        self.cluster = cluster
        self.client_id = client_id

    def __repr__(self) -> str:
        return f"EmbeddedProducer(client_id={self.client_id!r})"

    def produce(self, topic: str, key: bytes | None, value: bytes | None, timestamp: int = 0,
                headers: Any = (), partition: int | None = None) -> tuple[int, int]:
        """Append one traced record; returns ``(partition, offset)``."""
        return self.cluster.produce(topic, key, value, timestamp, headers, partition, client_id=self.client_id)


class EmbeddedCluster:
    """Topics and consumer groups in memory. Thread-safe for one writer and many readers.

    ``clock`` (seconds since the epoch) times the traces: trace headers, latencies, last seen.
    ``trace_sample_rate``: trace headers each consumer group reads a second for paths and latency
    (every record is counted; ``None`` reads every header: exact per-path counts even while a group
    is behind, for about 1 µs more per traced record). See :mod:`airstream.topology.engine.traces`.
    """

    def __init__(self, default_partitions: int = 1, *, clock: Callable[[], float] = time.time,
                 trace_sample_rate: float | None = 100.0) -> None:
        if default_partitions < 1:
            raise ValueError("default_partitions must be at least 1")
        self.default_partitions = default_partitions
        self._topics: dict[str, _Topic] = {}
        self._groups: dict[str, dict[tuple[str, int], int]] = {}
        self._lock = threading.RLock()
        self.traces = ClusterTraces(clock, trace_sample_rate)
        """Trace accounting (see :mod:`airstream.topology.engine.traces`), read through
        :meth:`EmbeddedClusterView.trace_records`."""
        # Partitions appended to since the last commit -> first offset appended: the outputs of the
        # task whose group commits next (a task's outputs are appended, then its input committed).
        self._appended: dict[tuple[str, int], int] = {}
        self._read_ms: dict[tuple[str, int], int] = {}  # traced partition -> when it was last read

    # -- topics ----------------------------------------------------------------------------
    def create_topic(self, name: str, partitions: int | None = None, internal: bool = False) -> None:
        """Create ``name`` (idempotent; a different partition count for an existing topic is
        an error naming both counts)."""
        if partitions is not None and partitions < 1:
            raise ValueError(f"topic {name!r} needs at least 1 partition, not {partitions}")
        count = partitions or self.default_partitions
        with self._lock:
            topic = self._topics.get(name)
            if topic is None:
                self._topics[name] = _Topic(name, count, internal)
            elif partitions is not None and len(topic.logs) != partitions:
                raise ValueError(f"topic {name!r} already exists with {len(topic.logs)} "
                                 f"partitions, not {partitions}")

    def has_topic(self, name: str) -> bool:
        """Whether ``name`` exists."""
        return name in self._topics

    def partitions(self, name: str) -> int:
        """Partition count of ``name`` (created with the default count if missing)."""
        self.create_topic(name)
        return len(self._topics[name].logs)

    def _partition(self, topic: _Topic, key: bytes | None, partition: int | None) -> int:
        n = len(topic.logs)
        if partition is not None:
            if not 0 <= partition < n:
                raise ValueError(f"topic {topic.name!r} has no partition {partition} (it has {n})")
            return partition
        if n == 1:
            return 0
        if key is None:
            return next(topic.rr) % n
        return partition_for(key, n)

    def produce(self, topic: str, key: bytes | None, value: bytes | None, timestamp: int = 0,
                headers: Any = (), partition: int | None = None, *, client_id: str | None = None
                ) -> tuple[int, int]:
        """Append one record; returns ``(partition, offset)``. With a ``client_id`` the record is
        traced as that producer's (see :meth:`producer`)."""
        self.create_topic(topic)
        with self._lock:
            t = self._topics[topic]
            p = self._partition(t, key, partition)
            if client_id is not None:
                headers = self.traces.stamp(client_id, topic, p, timestamp, headers)
                t.traced.add(p)
            log = t.logs[p]
            offset = len(log)
            log.append(InputRecord(topic, p, offset, timestamp, key, value, headers or ()))
            if len(t.logs) > 1:
                t.order.append((p, offset))
            return p, offset

    def producer(self, client_id: str) -> EmbeddedProducer:
        """A producer whose records carry trace headers and are counted under ``client_id``.

        What it writes, the groups that consume it and what their tasks forward show in the traces
        (:meth:`EmbeddedClusterView.trace_records`; airmon's Traces screen).
        """
        return EmbeddedProducer(self, client_id)

    def append(self, outputs: Iterable[OutputRecord]) -> None:
        """Append the outputs of a task (creating missing topics with the default count)."""
        new = tuple.__new__
        rec = InputRecord
        topics = self._topics
        cached: dict[str, Any] = {}  # topic -> its only partition's log, or the _Topic
        starts: dict[str, tuple[int, ...]] = {}  # topic -> partition lengths before this call
        with self._lock:
            for out in outputs:
                name = out[0]
                target = cached.get(name)
                if target is None:
                    if name not in topics:
                        self.create_topic(name)
                    t = topics[name]
                    target = cached[name] = t.logs[0] if len(t.logs) == 1 else t
                    starts[name] = tuple(map(len, t.logs))
                if isinstance(target, list):
                    target.append(new(rec, (name, 0, len(target), out[4], out[2], out[3], out[5])))
                    continue
                p = out[1] if out[1] is not None else self._partition(target, out[2], None)
                log = target.logs[p]
                log.append(new(rec, (name, p, len(log), out[4], out[2], out[3], out[5])))
                target.order.append((p, len(log) - 1))
            appended = self._appended
            for name, lengths in starts.items():
                logs = topics[name].logs
                for p, start in enumerate(lengths):
                    if len(logs[p]) > start:
                        appended.setdefault((name, p), start)

    def read(self, topic: str, partition: int, offset: int, max_records: int | None = None
             ) -> list[InputRecord]:
        """Records of a partition from ``offset`` on (at most ``max_records``), as a consumer fetches them."""
        t = self._topics[topic]
        if partition in t.traced:  # the receive time of what the next commit covers
            self._read_ms[(topic, partition)] = self.traces.now_ms()
        return self._slice(t, partition, offset, max_records)

    @staticmethod
    def _slice(t: _Topic, partition: int, offset: int, max_records: int | None) -> list[InputRecord]:
        log = t.logs[partition]
        end = len(log) if max_records is None else min(len(log), offset + max_records)
        return log[offset:end]

    def end_offset(self, topic: str, partition: int) -> int:
        """The next offset to be written."""
        return len(self._topics[topic].logs[partition])

    def records_in_order(self, topic: str, start: int = 0) -> list[InputRecord]:
        """All records of ``topic`` in the order they were produced, from position ``start``."""
        t = self._topics.get(topic)
        if t is None:
            return []
        if len(t.logs) == 1:  # one partition: its log is the production order
            return t.logs[0][start:]
        return [t.logs[p][o] for p, o in t.order[start:]]

    def topic_names(self) -> list[str]:
        """All topic names, sorted."""
        return sorted(self._topics)

    # -- consumer groups -------------------------------------------------------------------
    def commit(self, group: str, offsets: dict[tuple[str, int], int]) -> None:
        """Commit ``{(topic, partition): next_offset}`` for ``group``.

        On traced partitions, the records from the previous commit up to these offsets count as
        consumed by ``group``, and what was appended since the last commit as forwarded by it.
        """
        with self._lock:
            committed = self._groups.setdefault(group, {})
            traced = False
            for (topic, p), end in offsets.items():
                t = self._topics.get(topic)
                if t is None or p not in t.traced:
                    continue
                traced = True
                start = committed.get((topic, p)) or 0
                if end > start:
                    read_ms = self._read_ms.get((topic, p)) or self.traces.now_ms()
                    self.traces.consumed(group, topic, p, ((r[3], r[6]) for r in t.logs[p][start:end]), read_ms)
            if self._appended:
                if traced:  # untraced inputs make untraced outputs: nothing to take further
                    for (topic, p), start in self._appended.items():
                        t = self._topics[topic]
                        if self.traces.forward(group, topic, p, t.logs[p], start):
                            t.traced.add(p)
                self._appended.clear()
            committed.update(offsets)

    def committed(self, group: str, topic: str, partition: int) -> int | None:
        """The committed offset or ``None``."""
        return self._groups.get(group, {}).get((topic, partition))

    # -- read-only view --------------------------------------------------------------------
    def view(self) -> EmbeddedClusterView:
        """A read-only view for monitors (see :class:`EmbeddedClusterView`)."""
        return EmbeddedClusterView(self)


class EmbeddedClusterView:
    """Read-only access to an :class:`EmbeddedCluster`: what ``airmon`` shows for an embedded
    run, the :class:`airstream.common.cluster_view.ClusterView` contract. Every call returns fresh
    immutable snapshots.

    - ``topics()`` -> list of :class:`TopicView` (partitions with low/high watermarks)
    - ``topic(name)`` -> :class:`TopicView`
    - ``groups()`` -> list of :class:`GroupView` (committed offset, end offset, lag per partition)
    - ``group(name)`` -> :class:`GroupView`
    - ``records(topic, partition, offset=0, max_records=100)`` -> records to browse
    - ``trace_records(start=0)`` -> the ``__airstream_metrics`` records of the run's traces
    """

    def __init__(self, cluster: EmbeddedCluster) -> None:
        self._c = cluster

    def topics(self) -> list[TopicView]:
        """Every topic, sorted by name."""
        return [self.topic(name) for name in self._c.topic_names()]

    def topic(self, name: str) -> TopicView:
        """One topic; ``KeyError`` naming the known topics if missing."""
        with self._c._lock:
            t = self._c._topics.get(name)
            if t is None:
                raise KeyError(f"no topic {name!r}; topics: {self._c.topic_names()}")
            parts = tuple(PartitionView(name, p, 0, len(log)) for p, log in enumerate(t.logs))
            return TopicView(name, parts, t.internal)

    def groups(self) -> list[GroupView]:
        """Every consumer group, sorted by name."""
        return [self.group(g) for g in sorted(self._c._groups)]

    def group(self, name: str) -> GroupView:
        """One group's offsets on every partition of the topics it has committed to."""
        with self._c._lock:
            committed = self._c._groups.get(name)
            if committed is None:
                raise KeyError(f"no consumer group {name!r}; groups: {sorted(self._c._groups)}")
            offsets = []
            for topic in sorted({t for t, _ in committed}):
                for p, log in enumerate(self._c._topics[topic].logs):
                    c = committed.get((topic, p))
                    end = len(log)
                    offsets.append(GroupOffset(name, topic, p, c, end, end - (c or 0)))
            return GroupView(name, tuple(offsets))

    def records(self, topic: str, partition: int, offset: int = 0, max_records: int = 100
                ) -> list[InputRecord]:
        """Up to ``max_records`` records of a partition from ``offset``."""
        return list(self._c._slice(self._c._topics[topic], partition, offset, max_records))

    def trace_records(self, start: int = 0) -> list[dict[str, Any]]:
        """The metrics records (``__airstream_metrics``-shaped dicts, see :mod:`airstream.topology.tracing.aggregate`)
        from position ``start`` on, after publishing what the clients counted since the last call.

        ``airstream.monitor.traces.TraceAccumulator.add`` each of them, as airmon does with the records it reads
        from Kafka. Records are deltas: read each once (keep the next ``start``) and add them all up.
        """
        self._c.traces.publish()
        return self._c.traces.records[start:]
