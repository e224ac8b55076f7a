"""Help: every key of every screen, from the screen registry and the screens' own bindings, so it cannot go stale."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from airstream.monitor.screens.registry import SCREENS

__all__ = ["HelpScreen", "keys_of"]


def keys_of(owner: type, bindings: list[BindingType]) -> list[tuple[str, str]]:
    """``(key, what it does)`` for each described binding of a screen or app class.

    What it does is the first line of the action's docstring where airmon defines the action (so
    help says what a key does, not just its footer label), else the binding's footer label.

    >>> from airstream.monitor.screens.topics import TopicsScreen
    >>> keys_of(TopicsScreen, TopicsScreen.BINDINGS)[0]
    ('/', 'Type to narrow the list by topic name.')
    """
    rows = []
    for b in bindings:
        if not isinstance(b, Binding) or not b.description:
            continue
        action = getattr(owner, f"action_{b.action.split('(')[0]}", None)
        ours = action is not None and action.__module__.startswith("airstream.monitor.")
        doc = (action.__doc__ or "").replace("``", "").strip().splitlines() if ours else []
        rows.append((b.key_display or b.key, doc[0] if doc else b.description))
    return rows


def _table(rows: list[tuple[str, str]]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    table.add_column(style="bold", no_wrap=True, width=7)
    table.add_column(ratio=1)
    for key, what in rows:
        table.add_row(key, what)
    return table


class HelpScreen(ModalScreen[None]):
    """The keys, over the current screen; Escape, ``?`` or ``q`` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", key_display="esc"),
    ]

    def sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The app-wide keys, then each registered screen's title and its keys."""
        from airstream.monitor.app import AirmonApp  # the app imports this module

        owners: list[tuple[str, type[DOMNode]]] = [
            ("Everywhere (tab moves between panes; arrows, enter and the mouse work too)", AirmonApp),
            *((s.title, s.screen) for s in SCREENS)]
        return [(title, keys_of(cls, list(cls.BINDINGS))) for title, cls in owners]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text("airmon keys", style="bold"), id="help-title")
            for title, rows in self.sections():
                yield Static(Text(title, style="bold underline"), classes="help-section")
                yield Static(_table(rows), classes="help-keys")
            yield Static(Text("Writes (w, R, D) need --allow-writes and the topic's or group's name typed.",
                              style="dim"))
