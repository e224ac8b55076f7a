"""Commits from the commit log, with the lag each one had, attached to a snapshot's groups.

Burrow judges a consumer by the lag it had at each commit. :class:`CommitAttacher` takes the groups of
a refresh and gives every partition whose commits :class:`~airstream.monitor.commit_log.CommitLog`
has read its recent :class:`~airstream.monitor.model.CommitPoint` s, the lag at each (the log end
offset at that moment minus the committed offset), and the log end offsets it looked up
(``GroupPartition.log_ends``), so :mod:`airstream.monitor.lag` can judge a group from one refresh.

The log end offset at a past moment comes from the high watermarks of earlier refreshes when the
moment falls between two of them (linear in between), and otherwise from ``list_offsets`` by
timestamp (the first offset written at or after it, which is where the log ended then), asked once
per commit and remembered. For a partition that lags and whose last commit is older than
``stop_after``, the log end at ``now - stop_after`` is looked up as well: it says whether the log had
already moved past the commit then (STOP on evidence, see :mod:`airstream.monitor.lag`).

The log is read after the committed offsets were listed, so once it is read to its end it holds every
commit up to them and maybe newer ones. Until then (a first read of a large log takes several
refreshes), a partition whose last commit read is not the committed offset the admin API returned
stays with polling, and so does its group for that refresh (``GroupInfo.lag_source``).
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from confluent_kafka import TopicPartition
from confluent_kafka.admin import OffsetSpec

from airstream.monitor.commit_log import CommitLog, LoggedCommit
from airstream.monitor.model import (
    LAG_FROM_COMMIT_LOG,
    LAG_FROM_POLLING,
    CommitPoint,
    EndOffset,
    GroupInfo,
    GroupPartition,
)

__all__ = ["CommitAttacher", "end_offset_at"]

_TP = tuple[str, int]
_MAX_LOOKUP_ROUNDS = 32  # one list_offsets request per round; later commits go without a lag


def end_offset_at(samples: list[EndOffset], moment: float) -> int | None:
    """The log end offset at ``moment``, interpolated between two samples (oldest first) that
    surround it, or ``None`` outside them.

    >>> end_offset_at([(10.0, 100), (20.0, 300)], 15.0), end_offset_at([(10.0, 100), (20.0, 300)], 25.0)
    (200, None)
    """
    times = [t for t, _ in samples]
    i = bisect.bisect_left(times, moment)
    if i < len(samples) and times[i] == moment:
        return samples[i][1]
    if i == 0 or i == len(samples):
        return None
    (t0, e0), (t1, e1) = samples[i - 1], samples[i]
    return int(e0 + (e1 - e0) * (moment - t0) / (t1 - t0))


class CommitAttacher:
    """Attaches commits read from ``commit_log`` and their lags to each refresh's groups.

    ``list_offsets`` is the admin client's method (``AdminClient.list_offsets``); ``stop_after`` the
    lag settings' (seconds). ``samples`` high watermarks per partition are kept from refreshes.
    """

    def __init__(self, commit_log: CommitLog, list_offsets: Callable[..., dict[TopicPartition, Future[Any]]], *,
                 stop_after: float = 300.0, samples: int = 30, timeout: float = 10.0) -> None:
        self.commit_log = commit_log
        self._list_offsets = list_offsets
        self.stop_after = stop_after
        self.timeout = timeout
        self._samples: dict[_TP, deque[EndOffset]] = {}
        self._sample_count = samples
        self._looked_up: dict[tuple[str, int, float], int] = {}

    def attach(self, groups: tuple[GroupInfo, ...], high: Mapping[_TP, int | str],
               now: float) -> tuple[GroupInfo, ...]:
        """The groups with commits, lags at commit and looked-up log ends on their partitions."""
        for tp, end in high.items():
            if isinstance(end, int):
                self._samples.setdefault(tp, deque(maxlen=self._sample_count)).append((now, end))
        for tp in [tp for tp in self._samples if tp not in high]:  # deleted topics
            del self._samples[tp]
        logged = {(g.group_id, p.topic, p.partition): self.commit_log.commits(g.group_id, p.topic, p.partition)
                  for g in groups for p in g.partitions if p.committed_offset is not None}
        moments = self._moments(groups, logged, high, now)
        known = self._lookup(moments, high)
        attached = []
        for g in groups:
            partitions, from_log = [], True
            for p in g.partitions:
                commits = logged.get((g.group_id, p.topic, p.partition))
                if p.committed_offset is None:
                    partitions.append(p)
                elif commits and (self.commit_log.caught_up or commits[-1].offset == p.committed_offset):
                    partitions.append(self._with_commits(p, commits, known, now))
                elif not commits and self._log_read_whole:
                    partitions.append(self._with_commits(
                        p, (LoggedCommit(p.committed_offset, self._log_start()),), known, now))
                else:
                    partitions.append(p)
                    from_log = False
            source = LAG_FROM_COMMIT_LOG if from_log and g.partitions else LAG_FROM_POLLING
            attached.append(dataclasses.replace(g, partitions=tuple(partitions), lag_source=source))
        self._looked_up = known
        self.commit_log.forget(g.group_id for g in groups)
        return tuple(attached)

    def _log_start(self) -> float:
        return self.commit_log.started_at or 0.0

    @property
    def _log_read_whole(self) -> bool:
        """The log was read to its end: a partition without commits read last committed before the read."""
        return self.commit_log.caught_up and self.commit_log.started_at is not None

    def _horizon(self, p: GroupPartition, commits: tuple[LoggedCommit, ...], now: float) -> float | None:
        """``now - stop_after`` if the partition lags and its last commit is older than that."""
        moment = now - self.stop_after
        return moment if p.lag and commits[-1].timestamp <= moment else None

    def _moments(self, groups: tuple[GroupInfo, ...], logged: Mapping[tuple[str, str, int], tuple[LoggedCommit, ...]],
                 high: Mapping[_TP, int | str], now: float) -> set[tuple[str, int, float]]:
        """The (topic, partition, moment) whose log end is needed and not known from samples."""
        wanted: set[tuple[str, int, float]] = set()
        for g in groups:
            for p in g.partitions:
                commits = logged.get((g.group_id, p.topic, p.partition)) or (
                    (LoggedCommit(p.committed_offset, self._log_start()),)
                    if p.committed_offset is not None and self._log_read_whole else ())
                if not commits:
                    continue
                samples = list(self._samples.get((p.topic, p.partition), ()))
                moments = [c.timestamp for c in commits]
                horizon = self._horizon(p, commits, now)
                if horizon is not None:
                    moments.append(horizon)
                for moment in moments:
                    if end_offset_at(samples, moment) is None and moment < now:
                        wanted.add((p.topic, p.partition, moment))
        return wanted

    def _lookup(self, moments: set[tuple[str, int, float]], high: Mapping[_TP, int | str]) -> dict[
            tuple[str, int, float], int]:
        """Log ends at past moments: remembered, or asked with ``list_offsets`` by timestamp in rounds
        of one moment per partition."""
        known = {k: v for k, v in self._looked_up.items() if k in moments}
        queue: dict[_TP, list[float]] = {}
        for topic, partition, moment in sorted(moments - known.keys(), key=lambda m: -m[2]):
            queue.setdefault((topic, partition), []).append(moment)
        for _ in range(_MAX_LOOKUP_ROUNDS):
            batch = {tp: moments_left.pop() for tp, moments_left in queue.items() if moments_left}
            if not batch:
                break
            specs = {TopicPartition(t, p): OffsetSpec.for_timestamp(int(m * 1000)) for (t, p), m in batch.items()}
            futures = self._list_offsets(specs, request_timeout=self.timeout)
            for tp, future in futures.items():
                moment = batch[(tp.topic, tp.partition)]
                try:
                    offset = future.result().offset
                except Exception:  # the lag at that commit stays unknown; the offset rules still apply
                    continue
                end = high.get((tp.topic, tp.partition))
                if offset < 0:  # nothing written since that moment: the log ended where it ends now
                    if not isinstance(end, int):
                        continue
                    offset = end
                known[(tp.topic, tp.partition, moment)] = offset
        return known

    def _end_at(self, tp: _TP, moment: float, known: Mapping[tuple[str, int, float], int]) -> int | None:
        return end_offset_at(list(self._samples.get(tp, ())), moment) if (tp[0], tp[1], moment) not in known \
            else known[(tp[0], tp[1], moment)]

    def _with_commits(self, p: GroupPartition, commits: tuple[LoggedCommit, ...],
                      known: Mapping[tuple[str, int, float], int], now: float) -> GroupPartition:
        tp = (p.topic, p.partition)
        points, ends = [], []
        for c in commits:
            end = self._end_at(tp, c.timestamp, known)
            if end is None and c.timestamp >= now and p.end_offset is not None:
                end = p.end_offset  # committed after the offsets of this refresh were listed
            points.append(CommitPoint(c.offset, c.timestamp, None if end is None else max(end - c.offset, 0)))
            if end is not None:
                ends.append((c.timestamp, end))
        horizon = self._horizon(p, commits, now)
        if horizon is not None and (end := self._end_at(tp, horizon, known)) is not None:
            ends.append((horizon, end))
        return dataclasses.replace(p, commits=tuple(points), log_ends=tuple(sorted(ends)))
