"""A ring buffer of snapshots and what can only be known over time.

:meth:`History.record` takes each new :class:`~monitor.model.ClusterSnapshot` and returns it enriched:

* ``TopicInfo.messages_in_per_sec`` -- growth of the topic's end offsets, per second;
* ``GroupInfo.consume_rate`` -- growth of the group's committed offsets, per second;
* ``GroupInfo.time_to_drain`` -- seconds until the lag is gone at the current net rate (lag divided by
  how fast the lag shrinks); ``0.0`` without lag, ``None`` while the lag is not shrinking;
* ``GroupPartition.status``, ``GroupInfo.status`` and ``GroupInfo.complete`` -- Burrow's rules
  (:mod:`monitor.lag`) over a window of commits kept per group and partition.

Rates compare the new snapshot with the oldest one kept that is at most ``rate_window`` seconds older,
so they are smooth over several refreshes but still follow changes. Series for charts come from
:meth:`History.lag_series`; the time a topic has been idle from :meth:`History.idle_seconds`.

Example::

    >>> from monitor.model import ClusterSnapshot, GroupInfo, GroupPartition, PartitionInfo, TopicInfo
    >>> def snap(t, end, committed):
    ...     topic = TopicInfo("t", partitions=(PartitionInfo("t", 0, 1, (1,), (1,), 0, end),))
    ...     group = GroupInfo("g", "Stable", partitions=(GroupPartition("t", 0, committed, end, member_id="m"),))
    ...     return ClusterSnapshot(taken_at=t, topics=(topic,), groups=(group,))
    >>> h = History()
    >>> _ = h.record(snap(0.0, 100, 40))
    >>> s = h.record(snap(10.0, 150, 110))
    >>> s.topic("t").messages_in_per_sec, s.group("g").consume_rate, s.group("g").time_to_drain
    (5.0, 7.0, 20.0)
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from collections.abc import Iterator

from monitor.lag import CommitWindow, LagSettings, PartitionVerdict, evaluate_group, evaluate_partition
from monitor.model import ClusterSnapshot, GroupInfo, GroupPartition, TopicInfo

__all__ = ["History"]

_Key = tuple[str, str, int]  # group, topic, partition


class History:
    """The last ``capacity`` snapshots, commit windows per group partition, and derived rates.

    ``lag`` sets the Burrow evaluation (window size, min distance, minimum complete, allowed lag);
    ``rate_window`` how far back (seconds) rates look. ``record`` is meant to be called from one
    refresh worker; readers on other threads get consistent copies.
    """

    def __init__(self, capacity: int = 120, lag: LagSettings | None = None, rate_window: float = 60.0) -> None:
        if capacity < 2:
            raise ValueError(f"History needs room for at least 2 snapshots to compute rates, got capacity={capacity}")
        self.capacity = capacity
        self.lag_settings = lag or LagSettings()
        self.rate_window = rate_window
        self._snapshots: deque[ClusterSnapshot] = deque(maxlen=capacity)
        self._windows: dict[_Key, CommitWindow] = {}
        self._end_offsets: dict[tuple[str, int], deque[int]] = {}
        self._growth: dict[str, tuple[int, float]] = {}  # topic -> (end offset total, when it last changed)
        self._lock = threading.Lock()

    # -- recording ------------------------------------------------------------------------------------

    def record(self, snapshot: ClusterSnapshot) -> ClusterSnapshot:
        """Keep ``snapshot`` and return a copy with rates, time to drain and lag statuses filled in."""
        with self._lock:
            self._track_end_offsets(snapshot)
            reference = self._reference(snapshot.taken_at)
            topics = tuple(self._enrich_topic(t, reference, snapshot.taken_at) for t in snapshot.topics)
            groups = tuple(self._enrich_group(g, reference, snapshot.taken_at) for g in snapshot.groups)
            if snapshot.ok:
                self._forget_missing(snapshot)
            enriched = snapshot.replace(topics=topics, groups=groups)
            self._snapshots.append(enriched)
            return enriched

    def _track_end_offsets(self, snapshot: ClusterSnapshot) -> None:
        window = self.lag_settings.window
        for topic in snapshot.topics:
            for p in topic.partitions:
                if p.high_watermark is not None:
                    self._end_offsets.setdefault((p.topic, p.partition), deque(maxlen=window)).append(
                        p.high_watermark)
            if topic.error is None:
                total = topic.end_offset_total
                seen = self._growth.get(topic.name)
                if seen is None or seen[0] != total:
                    self._growth[topic.name] = (total, snapshot.taken_at)

    def _reference(self, now: float) -> ClusterSnapshot | None:
        """The oldest kept snapshot within ``rate_window`` (else the newest older one), or ``None``."""
        candidates = [s for s in self._snapshots if s.taken_at < now]
        if not candidates:
            return None
        recent = [s for s in candidates if now - s.taken_at <= self.rate_window]
        return recent[0] if recent else candidates[-1]

    def _enrich_topic(self, topic: TopicInfo, reference: ClusterSnapshot | None, now: float) -> TopicInfo:
        before = reference.topic(topic.name) if reference is not None else None
        if before is None or topic.error or before.error:
            return topic
        old = {p.partition: p.high_watermark for p in before.partitions}
        grown = sum(p.high_watermark - old[p.partition] for p in topic.partitions
                    if p.high_watermark is not None and old.get(p.partition) is not None)
        # A topic deleted and recreated under the same name starts again at 0: no negative rates.
        rate = max(grown, 0) / (now - reference.taken_at)  # type: ignore[union-attr]
        return dataclasses.replace(topic, messages_in_per_sec=rate)

    def _enrich_group(self, group: GroupInfo, reference: ClusterSnapshot | None, now: float) -> GroupInfo:
        judged = [self._judge(group.group_id, p, now) for p in group.partitions]
        verdicts = [v for _, v in judged if v is not None]
        changes: dict[str, object] = {"partitions": tuple(p for p, _ in judged)}
        if verdicts:
            result = evaluate_group(verdicts)
            changes.update(status=result.status, complete=result.complete == 1.0)
        before = reference.group(group.group_id) if reference is not None else None
        if before is not None and reference is not None:
            elapsed = now - reference.taken_at
            old = {(p.topic, p.partition): p for p in before.partitions}
            consumed = lag_change = 0
            for p in group.partitions:
                q = old.get((p.topic, p.partition))
                if q is None:
                    continue
                if p.committed_offset is not None and q.committed_offset is not None:
                    consumed += max(p.committed_offset - q.committed_offset, 0)
                if p.lag is not None and q.lag is not None:
                    lag_change += p.lag - q.lag
            changes["consume_rate"] = consumed / elapsed
            shrink = -lag_change / elapsed
            lag = group.total_lag
            changes["time_to_drain"] = 0.0 if lag == 0 else (lag / shrink if shrink > 0 else None)
        return dataclasses.replace(group, **changes)  # type: ignore[arg-type]

    def _judge(self, group_id: str, p: GroupPartition, now: float) -> tuple[GroupPartition, PartitionVerdict | None]:
        """Add this refresh to the partition's commit window and apply the lag rules to it."""
        if p.committed_offset is None:
            return p, None
        window = self._windows.get((group_id, p.topic, p.partition))
        if window is None:
            window = self._windows[(group_id, p.topic, p.partition)] = CommitWindow(self.lag_settings)
        window.observe()
        last = window.last
        # A live owner keeps committing even when its offset does not move; an owner-less partition
        # whose offset did not move had no commit.
        if last is None or last.offset != p.committed_offset or p.member_id:
            window.add(p.committed_offset, now, p.lag)
        if p.lag is None:
            return p, None
        verdict = evaluate_partition(window, p.lag, now, tuple(self._end_offsets.get((p.topic, p.partition), ())))
        return dataclasses.replace(p, status=verdict.status), verdict

    def _forget_missing(self, snapshot: ClusterSnapshot) -> None:
        live = {(g.group_id, p.topic, p.partition) for g in snapshot.groups for p in g.partitions}
        for key in [k for k in self._windows if k not in live]:
            del self._windows[key]
        partitions = {(p.topic, p.partition) for p in snapshot.partitions()}
        for key in [k for k in self._end_offsets if k not in partitions]:
            del self._end_offsets[key]
        names = {t.name for t in snapshot.topics}
        for name in [n for n in self._growth if n not in names]:
            del self._growth[name]

    # -- reading --------------------------------------------------------------------------------------

    @property
    def latest(self) -> ClusterSnapshot | None:
        """The newest enriched snapshot."""
        with self._lock:
            return self._snapshots[-1] if self._snapshots else None

    @property
    def snapshots(self) -> tuple[ClusterSnapshot, ...]:
        """All kept snapshots, oldest first."""
        with self._lock:
            return tuple(self._snapshots)

    def __len__(self) -> int:
        return len(self._snapshots)

    def __iter__(self) -> Iterator[ClusterSnapshot]:
        return iter(self.snapshots)

    def lag_series(self, group_id: str, topic: str | None = None,
                   partition: int | None = None) -> list[tuple[float, int | None]]:
        """``(taken_at, lag)`` over the kept snapshots: the group's total, one topic's, or one partition's.

        ``lag`` is ``None`` where the group was missing from a snapshot, so charts can show the gap.
        """
        series: list[tuple[float, int | None]] = []
        for snap in self.snapshots:
            group = snap.group(group_id)
            if group is None:
                series.append((snap.taken_at, None))
                continue
            parts = [p for p in group.partitions
                     if (topic is None or p.topic == topic) and (partition is None or p.partition == partition)]
            series.append((snap.taken_at, sum(p.lag or 0 for p in parts)))
        return series

    def rate_series(self, topic: str) -> list[tuple[float, float | None]]:
        """``(taken_at, messages_in_per_sec)`` of a topic over the kept snapshots."""
        out: list[tuple[float, float | None]] = []
        for snap in self.snapshots:
            t = snap.topic(topic)
            out.append((snap.taken_at, t.messages_in_per_sec if t is not None else None))
        return out

    def commit_window(self, group_id: str, topic: str, partition: int) -> CommitWindow | None:
        """The commits the lag rules judge for one group partition (oldest first), or ``None``."""
        with self._lock:
            return self._windows.get((group_id, topic, partition))

    def idle_seconds(self, topic: str, now: float | None = None) -> float | None:
        """How long the topic's end offsets have not moved, as far as this history has seen.

        Measured from the last growth seen, or from when the topic was first seen if it never grew
        (airmon cannot know what happened before it started). ``None`` for an unknown topic.
        """
        with self._lock:
            seen = self._growth.get(topic)
            if seen is None:
                return None
            if now is None:
                now = self._snapshots[-1].taken_at if self._snapshots else seen[1]
            return max(now - seen[1], 0.0)
