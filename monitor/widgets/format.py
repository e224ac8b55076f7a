"""Turning snapshot values into short, aligned cell text.

Unknown values (``None`` in the model) are shown as a dash, never as zero: a rate that cannot be
computed yet is not a rate of zero.

>>> fmt_int(1234567), fmt_int(None)
('1,234,567', '-')
>>> fmt_rate(0.25), fmt_rate(1530.0)
('0.25/s', '1.5k/s')
>>> fmt_duration(42), fmt_duration(3725), fmt_duration(None)
('42s', '1h02m', '-')
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["DASH", "fmt_count", "fmt_duration", "fmt_ids", "fmt_int", "fmt_rate", "fmt_time", "fmt_time_ms"]

DASH = "-"


def fmt_int(value: int | None) -> str:
    """An integer with thousands separators, or a dash when unknown."""
    return DASH if value is None else f"{value:,}"


def fmt_count(n: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun, singular or plural.

    >>> fmt_count(1, "broker"), fmt_count(3, "broker"), fmt_count(2, "alert"), fmt_count(1200, "partition")
    ('1 broker', '3 brokers', '2 alerts', '1,200 partitions')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def fmt_rate(per_second: float | None) -> str:
    """A per-second rate, short (``12/s``, ``1.5k/s``, ``2.0M/s``), or a dash when unknown.

    >>> fmt_rate(0), fmt_rate(12.0), fmt_rate(2_000_000)
    ('0/s', '12/s', '2.0M/s')
    """
    if per_second is None:
        return DASH
    if per_second == 0:
        return "0/s"
    if per_second < 10:
        return f"{per_second:.2f}/s"
    if per_second < 1000:
        return f"{per_second:.0f}/s"
    if per_second < 1_000_000:
        return f"{per_second / 1000:.1f}k/s"
    return f"{per_second / 1_000_000:.1f}M/s"


def fmt_duration(seconds: float | None) -> str:
    """A duration as its two largest units (``42s``, ``3m05s``, ``1h02m``, ``2d03h``), or a dash.

    >>> fmt_duration(185), fmt_duration(2 * 86400 + 3 * 3600)
    ('3m05s', '2d03h')
    """
    if seconds is None:
        return DASH
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def fmt_time(epoch_seconds: float | None) -> str:
    """A UTC wall-clock time ``YYYY-MM-DD HH:MM:SS``, or a dash.

    >>> fmt_time(0)
    '1970-01-01 00:00:00'
    """
    if epoch_seconds is None:
        return DASH
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def fmt_time_ms(epoch_ms: int | None) -> str:
    """A record timestamp (epoch milliseconds) as UTC ``YYYY-MM-DD HH:MM:SS.mmm``, or a dash.

    >>> fmt_time_ms(1_424_772_000_250), fmt_time_ms(None)
    ('2015-02-24 10:00:00.250', '-')
    """
    if epoch_ms is None:
        return DASH
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def fmt_ids(ids: tuple[int, ...]) -> str:
    """Broker ids as ``1,2,3`` (a dash for none).

    >>> fmt_ids((1, 2, 3)), fmt_ids(())
    ('1,2,3', '-')
    """
    return ",".join(map(str, ids)) if ids else DASH
