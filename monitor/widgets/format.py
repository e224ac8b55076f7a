"""Turning snapshot values into short, aligned cell text.

Unknown values (``None`` in the model) are shown as a dash, never as zero: a rate that cannot be
computed yet is not a rate of zero.

>>> fmt_int(1234567), fmt_int(None)
('1,234,567', '-')
>>> fmt_rate(0.25), fmt_rate(1530.0)
('0.25/s', '1.53k/s')
>>> fmt_duration(42), fmt_duration(3725), fmt_duration(0.25), fmt_duration(None)
('42s', '1h02m', '250ms', '-')
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

__all__ = ["DASH", "fmt_ago", "fmt_bytes", "fmt_count", "fmt_duration", "fmt_ids", "fmt_int", "fmt_millis", "fmt_rate",
           "fmt_setting", "fmt_time", "fmt_time_ms"]

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


def _three_digits(value: float) -> str:
    """Three significant digits, never in exponent form: 1.50, 15.0, 150."""
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def fmt_rate(per_second: float | None) -> str:
    """A per-second rate with three significant digits (``0.25/s``, ``20.0/s``, ``1.53k/s``, ``2.00M/s``),
    the same form at every size, or a dash when unknown.

    >>> fmt_rate(0), fmt_rate(2.0), fmt_rate(20.0), fmt_rate(200.0), fmt_rate(2_000_000)
    ('0/s', '2.00/s', '20.0/s', '200/s', '2.00M/s')
    """
    if per_second is None:
        return DASH
    if per_second == 0:
        return "0/s"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(per_second) >= scale * 0.9995:  # 999.96 rounds to 1.00k, not 1000
            return f"{_three_digits(per_second / scale)}{suffix}/s"
    return f"{_three_digits(per_second)}/s"


def fmt_duration(seconds: float | None) -> str:
    """A duration: milliseconds below a second (``40ms``), tenths below ten seconds (``2.5s``), then its
    two largest units (``42s``, ``3m05s``, ``1h02m``, ``2d03h``); ``never`` for infinity, a dash for unknown.

    >>> fmt_duration(0.04), fmt_duration(2.5), fmt_duration(185), fmt_duration(2 * 86400 + 3 * 3600)
    ('40ms', '2.5s', '3m05s', '2d03h')
    """
    if seconds is None:
        return DASH
    if math.isinf(seconds):
        return "never"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 9.95:
        return f"{seconds:.1f}s"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def fmt_ago(seconds: float | None) -> str:
    """How long ago, to the second: ``now``, ``42s ago``, ``1h02m ago``; a dash when unknown.

    >>> fmt_ago(0.3), fmt_ago(42), fmt_ago(None)
    ('now', '42s ago', '-')
    """
    if seconds is None:
        return DASH
    return "now" if seconds < 1 else f"{fmt_duration(round(seconds))} ago"


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


_UNLIMITED = str(2**63 - 1)  # Long.MAX_VALUE: how Kafka writes "no limit" for times, sizes and counts


def fmt_bytes(n: int | None) -> str:
    """A size in bytes with binary units, three significant digits (``512 B``, ``1.50 KiB``, ``1.00 GiB``).

    >>> fmt_bytes(512), fmt_bytes(1536), fmt_bytes(1_073_741_824), fmt_bytes(None)
    ('512 B', '1.50 KiB', '1.00 GiB', '-')
    """
    if n is None:
        return DASH
    value, unit = float(n), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            break
        value /= 1024
    return f"{n} B" if unit == "B" else f"{_three_digits(value)} {unit}"


def fmt_millis(ms: float | None) -> str:
    """Milliseconds as a duration (:func:`fmt_duration`).

    >>> fmt_millis(500), fmt_millis(604_800_000), fmt_millis(90_000), fmt_millis(None)
    ('500ms', '7d00h', '1m30s', '-')
    """
    return DASH if ms is None else fmt_duration(ms / 1000)


def fmt_setting(name: str, value: str | None) -> str:
    """A configuration value in human units when its name says what it measures (``*.ms``, ``*.bytes``),
    ``unlimited`` for Kafka's "no limit" values; anything else as given.

    >>> fmt_setting("retention.ms", "604800000"), fmt_setting("retention.bytes", "-1")
    ('7d00h', 'unlimited')
    >>> fmt_setting("max.compaction.lag.ms", "9223372036854775807"), fmt_setting("segment.bytes", "1073741824")
    ('unlimited', '1.00 GiB')
    >>> fmt_setting("cleanup.policy", "delete"), fmt_setting("local.retention.ms", "-2"), fmt_setting("x", None)
    ('delete', '-2', '-')
    """
    if value is None:
        return DASH
    if value == _UNLIMITED:
        return "unlimited"
    try:
        number = int(value)
    except ValueError:
        return value
    if name.endswith(".ms"):
        return "unlimited" if number == -1 else value if number < 0 else fmt_millis(number)
    if name.endswith(".bytes"):
        return "unlimited" if number == -1 else value if number < 0 else fmt_bytes(number)
    return value


def fmt_ids(ids: tuple[int, ...]) -> str:
    """Broker ids as ``1,2,3`` (a dash for none).

    >>> fmt_ids((1, 2, 3)), fmt_ids(())
    ('1,2,3', '-')
    """
    return ",".join(map(str, ids)) if ids else DASH
