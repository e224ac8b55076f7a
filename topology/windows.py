"""Window specifications for windowed aggregations and joins, with Kafka Streams' semantics.

Durations are ``int`` milliseconds or :class:`datetime.timedelta`. A spec only
describes windows; the aggregation operators keep the state.

>>> minute = TimeWindows.of_size_with_no_grace(timedelta(minutes=1))
>>> minute.windows_for(61_000)
[Window(start=60000, end=120000)]
>>> hopping = TimeWindows.of_size_and_grace(10_000, 2_000).advance_by(5_000)
>>> [w.start for w in hopping.windows_for(12_000)]
[5000, 10000]

A window of a time-windowed aggregation closes (and late records are dropped)
once stream time reaches ``window.end + grace_ms``. "No grace" means a grace of 0.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

__all__ = [
    "JoinWindows",
    "SessionWindows",
    "SlidingWindows",
    "TimeWindows",
    "Window",
    "Windowed",
    "to_millis",
]

K = TypeVar("K")

_ONE_MS = timedelta(milliseconds=1)

Duration = int | timedelta


def to_millis(duration: Duration, name: str = "duration") -> int:
    """Milliseconds in ``duration`` (an int of milliseconds or a timedelta, truncated to whole ms).

    >>> to_millis(timedelta(seconds=1.5)), to_millis(250)
    (1500, 250)
    """
    if isinstance(duration, timedelta):
        return duration // _ONE_MS
    if isinstance(duration, int) and not isinstance(duration, bool):
        return duration
    raise TypeError(
        f"{name} must be an int number of milliseconds or a datetime.timedelta, "
        f"got {type(duration).__name__} {duration!r}"
    )


def _positive(duration: Duration, name: str) -> int:
    ms = to_millis(duration, name)
    if ms <= 0:
        raise ValueError(f"{name} must be larger than zero, got {ms} ms")
    return ms


def _not_negative(duration: Duration, name: str) -> int:
    ms = to_millis(duration, name)
    if ms < 0:
        hint = "; use 0 for no grace period" if "grace" in name else ""
        raise ValueError(f"{name} must not be negative, got {ms} ms{hint}")
    return ms


def _set(spec: object, field: str, ms: int) -> None:
    """Store a checked duration on a frozen spec; direct construction may have passed a timedelta."""
    object.__setattr__(spec, field, ms)


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """A window's bounds in epoch milliseconds.

    For time windows ``end`` is exclusive: ``[start, end)``. For session windows
    ``start`` and ``end`` are the first and last record's timestamps, both inclusive,
    as in Kafka Streams. Windows order by start, then end.

    >>> Window(0, 60_000) < Window(60_000, 120_000)
    True
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0:
            raise ValueError(f"Window start must not be negative, got {self.start}")
        if self.end < self.start:
            raise ValueError(f"Window end ({self.end}) must not be before its start ({self.start})")


@dataclass(frozen=True, slots=True)
class Windowed(Generic[K]):
    """The key of a windowed aggregation: the record key plus its window.

    >>> w = Windowed("Delta", Window(0, 60_000))
    >>> w.key, w.window.start, w.window.end
    ('Delta', 0, 60000)
    >>> str(w)
    '[Delta@0/60000]'
    """

    key: K
    window: Window

    def __str__(self) -> str:
        # Kafka Streams' Windowed.toString layout, so console output reads the same.
        return f"[{self.key}@{self.window.start}/{self.window.end}]"


@dataclass(frozen=True, slots=True)
class TimeWindows:
    """Fixed-size windows: tumbling (advance == size) or hopping (advance < size).

    Windows start at multiples of ``advance_ms`` from epoch 0, so a record falls in
    ``size_ms / advance_ms`` windows (fewer near time 0: there are no negative starts).

    >>> TimeWindows.of_size_with_no_grace(60_000)
    TimeWindows(size=60000ms, advance=60000ms, grace=0ms)
    """

    size_ms: int
    advance_ms: int
    grace_ms: int

    def __post_init__(self) -> None:
        _set(self, "size_ms", _positive(self.size_ms, "TimeWindows size"))
        _set(self, "grace_ms", _not_negative(self.grace_ms, "TimeWindows grace"))
        _set(self, "advance_ms", to_millis(self.advance_ms, "TimeWindows advance"))
        if not 0 < self.advance_ms <= self.size_ms:
            raise ValueError(
                f"TimeWindows advance must be larger than zero and at most the window size "
                f"({self.size_ms} ms), got {self.advance_ms} ms"
            )

    @classmethod
    def of_size_with_no_grace(cls, size: Duration) -> TimeWindows:
        """Tumbling windows of ``size`` that close as soon as stream time passes their end."""
        size_ms = to_millis(size, "TimeWindows size")
        return cls(size_ms, size_ms, 0)

    @classmethod
    def of_size_and_grace(cls, size: Duration, grace: Duration) -> TimeWindows:
        """Tumbling windows of ``size`` that accept records up to ``grace`` after their end."""
        size_ms = to_millis(size, "TimeWindows size")
        return cls(size_ms, size_ms, to_millis(grace, "TimeWindows grace"))

    def advance_by(self, advance: Duration) -> TimeWindows:
        """Hopping windows: a new window starts every ``advance`` (0 < advance <= size).

        >>> TimeWindows.of_size_with_no_grace(10_000).advance_by(timedelta(seconds=5)).advance_ms
        5000
        """
        return dataclasses.replace(self, advance_ms=to_millis(advance, "TimeWindows advance"))

    def windows_for(self, timestamp: int) -> list[Window]:
        """Every window ``timestamp`` falls into, ordered by start (Kafka's ``TimeWindows.windowsFor``).

        >>> TimeWindows.of_size_with_no_grace(10).advance_by(5).windows_for(7)
        [Window(start=0, end=10), Window(start=5, end=15)]
        """
        size, advance = self.size_ms, self.advance_ms
        start = (max(0, timestamp - size + advance) // advance) * advance
        return [Window(s, s + size) for s in range(start, timestamp + 1, advance)]

    def describe(self) -> str:
        """One line for ``Topology.describe()``."""
        return f"TimeWindows(size={self.size_ms}ms, advance={self.advance_ms}ms, grace={self.grace_ms}ms)"

    __repr__ = describe


@dataclass(frozen=True, slots=True)
class SlidingWindows:
    """Windows of a fixed time difference that slide with each record (both ends inclusive).

    Two records fall in a common window when their timestamps differ by at most
    ``time_difference_ms``. Which windows exist depends on the records seen, so the
    aggregation computes them; this spec carries the parameters.

    >>> SlidingWindows.of_time_difference_and_grace(timedelta(seconds=5), 1_000)
    SlidingWindows(time_difference=5000ms, grace=1000ms)
    """

    time_difference_ms: int
    grace_ms: int

    def __post_init__(self) -> None:
        # Kafka allows a difference of 0: only records with the same timestamp share a window.
        _set(self, "time_difference_ms", _not_negative(self.time_difference_ms, "SlidingWindows time difference"))
        _set(self, "grace_ms", _not_negative(self.grace_ms, "SlidingWindows grace"))

    @classmethod
    def of_time_difference_with_no_grace(cls, time_difference: Duration) -> SlidingWindows:
        """Sliding windows of ``time_difference`` that drop records older than stream time minus it."""
        return cls(to_millis(time_difference, "SlidingWindows time difference"), 0)

    @classmethod
    def of_time_difference_and_grace(cls, time_difference: Duration, grace: Duration) -> SlidingWindows:
        """Sliding windows of ``time_difference`` that accept records up to ``grace`` late."""
        return cls(
            to_millis(time_difference, "SlidingWindows time difference"), to_millis(grace, "SlidingWindows grace")
        )

    def describe(self) -> str:
        """One line for ``Topology.describe()``."""
        return f"SlidingWindows(time_difference={self.time_difference_ms}ms, grace={self.grace_ms}ms)"

    __repr__ = describe


@dataclass(frozen=True, slots=True)
class SessionWindows:
    """Sessions of activity per key, separated by at least ``gap_ms`` of inactivity.

    >>> SessionWindows.of_inactivity_gap_with_no_grace(timedelta(minutes=5))
    SessionWindows(gap=300000ms, grace=0ms)
    """

    gap_ms: int
    grace_ms: int

    def __post_init__(self) -> None:
        _set(self, "gap_ms", _positive(self.gap_ms, "SessionWindows inactivity gap"))
        _set(self, "grace_ms", _not_negative(self.grace_ms, "SessionWindows grace"))

    @classmethod
    def of_inactivity_gap_with_no_grace(cls, gap: Duration) -> SessionWindows:
        """Sessions that end after ``gap`` without records for the key."""
        return cls(to_millis(gap, "SessionWindows inactivity gap"), 0)

    @classmethod
    def of_inactivity_gap_and_grace(cls, gap: Duration, grace: Duration) -> SessionWindows:
        """Sessions that end after ``gap`` of inactivity and accept records up to ``grace`` late."""
        return cls(to_millis(gap, "SessionWindows inactivity gap"), to_millis(grace, "SessionWindows grace"))

    def describe(self) -> str:
        """One line for ``Topology.describe()``."""
        return f"SessionWindows(gap={self.gap_ms}ms, grace={self.grace_ms}ms)"

    __repr__ = describe


@dataclass(frozen=True, slots=True)
class JoinWindows:
    """How far apart in time two records of a stream-stream join may be.

    A left record at time ``t`` joins right records with timestamps in
    ``[t - before_ms, t + after_ms]``; :meth:`before` and :meth:`after` make the
    window asymmetric.

    >>> JoinWindows.of_time_difference_with_no_grace(10_000).after(0)
    JoinWindows(before=10000ms, after=0ms, grace=0ms)
    """

    before_ms: int
    after_ms: int
    grace_ms: int

    def __post_init__(self) -> None:
        _set(self, "before_ms", to_millis(self.before_ms, "JoinWindows before"))
        _set(self, "after_ms", to_millis(self.after_ms, "JoinWindows after"))
        _set(self, "grace_ms", _not_negative(self.grace_ms, "JoinWindows grace"))
        # As in Kafka, one side may be negative (a window entirely after or before t), not the sum.
        if self.before_ms + self.after_ms < 0:
            raise ValueError(
                f"JoinWindows before + after must not be negative, got "
                f"before={self.before_ms} ms and after={self.after_ms} ms"
            )

    @classmethod
    def of_time_difference_with_no_grace(cls, time_difference: Duration) -> JoinWindows:
        """Join records at most ``time_difference`` apart, either way; no late records."""
        ms = _not_negative(time_difference, "JoinWindows time difference")
        return cls(ms, ms, 0)

    @classmethod
    def of_time_difference_and_grace(cls, time_difference: Duration, grace: Duration) -> JoinWindows:
        """Join records at most ``time_difference`` apart; accept records up to ``grace`` late."""
        ms = _not_negative(time_difference, "JoinWindows time difference")
        return cls(ms, ms, to_millis(grace, "JoinWindows grace"))

    def before(self, time_difference: Duration) -> JoinWindows:
        """Change how far *before* a left record a right record may be."""
        return dataclasses.replace(self, before_ms=to_millis(time_difference, "JoinWindows before"))

    def after(self, time_difference: Duration) -> JoinWindows:
        """Change how far *after* a left record a right record may be."""
        return dataclasses.replace(self, after_ms=to_millis(time_difference, "JoinWindows after"))

    def describe(self) -> str:
        """One line for ``Topology.describe()``."""
        return f"JoinWindows(before={self.before_ms}ms, after={self.after_ms}ms, grace={self.grace_ms}ms)"

    __repr__ = describe
