"""A ring buffer of refreshes and what can only be known over time.

:meth:`History.record` takes each new :class:`~airstream.monitor.model.ClusterSnapshot` and returns it enriched:

* ``TopicInfo.messages_in_per_sec`` -- growth of the topic's end offsets, per second;
* ``GroupInfo.consume_rate``, ``produce_rate``, ``time_to_drain`` and ``caught_up`` -- rates between
  the commits of each partition's window and the drain estimate made of them
  (:mod:`airstream.monitor.drain`): ``caught_up`` and ``0.0`` when the group commits what is there,
  ``None`` while the lag is not shrinking;
* ``GroupPartition.status``, ``GroupInfo.status`` and ``GroupInfo.complete`` -- Burrow's rules
  (:mod:`airstream.monitor.lag`) over a window of commits kept per group and partition.

Topic rates compare the new snapshot with the oldest refresh kept that is at most ``rate_window``
seconds older, so they are smooth over several refreshes but still follow changes. Series for charts come from
:meth:`History.lag_series` and :meth:`History.rate_series`, a partition's write rate from
:meth:`History.partition_rate`, the time a topic has been idle from :meth:`History.idle_seconds`.

Memory: only the last few full snapshots are kept (``keep_snapshots``). For the ``capacity`` refreshes
of the ring, each refresh is kept as a compact *frame* of offset arrays (8 bytes per partition and per
group partition), so a dashboard on 2,000 partitions and 100 groups keeps two hours of history in a
few tens of megabytes instead of gigabytes of snapshot objects.

Example::

    >>> from airstream.monitor.model import ClusterSnapshot, GroupInfo, GroupPartition, PartitionInfo, TopicInfo
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
from array import array
from collections import deque
from dataclasses import dataclass
from typing import TypedDict

from airstream.monitor.drain import PartitionDrain, estimate_drain
from airstream.monitor.lag import (
    CommitWindow,
    EndOffset,
    LagSettings,
    PartitionVerdict,
    evaluate_group,
    evaluate_partition,
)
from airstream.monitor.model import BrokerMemory, ClusterSnapshot, GroupInfo, GroupPartition, LagStatus, TopicInfo

__all__ = ["History"]

_Key = tuple[str, str, int]  # group, topic, partition
_UNKNOWN = -1  # an offset or lag that was None, inside the compact arrays


class _GroupChanges(TypedDict, total=False):
    """What a refresh fills in on a :class:`GroupInfo` (keyword arguments of ``dataclasses.replace``)."""

    partitions: tuple[GroupPartition, ...]
    status: LagStatus | None
    complete: bool
    consume_rate: float | None
    produce_rate: float | None
    time_to_drain: float | None
    caught_up: bool


def _pack(values: list[int | None]) -> array[int]:
    return array("q", [_UNKNOWN if v is None else v for v in values])


def _unpack(value: int) -> int | None:
    return None if value == _UNKNOWN else value


@dataclass(slots=True)
class _GroupFrame:
    """A group at one refresh: its (topic, partition) keys and, aligned with them, committed offsets and lags."""

    keys: tuple[tuple[str, int], ...]
    committed: array[int]
    lags: array[int]

    def by_key(self) -> dict[tuple[str, int], tuple[int | None, int | None]]:
        return {k: (_unpack(c), _unpack(lag)) for k, c, lag in zip(self.keys, self.committed, self.lags, strict=True)}


@dataclass(slots=True)
class _Frame:
    """One refresh, compactly: end offsets per topic (indexed by partition), topic rates and groups."""

    taken_at: float
    ends: dict[str, array[int]]
    rates: dict[str, float | None]
    groups: dict[str, _GroupFrame]


class History:
    """The last ``capacity`` refreshes (as compact frames), commit windows per group partition, rates.

    ``lag`` sets the Burrow evaluation (window size, min distance, minimum complete, allowed lag);
    ``rate_window`` how far back (seconds) rates look; ``keep_snapshots`` how many full enriched
    snapshots stay available in :attr:`snapshots`. ``record`` is meant to be called from one refresh
    worker; readers on other threads get consistent copies.
    """

    def __init__(self, capacity: int = 120, lag: LagSettings | None = None, rate_window: float = 60.0,
                 keep_snapshots: int = 3) -> None:
        if capacity < 2:
            raise ValueError(f"History needs room for at least 2 refreshes to compute rates, got capacity={capacity}")
        self.capacity = capacity
        self.lag_settings = lag or LagSettings()
        self.rate_window = rate_window
        self._frames: deque[_Frame] = deque(maxlen=capacity)
        self._snapshots: deque[ClusterSnapshot] = deque(maxlen=max(keep_snapshots, 1))
        self._windows: dict[_Key, CommitWindow] = {}
        self._end_offsets: dict[tuple[str, int], deque[EndOffset]] = {}
        self._growth: dict[str, tuple[int, float]] = {}  # topic -> (end offset total, when it last changed)
        self._brokers = BrokerMemory()
        self._lock = threading.Lock()

    # -- recording ------------------------------------------------------------------------------------

    def record(self, snapshot: ClusterSnapshot) -> ClusterSnapshot:
        """Keep ``snapshot`` and return a copy with rates, time to drain and lag statuses filled in."""
        with self._lock:
            now = snapshot.taken_at
            self._track_end_offsets(snapshot)
            reference = self._reference(now)
            ends = {t.name: self._ends(t) for t in snapshot.topics if not t.error}
            topics = tuple(self._enrich_topic(t, ends.get(t.name), reference, now) for t in snapshot.topics)
            groups = tuple(self._enrich_group(g, now) for g in snapshot.groups)
            if snapshot.ok:
                self._forget_missing(snapshot)
            enriched = snapshot.replace(topics=topics, groups=groups, down_brokers=self._brokers.down(snapshot))
            self._frames.append(_Frame(now, ends, {t.name: t.messages_in_per_sec for t in topics},
                                       {g.group_id: self._group_frame(g) for g in groups}))
            self._snapshots.append(enriched)
            return enriched

    @staticmethod
    def _ends(topic: TopicInfo) -> array[int]:
        """High watermarks indexed by partition number."""
        ends: list[int | None] = [None] * (max((p.partition for p in topic.partitions), default=-1) + 1)
        for p in topic.partitions:
            ends[p.partition] = p.high_watermark
        return _pack(ends)

    def _group_frame(self, group: GroupInfo) -> _GroupFrame:
        keys = tuple((p.topic, p.partition) for p in group.partitions)
        previous = self._frames[-2].groups.get(group.group_id) if len(self._frames) > 1 else None
        if previous is not None and previous.keys == keys:
            keys = previous.keys  # the same partitions as last time: share the tuple
        return _GroupFrame(keys, _pack([p.committed_offset for p in group.partitions]),
                           _pack([p.lag for p in group.partitions]))

    def _track_end_offsets(self, snapshot: ClusterSnapshot) -> None:
        window = self.lag_settings.window
        for topic in snapshot.topics:
            for p in topic.partitions:
                if p.high_watermark is not None:
                    self._end_offsets.setdefault((p.topic, p.partition), deque(maxlen=window)).append(
                        (snapshot.taken_at, p.high_watermark))
            if topic.error is None:
                total = topic.end_offset_total
                seen = self._growth.get(topic.name)
                if seen is None or seen[0] != total:
                    self._growth[topic.name] = (total, snapshot.taken_at)

    def _reference(self, now: float) -> _Frame | None:
        """The oldest kept frame within ``rate_window`` (else the newest older one), or ``None``."""
        older = [f for f in self._frames if f.taken_at < now]
        if not older:
            return None
        return next((f for f in older if now - f.taken_at <= self.rate_window), older[-1])

    @staticmethod
    def _grown(new: array[int], old: array[int]) -> int:
        # Partitions added since `old` have no earlier offset to compare with.
        return sum(n - o for n, o in zip(new, old, strict=False) if n != _UNKNOWN and o != _UNKNOWN)

    def _enrich_topic(self, topic: TopicInfo, ends: array[int] | None, reference: _Frame | None,
                      now: float) -> TopicInfo:
        old = reference.ends.get(topic.name) if reference is not None else None
        if ends is None or old is None or reference is None:
            return topic
        # A topic deleted and recreated under the same name starts again at 0: no negative rates.
        rate = max(self._grown(ends, old), 0) / (now - reference.taken_at)
        return dataclasses.replace(topic, messages_in_per_sec=rate)

    def _enrich_group(self, group: GroupInfo, now: float) -> GroupInfo:
        judged = [self._judge(group.group_id, p, now) for p in group.partitions]
        verdicts = [v for _, v in judged if v is not None]
        changes: _GroupChanges = {"partitions": tuple(p for p, _ in judged)}
        if verdicts:
            result = evaluate_group(verdicts)
            changes["status"] = result.status
            changes["complete"] = result.complete == 1.0
        windows = [(p, self._windows.get((group.group_id, p.topic, p.partition))) for p, _ in judged]
        drain = estimate_drain([PartitionDrain(p.lag, w.points, p.status) for p, w in windows
                                if p.lag is not None and w is not None], self.lag_settings.allowed_lag)
        changes["consume_rate"] = drain.consume_rate
        changes["produce_rate"] = drain.produce_rate
        changes["time_to_drain"] = drain.seconds
        changes["caught_up"] = drain.caught_up
        return dataclasses.replace(group, **changes)

    def _judge(self, group_id: str, p: GroupPartition, now: float) -> tuple[GroupPartition, PartitionVerdict | None]:
        """Add the partition's new commits to its window and apply the lag rules to it."""
        if p.committed_offset is None:
            return p, None
        window = self._windows.get((group_id, p.topic, p.partition))
        if window is None:
            window = self._windows[(group_id, p.topic, p.partition)] = CommitWindow(self.lag_settings)
        last = window.last
        if p.commits:
            # Commits read from the commit log come again at each refresh; only newer ones are added.
            # (A commit merged into an older point by min_distance may come again: merging it twice
            # gives the same point.)
            for commit in p.commits:
                if last is None or commit.timestamp > last.timestamp:
                    window.add(commit.offset, commit.timestamp, commit.lag)
        elif last is None or last.offset != p.committed_offset:
            # Polling sees the committed offset, not the commits: a re-commit of the same offset is
            # invisible, so only a moved offset counts as a commit, stamped when it was first seen.
            window.add(p.committed_offset, now, p.lag)
        if p.lag is None:
            return p, None
        ends = sorted((*self._end_offsets.get((p.topic, p.partition), ()), *p.log_ends))
        verdict = evaluate_partition(window, p.lag, now, ends, owned=bool(p.member_id))
        # Built directly: dataclasses.replace costs several times more, and this runs per group partition.
        judged = GroupPartition(p.topic, p.partition, p.committed_offset, p.end_offset, p.member_id, p.client_id,
                                p.host, verdict.status, p.time_lag, p.commits, p.log_ends)
        return judged, verdict

    def _forget_missing(self, snapshot: ClusterSnapshot) -> None:
        live = {(g.group_id, p.topic, p.partition) for g in snapshot.groups for p in g.partitions}
        for key in [k for k in self._windows if k not in live]:
            del self._windows[key]
        partitions = {(p.topic, p.partition) for p in snapshot.partitions()}
        for tp in [k for k in self._end_offsets if k not in partitions]:
            del self._end_offsets[tp]
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
        """The last ``keep_snapshots`` enriched snapshots, oldest first (series come from the methods)."""
        with self._lock:
            return tuple(self._snapshots)

    def __len__(self) -> int:
        """Refreshes kept (up to ``capacity``)."""
        return len(self._frames)

    def _frames_copy(self) -> tuple[_Frame, ...]:
        with self._lock:
            return tuple(self._frames)

    def lag_series(self, group_id: str, topic: str | None = None,
                   partition: int | None = None) -> list[tuple[float, int | None]]:
        """``(taken_at, lag)`` over the kept refreshes: the group's total, one topic's, or one partition's.

        ``lag`` is ``None`` where the group was missing from a refresh, so charts can show the gap.
        """
        series: list[tuple[float, int | None]] = []
        for frame in self._frames_copy():
            group = frame.groups.get(group_id)
            if group is None:
                series.append((frame.taken_at, None))
                continue
            total = 0
            for (t, p), lag in zip(group.keys, group.lags, strict=True):
                if (topic is None or t == topic) and (partition is None or p == partition) and lag != _UNKNOWN:
                    total += lag
            series.append((frame.taken_at, total))
        return series

    def rate_series(self, topic: str) -> list[tuple[float, float | None]]:
        """``(taken_at, messages_in_per_sec)`` of a topic over the kept refreshes."""
        return [(f.taken_at, f.rates.get(topic)) for f in self._frames_copy()]

    def partition_rate(self, topic: str, partition: int) -> float | None:
        """Records per second written to one partition over the rate window; ``None`` if unknown."""
        frames = self._frames_copy()
        if len(frames) < 2:
            return None
        latest = frames[-1]
        reference = next((f for f in frames[:-1] if latest.taken_at - f.taken_at <= self.rate_window), frames[-2])
        new, old = latest.ends.get(topic), reference.ends.get(topic)
        if new is None or old is None or partition >= min(len(new), len(old)):
            return None
        if _UNKNOWN in (new[partition], old[partition]) or latest.taken_at <= reference.taken_at:
            return None
        return max(new[partition] - old[partition], 0) / (latest.taken_at - reference.taken_at)

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
                now = self._frames[-1].taken_at if self._frames else seen[1]
            return max(now - seen[1], 0.0)
