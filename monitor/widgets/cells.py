"""Coloured cells for tables: Burrow status and text sparklines (both read fine without colour, over SSH)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from airstream.monitor.model import LAG_FROM_COMMIT_LOG, GroupInfo, LagStatus
from airstream.monitor.widgets.format import fmt_duration

__all__ = ["drain_text", "judged_by", "spark_text", "status_cell"]

_STATUS_STYLE = {
    LagStatus.OK: "green",
    LagStatus.WARN: "yellow",
    LagStatus.UNKNOWN: "dim italic",
    LagStatus.NOTFOUND: "dim",
}
_BARS = "▁▂▃▄▅▆▇█"


def status_cell(status: LagStatus | None) -> Text:
    """A status word in its colour: OK green, WARN yellow, UNKNOWN (too few commits to judge) dim,
    errors bold red; no status at all is a dash.

    >>> str(status_cell(LagStatus.STALL)), str(status_cell(None))
    ('STALL', '-')
    """
    if status is None:
        return Text("-", style="dim")
    return Text(status.value, style=_STATUS_STYLE.get(status, "bold red"))


def drain_text(group: GroupInfo) -> str:
    """A group's time to drain in words: ``caught up``, a duration, ``never`` (rates known, the lag does
    not shrink) or ``-`` (not known yet).

    >>> drain_text(GroupInfo("g", caught_up=True, time_to_drain=0.0)), drain_text(GroupInfo("g", time_to_drain=90.0))
    ('caught up', '1m30s')
    """
    if group.caught_up:
        return "caught up"
    if group.time_to_drain is not None:
        return fmt_duration(group.time_to_drain)
    return "never" if group.consume_rate is not None and group.total_lag > 0 else "-"


def judged_by(lag_source: str) -> str:
    """What a lag status was judged from, in words.

    >>> judged_by("commit-log"), judged_by("polling")
    ('commit log', 'polling')
    """
    return "commit log" if lag_source == LAG_FROM_COMMIT_LOG else "polling"


def spark_text(values: Sequence[float], width: int = 12) -> str:
    """The last ``width`` values as block characters scaled from their minimum to their maximum.

    Scaled to the range, so lag creeping from 900 to 940 is visibly rising; a flat series is drawn at
    mid height when it is non-zero and at the bottom when it is zero, so "stuck" and "caught up" differ.

    >>> spark_text([900, 920, 940]), spark_text([]), spark_text([0, 0]), spark_text([7, 7])
    ('▁▅█', '', '▁▁', '▄▄')
    """
    tail = list(values)[-width:]
    if not tail:
        return ""
    low, top = min(tail), max(tail)
    if top == low:
        return (_BARS[3] if top > 0 else _BARS[0]) * len(tail)
    steps = len(_BARS) - 1
    return "".join(_BARS[int((v - low) / (top - low) * steps + 0.5)] for v in tail)
