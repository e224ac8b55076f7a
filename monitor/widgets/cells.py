"""Coloured cells for tables: Burrow status and text sparklines (both read fine without colour, over SSH)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from airstream.monitor.model import LagStatus

__all__ = ["spark_text", "status_cell"]

_STATUS_STYLE = {
    LagStatus.OK: "green",
    LagStatus.WARN: "yellow",
    LagStatus.NOTFOUND: "dim",
}
_BARS = "▁▂▃▄▅▆▇█"


def status_cell(status: LagStatus | None) -> Text:
    """A status word in its colour: OK green, WARN yellow, errors bold red, unknown a dash.

    >>> str(status_cell(LagStatus.STALL)), str(status_cell(None))
    ('STALL', '-')
    """
    if status is None:
        return Text("-", style="dim")
    return Text(status.value, style=_STATUS_STYLE.get(status, "bold red"))


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
