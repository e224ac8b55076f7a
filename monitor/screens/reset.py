"""Resetting a group's offsets: choose where to, on which partitions, see the new lag, type the group's name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from airstream.monitor.group_admin import OffsetMove, ResetTo
from airstream.monitor.widgets.format import fmt_count, fmt_int
from airstream.monitor.widgets.live_table import Column, LiveTable

if TYPE_CHECKING:
    from airstream.monitor.app import AirmonApp

__all__ = ["ResetScreen", "in_scope"]


def in_scope(partitions: Sequence[tuple[str, int]], scope: str) -> list[tuple[str, int]]:
    """The partitions a scope names: ``all``, a topic, or ``topic/partition``; ``ValueError`` names the
    scope that matches none.

    >>> parts = [("tweets", 0), ("tweets", 1), ("scores", 0)]
    >>> in_scope(parts, "all"), in_scope(parts, "tweets/1"), in_scope(parts, "scores")
    ([('tweets', 0), ('tweets', 1), ('scores', 0)], [('tweets', 1)], [('scores', 0)])
    """
    scope = scope.strip()
    if scope in ("", "all"):
        chosen = list(partitions)
    else:
        topic, sep, number = scope.rpartition("/")
        if sep and number.isdigit():
            chosen = [tp for tp in partitions if tp == (topic, int(number))]
        else:
            chosen = [tp for tp in partitions if tp[0] == scope]
    if not chosen:
        topics = ", ".join(sorted({t for t, _ in partitions})) or "none"
        raise ValueError(f"the group has no partition in {scope!r}: type all, a topic ({topics}) or topic/partition")
    return chosen


class ResetScreen(ModalScreen[list[OffsetMove] | None]):
    """Plans a reset of ``group_id``'s offsets and shows it; dismisses with the plan once the group's name
    is typed, or with ``None`` on Escape. ``plan(partitions, to)`` computes the plan (it blocks, so it
    runs in a worker); ``scope`` is what the scope box starts with."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, group_id: str, partitions: Sequence[tuple[str, int]],
                 plan: Callable[[list[tuple[str, int]], ResetTo], list[OffsetMove]], *, scope: str = "all") -> None:
        super().__init__()
        self.scope = scope
        self.group_id = group_id
        self.partitions = list(partitions)
        self._plan = plan
        self.planned: list[OffsetMove] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="reset-box"):
            yield Static(Text(f"Reset the committed offsets of group {self.group_id}", style="bold"))
            with Horizontal(id="reset-inputs"):
                yield Input(value=self.scope, placeholder="all | topic | topic/partition", id="reset-scope",
                            compact=True)
                yield Input(placeholder="earliest | latest | 1200 | -100 | 2015-02-24T10:00", id="reset-to",
                            compact=True)
            yield Static("Enter shows the new offsets and lag; nothing changes until you type the group's name.",
                         id="reset-hint")
            yield LiveTable([Column("partition", "Partition", max_width=30), ("committed", "Committed"),
                             ("offset", "New offset"),
                             ("lag_now", "Lag now"), ("lag", "Lag after")], id="reset-preview")
            yield Input(placeholder=f"type {self.group_id} to reset", id="confirm-input", compact=True)
            yield Static("", id="confirm-error")

    def on_mount(self) -> None:
        self.query_one("#reset-to").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("reset-scope", "reset-to"):
            self.planned = None  # a plan for other choices must not be applied
            self.query_one("#reset-preview", LiveTable).set_rows([])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "confirm-input":
            self._confirm(event.value)
            return
        try:
            chosen = in_scope(self.partitions, self.query_one("#reset-scope", Input).value)
            to = ResetTo.parse(self.query_one("#reset-to", Input).value)
        except ValueError as exc:
            self._error(str(exc))
            return
        self._error("")
        airmon = cast("AirmonApp", self.app)
        airmon.run_blocking(f"planning the reset of group {self.group_id} to {to}", lambda: self._plan(chosen, to),
                            self._show_plan, owner=self)

    def _show_plan(self, plan: list[OffsetMove]) -> None:
        self.planned = plan
        self.query_one("#reset-preview", LiveTable).set_rows([(f"{m.topic}/{m.partition}", [
            f"{m.topic}/{m.partition}", fmt_int(m.committed), fmt_int(m.offset),
            fmt_int(m.high - (m.committed if m.committed is not None else m.low)), fmt_int(m.lag)]) for m in plan])
        self.query_one("#reset-hint", Static).update(Text.assemble(
            f"{fmt_count(len(plan), 'partition')}, lag after the reset {fmt_int(sum(m.lag for m in plan))}. Type ",
            (self.group_id, "bold"), " and press Enter to reset; Escape cancels."))
        self.query_one("#confirm-input").focus()

    def _confirm(self, typed: str) -> None:
        if self.planned is None:
            self._error("Choose where to and press Enter there first, to see what would change.")
        elif typed != self.group_id:
            self._error(f"That is not {self.group_id!r}; nothing was changed.")
        else:
            self.dismiss(self.planned)

    def _error(self, text: str) -> None:
        self.query_one("#confirm-error", Static).update(Text(text, style="red"))

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
