"""A mergeable latency histogram: fixed log-scale bins, so percentiles survive merging.

Values are whole milliseconds. Values below 16 get a bin each (exact); above, every power of two
is split into 8 bins, so a bin is at most 12.5 % wide and a percentile read from the bins is within
12.5 % of the true one. Two histograms merge by adding bin counts, which is what lets a reader
combine the deltas that clients publish every few seconds, or several consumers of one group,
and still report a p99.

>>> h = LatencyHistogram()
>>> for ms in range(1, 101):
...     h.add(ms)
>>> h.count, h.min, h.max, h.avg
(100, 1, 100, 50.5)
>>> 99 <= h.quantile(0.99) <= 100
True
>>> LatencyHistogram.from_dict(h.as_dict()).quantile(0.99) == h.quantile(0.99)
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["LatencyHistogram", "bin_bounds", "bin_of"]

_SUB = 8  # bins per power of two


def bin_of(value: int) -> int:
    """The bin of a non-negative value (negative ones count as 0).

    >>> [bin_of(v) for v in (0, 15, 16, 17, 18, 1000)]
    [0, 15, 16, 16, 17, 63]
    """
    if value < 2 * _SUB:
        return max(value, 0)
    shift = value.bit_length() - 4
    return shift * _SUB + (value >> shift)


def bin_bounds(index: int) -> tuple[int, int]:
    """``[low, high)`` of the values in bin ``index``.

    >>> bin_bounds(15), bin_bounds(16), bin_bounds(63)
    ((15, 16), (16, 18), (960, 1024))
    """
    shift = max(0, index // _SUB - 1)
    mantissa = index - shift * _SUB
    return mantissa << shift, (mantissa + 1) << shift


class LatencyHistogram:
    """Counts of latencies (ms) in log-scale bins, with exact count, sum, min and max."""

    __slots__ = ("bins", "count", "max", "min", "total")

    def __init__(self) -> None:
        self.bins: dict[int, int] = {}
        self.count = 0
        self.total = 0
        self.min: int | None = None
        self.max: int | None = None

    def add(self, value: int, count: int = 1) -> None:
        """Record ``count`` occurrences of ``value`` ms."""
        value = max(int(value), 0)
        b = bin_of(value)
        self.bins[b] = self.bins.get(b, 0) + count
        self.count += count
        self.total += value * count
        if self.min is None or value < self.min:
            self.min = value
        if self.max is None or value > self.max:
            self.max = value

    def add_counts(self, counts: Iterable[tuple[int, int]]) -> None:
        """Record many ``(value, count)`` pairs."""
        for value, count in counts:
            self.add(value, count)

    def merge(self, other: LatencyHistogram) -> None:
        """Add ``other``'s counts to this histogram."""
        if not other.count:
            return
        for b, c in other.bins.items():
            self.bins[b] = self.bins.get(b, 0) + c
        self.count += other.count
        self.total += other.total
        assert other.min is not None and other.max is not None
        self.min = other.min if self.min is None else min(self.min, other.min)
        self.max = other.max if self.max is None else max(self.max, other.max)

    @property
    def avg(self) -> float | None:
        """Mean latency, ``None`` when empty."""
        return self.total / self.count if self.count else None

    def quantile(self, q: float) -> int | None:
        """The ``q`` quantile (0 < q <= 1): the top of the bin holding it, kept within [min, max]."""
        if not 0 < q <= 1:
            raise ValueError(f"quantile must be in (0, 1], got {q}")
        if not self.count:
            return None
        rank = math.ceil(q * self.count)
        seen = 0
        for b in sorted(self.bins):
            seen += self.bins[b]
            if seen >= rank:
                assert self.min is not None and self.max is not None
                return min(max(bin_bounds(b)[1] - 1, self.min), self.max)
        return self.max  # unreachable when bins add up to count

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form that :meth:`from_dict` reads back."""
        return {"count": self.count, "sum": self.total, "min": self.min, "max": self.max,
                "bins": [[b, self.bins[b]] for b in sorted(self.bins)]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LatencyHistogram:
        """The histogram :meth:`as_dict` wrote; ``ValueError`` names what is missing or wrong."""
        h = cls()
        try:
            h.bins = {int(b): int(c) for b, c in data["bins"]}
            h.count, h.total = int(data["count"]), int(data["sum"])
            h.min = None if data["min"] is None else int(data["min"])
            h.max = None if data["max"] is None else int(data["max"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a latency histogram ({exc!r}): {str(dict(data))[:120]}") from None
        if sum(h.bins.values()) != h.count:
            raise ValueError(f"latency histogram bins add up to {sum(h.bins.values())}, not its count {h.count}")
        return h

    def __repr__(self) -> str:
        return (f"LatencyHistogram(count={self.count}, min={self.min}, avg={self.avg}, max={self.max}, "
                f"p99={self.quantile(0.99)})")
