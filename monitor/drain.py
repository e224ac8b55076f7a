"""Time to drain: how long until a group's lag is gone, from rates measured between commits.

Lag is a backlog only if it does not go away by itself. A consumer that commits every 30 s has a
lag that climbs between its commits and falls back at each one; the change of lag from one refresh
to the next is then noise, and a time to drain computed from it flips between seconds, hours and
"never". So the rates here come from a partition's commit window
(:class:`~airstream.monitor.lag.CommitWindow`) and span its first to its last commit with a known lag:

* consume rate = offsets committed / time between the two commits;
* produce rate = growth of the log end (offset + lag at commit) over the same time.

Both only change when a commit arrives, and are measured from one commit instant to another, so a
window of ten commits gives rates that do not wobble with where between two commits a refresh falls.

A group is **caught up** when, on every partition, the lag at the last commit was at most
``allowed_lag`` or what arrives in :data:`CAUGHT_UP_SECONDS` at the produce rate -- it commits what
is there -- and the partition is not STOP or STALL. Otherwise the lag drains in ``lag / (consume -
produce)`` when the consumer is faster by a margin (:data:`MARGIN`, so equal rates read "not
draining" rather than days), and never (``None``) when it is not.

Example::

    >>> from airstream.monitor.model import CommitPoint, LagStatus
    >>> steady = [CommitPoint(100 * i, 30.0 * i, 3) for i in range(10)]       # keeps up, commits every 30 s
    >>> estimate_drain([PartitionDrain(240, steady, LagStatus.OK)]).caught_up
    True
    >>> backlog = [CommitPoint(1000 + 200 * i, 10.0 * i, 9000 - 100 * i) for i in range(10)]
    >>> estimate_drain([PartitionDrain(8000, backlog, LagStatus.OK)]).seconds      # 10/s faster than input
    800.0
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from airstream.monitor.model import CommitPoint, LagStatus

__all__ = ["CAUGHT_UP_SECONDS", "MARGIN", "Drain", "PartitionDrain", "caught_up_lag", "estimate_drain", "window_rates"]

CAUGHT_UP_SECONDS = 5.0
"""A lag at commit of at most this many seconds of input counts as caught up."""

MARGIN = 0.02
"""The consumer must be this much (a fraction of the produce rate) faster than the input to drain."""


@dataclass(frozen=True, slots=True)
class PartitionDrain:
    """What the estimate needs of one partition: its lag now, its commit window and its status."""

    lag: int
    points: Sequence[CommitPoint]
    status: LagStatus | None = None


@dataclass(frozen=True, slots=True)
class Drain:
    """A group's drain estimate.

    ``seconds``: 0.0 when caught up, the time until the lag is gone when draining, ``None`` when it
    does not shrink or cannot be told yet. ``consume_rate`` / ``produce_rate``: records per second
    over the commit windows (``None`` until a window has two commits with a known lag).
    """

    seconds: float | None
    caught_up: bool
    consume_rate: float | None
    produce_rate: float | None


def window_rates(points: Sequence[CommitPoint]) -> tuple[float, float] | None:
    """``(consume, produce)`` per second between the first and last commit with a known lag;
    ``None`` with fewer than two, no time between them, or an offset that went back in between.

    >>> window_rates([CommitPoint(100, 0.0, 10), CommitPoint(400, 30.0, 40)])
    (10.0, 11.0)
    """
    known = [p for p in points if p.lag is not None]
    if len(known) < 2 or any(b.offset < a.offset for a, b in itertools.pairwise(known)):
        return None
    first, last = known[0], known[-1]
    span = last.timestamp - first.timestamp
    if span <= 0:
        return None
    assert first.lag is not None and last.lag is not None
    consumed = last.offset - first.offset
    produced = max(last.offset + last.lag - (first.offset + first.lag), 0)
    return consumed / span, produced / span


def caught_up_lag(produce_rate: float, allowed_lag: int = 0) -> float:
    """The largest lag at a commit that counts as caught up: what arrives in :data:`CAUGHT_UP_SECONDS`
    at ``produce_rate`` (records per second), or ``allowed_lag`` if that is more.

    >>> caught_up_lag(20.0), caught_up_lag(0.0, allowed_lag=3)
    (100.0, 3)
    """
    return max(allowed_lag, produce_rate * CAUGHT_UP_SECONDS)


_STUCK = (LagStatus.STOP, LagStatus.STALL)


def _caught_up(p: PartitionDrain, produce_rate: float, allowed_lag: int) -> bool:
    if p.lag <= allowed_lag:
        return True
    if p.status in _STUCK:
        return False
    last = next((c for c in reversed(p.points) if c.lag is not None), None)
    return last is not None and last.lag is not None and last.lag <= caught_up_lag(produce_rate, allowed_lag)


def estimate_drain(partitions: Iterable[PartitionDrain], allowed_lag: int = 0) -> Drain:
    """The group's drain estimate over its partitions (see the module docstring)."""
    parts = list(partitions)
    if not parts:
        return Drain(None, False, None, None)
    rates = [window_rates(p.points) for p in parts]
    known = [r for r in rates if r is not None]
    consume = sum(c for c, _ in known) if known else None
    produce = sum(q for _, q in known) if known else None
    if all(_caught_up(p, r[1] if r else 0.0, allowed_lag) for p, r in zip(parts, rates, strict=True)):
        return Drain(0.0, True, consume, produce)
    if any(r is None and p.lag > allowed_lag for p, r in zip(parts, rates, strict=True)):
        return Drain(None, False, consume, produce)
    # A STOP or STALL partition consumes nothing now, whatever its window says it did before.
    net = sum(-q if p.status in _STUCK else c - q for p, (c, q) in
              ((p, r) for p, r in zip(parts, rates, strict=True) if r is not None))
    if produce is not None and net > 0 and net > MARGIN * produce:
        return Drain(sum(p.lag for p in parts) / net, False, consume, produce)
    return Drain(None, False, consume, produce)
