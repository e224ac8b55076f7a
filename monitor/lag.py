"""Consumer lag status with Burrow's evaluation rules.

A consumer is judged on a *window* of its recent commits on each partition (offset, when, and the lag
at that moment), as in LinkedIn's Burrow (``core/internal/evaluator/caching.go``). With ``lag`` the
partition's current lag, the rules are, in this order:

1. ``lag`` is zero (at most ``allowed_lag``): **OK**, whatever the history says.
2. The newest commit is older than the span of the window (now - last > last - first) and the
   partition's log end offset was not at or below the last commit recently: **STOP** -- the consumer
   stopped committing.
3. The lag was zero somewhere in the window: **OK** -- the consumer caught up recently.
4. A committed offset went backwards: **REWIND**.
5. Every commit in the window has the same offset: **STALL** -- alive, but not moving.
6. The lag never decreased from one commit to the next: **WARN** -- the consumer is falling behind.
7. Otherwise **OK**.

A window with fewer commits than ``window`` is *incomplete*; below ``minimum_complete`` (a fraction)
the partition is reported OK, because there is not enough history to say more. A group takes its
worst partition's status, where STOP, STALL and REWIND count as **ERR**.

airmon polls instead of reading ``__consumer_offsets`` as Burrow does, so a "commit" here is an
observation of a partition's committed offset at a refresh: recorded when the offset changed, or when
a live group member owns the partition (a running consumer keeps committing; that is how a stalled
consumer is told from a stopped one, whose partitions have no owner). Observations closer together
than ``min_distance`` seconds replace the previous one but keep its timestamp, as Burrow does. Each
refresh also counts towards the window's completeness (:meth:`CommitWindow.observe`), so a consumer
that was already stopped when airmon started still fills its window and turns STOP.

Example::

    >>> w = CommitWindow(LagSettings(window=3, min_distance=0))
    >>> for t, offset, lag in [(10, 100, 5), (20, 100, 9), (30, 100, 14)]:
    ...     w.add(offset, t, lag)
    >>> evaluate_partition(w, current_lag=14, now=35, broker_offsets=[114]).status
    <LagStatus.STALL: 'STALL'>
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from airstream.monitor.model import LagStatus

__all__ = [
    "CommitPoint",
    "CommitWindow",
    "GroupVerdict",
    "LagSettings",
    "PartitionVerdict",
    "evaluate_group",
    "evaluate_partition",
    "lag_always_nonzero",
    "lag_not_decreasing",
    "offsets_rewind",
    "offsets_stalled",
    "offsets_stopped",
    "partition_status",
    "recent_lag_zero",
]


@dataclass(frozen=True, slots=True)
class LagSettings:
    """Knobs of the evaluation.

    ``window``: commits kept per partition (Burrow's ``intervals``). ``min_distance``: seconds under
    which a new commit replaces the previous one. ``minimum_complete``: the fraction of the window that
    must be filled before a partition can be anything but OK (Burrow's ``minimum-complete``).
    ``allowed_lag``: a lag this small counts as caught up (0 is Burrow's behaviour).
    """

    window: int = 10
    min_distance: float = 1.0
    minimum_complete: float = 0.5
    allowed_lag: int = 0

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError(f"lag window must hold at least 1 commit, got window={self.window}")
        if self.min_distance < 0:
            raise ValueError(f"min_distance must be >= 0 seconds, got {self.min_distance}")
        if not 0.0 <= self.minimum_complete <= 1.0:
            raise ValueError(f"minimum_complete is a fraction between 0 and 1, got {self.minimum_complete}")
        if self.allowed_lag < 0:
            raise ValueError(f"allowed_lag must be >= 0, got {self.allowed_lag}")


@dataclass(frozen=True, slots=True)
class CommitPoint:
    """One commit of a window: the committed ``offset``, ``timestamp`` (seconds) and the lag then.

    ``lag`` is ``None`` when the log end offset was unknown at that moment; such points are skipped by
    the lag rules but still count for the offset rules.
    """

    offset: int
    timestamp: float
    lag: int | None = None


class CommitWindow:
    """The last ``settings.window`` commits of a group on one partition (Burrow's offset ring)."""

    __slots__ = ("_points", "observations", "settings")

    def __init__(self, settings: LagSettings | None = None, points: Iterable[CommitPoint] = ()) -> None:
        self.settings = settings or LagSettings()
        self._points: deque[CommitPoint] = deque(points, maxlen=self.settings.window)
        self.observations = 0

    def observe(self) -> None:
        """Count one look at the partition, whether or not it brought a commit.

        Burrow sees every commit; a poller sees only what is there at each refresh. Counting looks
        lets a window fill for a consumer that stopped before airmon started, so it can turn STOP.
        """
        self.observations += 1

    def add(self, offset: int, timestamp: float, lag: int | None) -> None:
        """Record a commit; one within ``min_distance`` of the previous replaces it, keeping its time.

        Keeping the older timestamp matters: a consumer committing faster than ``min_distance``
        would otherwise never add a second point.
        """
        if self._points and timestamp - self._points[-1].timestamp < self.settings.min_distance:
            previous = self._points.pop()
            timestamp = previous.timestamp
        self._points.append(CommitPoint(offset, timestamp, lag))

    @property
    def points(self) -> tuple[CommitPoint, ...]:
        """Oldest first."""
        return tuple(self._points)

    @property
    def complete(self) -> float:
        """Filled fraction of the window (by commits, or by observations if more), 0.0 to 1.0."""
        return min(max(len(self._points), self.observations), self.settings.window) / self.settings.window

    @property
    def last(self) -> CommitPoint | None:
        """The newest commit."""
        return self._points[-1] if self._points else None

    def __len__(self) -> int:
        return len(self._points)

    def __repr__(self) -> str:
        return f"CommitWindow({len(self._points)}/{self.settings.window} commits)"


def lag_always_nonzero(points: Sequence[CommitPoint], allowed_lag: int = 0) -> bool:
    """Burrow rule 1: no commit in the window had (allowed) zero lag."""
    return not any(p.lag is not None and p.lag <= allowed_lag for p in points)


def offsets_rewind(points: Sequence[CommitPoint]) -> bool:
    """Burrow rule 2: a committed offset is lower than the one before it."""
    return any(b.offset < a.offset for a, b in itertools.pairwise(points))


def offsets_stopped(points: Sequence[CommitPoint], now: float) -> bool:
    """Burrow rule 3: the time since the last commit exceeds the time the window spans."""
    first, last = points[0].timestamp, points[-1].timestamp
    return now - last > last - first


def offsets_stalled(points: Sequence[CommitPoint]) -> bool:
    """Burrow rule 4: every commit in the window has the same offset."""
    return all(p.offset == points[0].offset for p in points)


def lag_not_decreasing(points: Sequence[CommitPoint]) -> bool:
    """Burrow rule 5: the lag never went down from one known value to the next."""
    previous: int | None = None
    for p in points:
        if p.lag is None:
            continue
        if previous is not None and p.lag < previous:
            return False
        previous = p.lag
    return True


def recent_lag_zero(points: Sequence[CommitPoint], broker_offsets: Sequence[int], allowed_lag: int = 0) -> bool:
    """Whether a recent log end offset was at or below the last commit (the consumer was caught up lately).

    This delays STOP for a consumer that was up to date a moment ago and only now sees new data.
    """
    last = points[-1].offset
    return any(end - allowed_lag <= last for end in broker_offsets)


def partition_status(points: Sequence[CommitPoint], broker_offsets: Sequence[int], current_lag: int,
                     now: float, allowed_lag: int = 0) -> LagStatus:
    """Apply Burrow's rules to a non-empty window of commits (see the module docstring for the order)."""
    if current_lag <= allowed_lag:
        return LagStatus.OK
    if offsets_stopped(points, now) and not recent_lag_zero(points, broker_offsets, allowed_lag):
        return LagStatus.STOP
    if not lag_always_nonzero(points, allowed_lag):
        return LagStatus.OK
    if offsets_rewind(points):
        return LagStatus.REWIND
    if offsets_stalled(points):
        return LagStatus.STALL
    if lag_not_decreasing(points):
        return LagStatus.WARN
    return LagStatus.OK


@dataclass(frozen=True, slots=True)
class PartitionVerdict:
    """A partition's status, how complete its window was, and the window's first and last commits."""

    status: LagStatus
    complete: float
    current_lag: int
    start: CommitPoint | None = None
    end: CommitPoint | None = None


def evaluate_partition(window: CommitWindow, current_lag: int, now: float,
                       broker_offsets: Sequence[int] = ()) -> PartitionVerdict:
    """Judge one partition: OK until the window is complete enough, then Burrow's rules.

    ``broker_offsets`` are the partition's recent log end offsets (newest last), used to hold off
    STOP for a consumer that was caught up a moment ago.
    """
    points = window.points
    if not points:
        return PartitionVerdict(LagStatus.OK, 0.0, current_lag)
    status = LagStatus.OK
    if window.complete >= window.settings.minimum_complete:
        status = partition_status(points, broker_offsets, current_lag, now, window.settings.allowed_lag)
    return PartitionVerdict(status, window.complete, current_lag, points[0], points[-1])


@dataclass(frozen=True, slots=True)
class GroupVerdict:
    """A group's status (worst partition, STOP/STALL/REWIND shown as ERR) and completeness (0.0-1.0)."""

    status: LagStatus
    complete: float
    total_lag: int


def evaluate_group(verdicts: Iterable[PartitionVerdict]) -> GroupVerdict:
    """Combine partition verdicts as Burrow does.

    >>> evaluate_group([PartitionVerdict(LagStatus.WARN, 1.0, 5), PartitionVerdict(LagStatus.STALL, 0.5, 7)])
    GroupVerdict(status=<LagStatus.ERR: 'ERR'>, complete=0.5, total_lag=12)
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
