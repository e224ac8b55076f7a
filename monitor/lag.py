"""Consumer lag status: Burrow's rules, and ours where Burrow's users report wrong verdicts.

A consumer is judged on a *window* of its recent commits on each partition (offset, commit time and
the lag at that moment), as in LinkedIn's Burrow (``core/internal/evaluator/caching.go``, 1.3.7 and
later). With ``lag`` the partition's current lag, :func:`burrow_status` applies Burrow's rules in
its order:

1. ``lag`` is zero (at most ``allowed_lag``): **OK**, whatever the history says.
2. The newest commit is older than the span of the window (now - last > last - first) and no
   recent log end offset was at or below the last commit: **STOP** -- the consumer stopped committing.
3. A committed offset went backwards and has not come back to where it was: **REWIND**.
4. The lag was zero somewhere in the window: **OK** -- the consumer caught up recently.
5. Every commit in the window has the same offset: **STALL** -- alive, but not moving.
6. The lag never decreased from one commit to the next: **WARN** -- the consumer is falling behind.
7. Otherwise **OK**.

:func:`partition_status` is what airmon reports. It adds to Burrow's rules:

* **UNKNOWN** instead of OK while the window holds too few commits to judge (below
  ``minimum_complete`` of ``window``): a verdict is never OK for lack of evidence.
* **STOP on evidence** (Burrow issue #303): the log end offset was already past the last commit
  ``stop_after`` ago or earlier -- there was something to consume for that long -- and no commit has
  come since. This finds a stopped consumer on a quiet topic without waiting for a window of old
  commits to age, and judges a group seen once (a cron job) from its last commit alone.
  ``stop_after`` is at least three of the consumer's usual gaps between commits while it had work
  to do (commits with lag), so a consumer that commits every few minutes is not called stopped
  between two commits; gaps ending in a caught-up commit say when data came, not how often the
  consumer commits.
* **A minimum span** (Burrow issue #237): rule 2 compares the time since the last commit with the
  window's span, but never less than ``min_span``; a consumer committing after every record fills its
  window in milliseconds and would otherwise be STOP a moment after its last commit.
* **REWIND on evidence**: an offset that went back and has not come back is REWIND even while the
  window holds too few commits for the other rules; and a commit within ``min_distance`` of the
  previous one replaces it only if it did not go back, so a reset soon after a commit is not lost.
* **STALL for a live member**: a consumer that stopped committing while a group member still owns
  the partition is alive but not moving (paused, or stuck in its processing): STALL, not STOP.
* **WARN only for a lag beyond what the consumer holds** (Burrow issue #223): a consumer that commits
  every 30 s has at each commit a lag of what arrived since its last fetch, a few records that
  rise and fall at random; a window in which they happen never to fall is not a consumer falling
  behind. Burrow's WARN stands only when no commit in the window had a lag within
  :data:`~airstream.monitor.drain.CAUGHT_UP_SECONDS` of input (at the window's produce rate), the
  bound under which the drain estimate calls a consumer caught up. And it needs two commits whose
  lag is known (the log end at their time was found): with fewer, Burrow's rules read a window of
  unknown lags as never decreasing, which says nothing: UNKNOWN.

A consumer that commits only when it consumes, on a topic quiet for hours, has no lag and stays OK.

Example::

    >>> w = CommitWindow(LagSettings(window=3, min_distance=0))
    >>> for t, offset, lag in [(10, 100, 5), (20, 100, 9), (30, 100, 14)]:
    ...     w.add(offset, t, lag)
    >>> evaluate_partition(w, current_lag=14, now=35, end_offsets=[(34, 114)]).status
    <LagStatus.STALL: 'STALL'>
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from airstream.monitor.drain import caught_up_lag, window_rates
from airstream.monitor.model import CommitPoint, EndOffset, LagStatus

__all__ = [
    "CommitPoint",
    "CommitWindow",
    "EndOffset",
    "GroupVerdict",
    "LagSettings",
    "PartitionVerdict",
    "burrow_status",
    "evaluate_group",
    "evaluate_partition",
    "lag_always_nonzero",
    "lag_not_decreasing",
    "lag_within_input",
    "offsets_stalled",
    "offsets_stopped",
    "partition_status",
    "recent_lag_zero",
    "rewind_index",
    "rewind_recovered",
    "stop_after",
    "stopped_on_evidence",
]

@dataclass(frozen=True, slots=True)
class LagSettings:
    """Knobs of the evaluation.

    ``window``: commits kept per partition (Burrow's ``intervals``). ``min_distance``: seconds under
    which a new commit replaces the previous one. ``minimum_complete``: the fraction of the window that
    must be filled before a partition is judged (below it: UNKNOWN). ``allowed_lag``: a lag this
    small counts as caught up (0 is Burrow's behaviour). ``min_span``: the least span of time a
    window counts for in Burrow's stop rule. ``stop_after``: how long the log may have been past the
    last commit, with no commit since, before the consumer is STOP on evidence.
    """

    window: int = 10
    min_distance: float = 1.0
    minimum_complete: float = 0.5
    allowed_lag: int = 0
    min_span: float = 60.0
    stop_after: float = 300.0

    def __post_init__(self) -> None:
        for name in ("min_distance", "minimum_complete", "min_span", "stop_after"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number, got {getattr(self, name)}")
        if self.window < 1:
            raise ValueError(f"lag window must hold at least 1 commit, got window={self.window}")
        if self.min_distance < 0:
            raise ValueError(f"min_distance must be >= 0 seconds, got {self.min_distance}")
        if not 0.0 <= self.minimum_complete <= 1.0:
            raise ValueError(f"minimum_complete is a fraction between 0 and 1, got {self.minimum_complete}")
        if self.allowed_lag < 0:
            raise ValueError(f"allowed_lag must be >= 0, got {self.allowed_lag}")
        if self.min_span < 0 or self.stop_after <= 0:
            raise ValueError(f"min_span must be >= 0 and stop_after > 0 seconds, got min_span={self.min_span}, "
                             f"stop_after={self.stop_after}")


class CommitWindow:
    """The last ``settings.window`` commits of a group on one partition (Burrow's offset ring)."""

    __slots__ = ("_points", "settings")

    def __init__(self, settings: LagSettings | None = None, points: Iterable[CommitPoint] = ()) -> None:
        self.settings = settings or LagSettings()
        self._points: deque[CommitPoint] = deque(points, maxlen=self.settings.window)

    def add(self, offset: int, timestamp: float, lag: int | None) -> None:
        """Record a commit; one within ``min_distance`` of the previous replaces it, keeping its time,
        unless it went backwards (a rewind is kept, whatever its distance).

        Keeping the older timestamp matters: a consumer committing faster than ``min_distance``
        would otherwise never add a second point.
        """
        last = self._points[-1] if self._points else None
        if last is not None and timestamp - last.timestamp < self.settings.min_distance and offset >= last.offset:
            self._points.pop()
            timestamp = last.timestamp
        self._points.append(CommitPoint(offset, timestamp, lag))

    @property
    def points(self) -> tuple[CommitPoint, ...]:
        """Oldest first."""
        return tuple(self._points)

    @property
    def complete(self) -> float:
        """Filled fraction of the window, 0.0 to 1.0."""
        return len(self._points) / self.settings.window

    @property
    def last(self) -> CommitPoint | None:
        """The newest commit."""
        return self._points[-1] if self._points else None

    def __len__(self) -> int:
        return len(self._points)

    def __repr__(self) -> str:
        return f"CommitWindow({len(self._points)}/{self.settings.window} commits)"


# -- Burrow's rules, one function each (named after Burrow's checks) ---------------------------------------
def lag_always_nonzero(points: Sequence[CommitPoint], allowed_lag: int = 0) -> bool:
    """No commit in the window had (allowed) zero lag (Burrow's ``isLagAlwaysNotZero``)."""
    return not any(p.lag is not None and p.lag <= allowed_lag for p in points)


def rewind_index(points: Sequence[CommitPoint]) -> int:
    """The index of the first commit lower than the one before it, ``-1`` if none (``checkIfOffsetsRewind``)."""
    return next((i for i, (a, b) in enumerate(itertools.pairwise(points), 1) if b.offset < a.offset), -1)


def rewind_recovered(points: Sequence[CommitPoint], index: int) -> bool:
    """Whether a later commit came back to where the consumer was before the rewind at ``index``
    (``checkIfRewindRecovered``)."""
    before = points[index - 1].offset
    return any(p.offset >= before for p in points[index:])


def offsets_stopped(points: Sequence[CommitPoint], now: float, min_span: float = 0.0) -> bool:
    """The time since the last commit exceeds the time the window spans, or ``min_span`` if that is more
    (``checkIfOffsetsStopped``; Burrow has no minimum)."""
    first, last = points[0].timestamp, points[-1].timestamp
    return now - last > max(last - first, min_span)


def offsets_stalled(points: Sequence[CommitPoint]) -> bool:
    """Every commit in the window has the same offset (``checkIfOffsetsStalled``)."""
    return all(p.offset == points[0].offset for p in points)


def lag_not_decreasing(points: Sequence[CommitPoint]) -> bool:
    """The lag never went down from one known value to the next (``checkIfLagNotDecreasing``)."""
    previous: int | None = None
    for p in points:
        if p.lag is None:
            continue
        if previous is not None and p.lag < previous:
            return False
        previous = p.lag
    return True


def recent_lag_zero(points: Sequence[CommitPoint], broker_offsets: Sequence[int]) -> bool:
    """A recent log end offset was at or below the last commit: the consumer was caught up lately
    (``checkIfRecentLagZero``), which holds off STOP for a consumer that only now sees new data."""
    last = points[-1].offset
    return any(end <= last for end in broker_offsets)


def burrow_status(points: Sequence[CommitPoint], broker_offsets: Sequence[int], current_lag: int, now: float,
                  allowed_lag: int = 0, min_span: float = 0.0) -> LagStatus:
    """Burrow's ``calculatePartitionStatus`` on a non-empty window (see the module docstring)."""
    if current_lag <= allowed_lag:
        return LagStatus.OK
    if offsets_stopped(points, now, min_span) and not recent_lag_zero(points, broker_offsets):
        return LagStatus.STOP
    index = rewind_index(points)
    if index > 0 and not rewind_recovered(points, index):
        return LagStatus.REWIND
    if lag_always_nonzero(points, allowed_lag):
        if offsets_stalled(points):
            return LagStatus.STALL
        if lag_not_decreasing(points):
            return LagStatus.WARN
    return LagStatus.OK


# -- airmon's verdict --------------------------------------------------------------------------------------
def lag_within_input(points: Sequence[CommitPoint], allowed_lag: int = 0) -> bool:
    """Some commit in the window had a lag of at most what arrives in
    :data:`~airstream.monitor.drain.CAUGHT_UP_SECONDS` at the window's produce rate (or ``allowed_lag``):
    the consumer commits what is there, and its lag at commit is what it holds, not a backlog.

    >>> steady = [CommitPoint(600 * i, 30.0 * i, lag) for i, lag in enumerate([1, 2, 2, 3, 3])]  # 20/s in
    >>> behind = [CommitPoint(300 * i, 30.0 * i, 300 * (i + 1)) for i in range(5)]  # 20/s in, 10/s out
    >>> lag_within_input(steady), lag_within_input(behind)
    (True, False)
    """
    rates = window_rates(points)
    if rates is None:
        return False
    limit = caught_up_lag(rates[1], allowed_lag)
    return any(p.lag is not None and p.lag <= limit for p in points)


def stop_after(points: Sequence[CommitPoint], settings: LagSettings) -> float:
    """How long the log may be past the last commit, with no commit since, before STOP on evidence:
    ``settings.stop_after``, or three of the consumer's usual gaps between commits while it had work
    to do (gaps ending in a commit with lag, or of unknown lag), if that is longer.

    >>> busy = [CommitPoint(1, 0, 5), CommitPoint(2, 200, 5), CommitPoint(3, 400, 5)]
    >>> stop_after(busy, LagSettings()), stop_after([CommitPoint(1, 0, 0), CommitPoint(2, 3600, 0)], LagSettings())
    (600.0, 300.0)
    """
    gaps = [b.timestamp - a.timestamp for a, b in itertools.pairwise(points) if b.lag is None or b.lag > 0]
    return max(settings.stop_after, 3 * statistics.median(gaps)) if gaps else settings.stop_after


def stopped_on_evidence(points: Sequence[CommitPoint], end_offsets: Sequence[EndOffset], now: float,
                        settings: LagSettings) -> bool:
    """The log end was past the last commit at a moment at least ``stop_after`` ago, and no commit
    has come since that moment."""
    last = points[-1]
    limit = now - stop_after(points, settings)
    return any(seen <= limit and end - settings.allowed_lag > last.offset and last.timestamp <= seen
               for seen, end in end_offsets)


def partition_status(points: Sequence[CommitPoint], end_offsets: Sequence[EndOffset], current_lag: int,
                     now: float, settings: LagSettings, complete: float = 1.0, owned: bool | None = None) -> LagStatus:
    """airmon's verdict on a partition (see the module docstring).

    ``end_offsets``: recent log end offsets with their times, oldest first. ``complete``: how full the
    window is (0.0 to 1.0). ``owned``: whether a live group member owns the partition (``None``:
    not known).
    """
    stopped = LagStatus.STALL if owned else LagStatus.STOP
    if current_lag <= settings.allowed_lag:
        return LagStatus.OK
    if not points:
        return LagStatus.UNKNOWN
    if stopped_on_evidence(points, end_offsets, now, settings):
        return stopped
    if complete < settings.minimum_complete:
        index = rewind_index(points)
        return LagStatus.REWIND if index > 0 and not rewind_recovered(points, index) else LagStatus.UNKNOWN
    status = burrow_status(points, [end for _, end in end_offsets], current_lag, now, settings.allowed_lag,
                           settings.min_span)
    if status is LagStatus.WARN:
        if sum(p.lag is not None for p in points) < 2:
            return LagStatus.UNKNOWN  # the offsets move; whether the lag grows cannot be told
        if lag_within_input(points, settings.allowed_lag):
            return LagStatus.OK
    return stopped if status is LagStatus.STOP else status


@dataclass(frozen=True, slots=True)
class PartitionVerdict:
    """A partition's status, how complete its window was, and the window's first and last commits."""

    status: LagStatus
    complete: float
    current_lag: int
    start: CommitPoint | None = None
    end: CommitPoint | None = None


def evaluate_partition(window: CommitWindow, current_lag: int, now: float,
                       end_offsets: Sequence[EndOffset] = (), owned: bool | None = None) -> PartitionVerdict:
    """Judge one partition with :func:`partition_status`.

    ``end_offsets`` are the partition's recent log end offsets with their times (oldest first);
    ``owned`` whether a live member owns the partition.
    """
    points = window.points
    status = partition_status(points, end_offsets, current_lag, now, window.settings, window.complete, owned)
    if not points:
        return PartitionVerdict(status, 0.0, current_lag)
    return PartitionVerdict(status, window.complete, current_lag, points[0], points[-1])


@dataclass(frozen=True, slots=True)
class GroupVerdict:
    """A group's status (worst partition, STOP/STALL/REWIND shown as ERR) and completeness (0.0-1.0)."""

    status: LagStatus
    complete: float
    total_lag: int


def evaluate_group(verdicts: Iterable[PartitionVerdict]) -> GroupVerdict:
    """Combine partition verdicts as Burrow does; a group with a partition it cannot judge and none
    worse is UNKNOWN, not OK.

    >>> evaluate_group([PartitionVerdict(LagStatus.WARN, 1.0, 5), PartitionVerdict(LagStatus.STALL, 0.5, 7)])
    GroupVerdict(status=<LagStatus.ERR: 'ERR'>, complete=0.5, total_lag=12)
    >>> evaluate_group([PartitionVerdict(LagStatus.OK, 1.0, 0), PartitionVerdict(LagStatus.UNKNOWN, 0.2, 3)]).status
    <LagStatus.UNKNOWN: 'UNKNOWN'>
    """
    status = LagStatus.OK
    count = complete = total = 0
    for v in verdicts:
        count += 1
        total += v.current_lag
        complete += v.complete == 1.0
        if v.status.rank > status.rank:
            status = LagStatus.ERR if v.status.is_error else v.status
    return GroupVerdict(status, complete / count if count else 0.0, total)
