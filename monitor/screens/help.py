"""Help: every key of every screen, built from the screens' own bindings so it cannot go stale."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

__all__ = ["HelpScreen", "key_text"]


def key_text(sections: list[tuple[str, type, list[BindingType]]]) -> Text:
    """One block per section: its title, then ``key  description`` lines.

    The description is the first line of the action's docstring where the screen has one (so help
    says what a key does, not just its footer label), else the binding's footer label.
    """
    text = Text()
    for title, owner, bindings in sections:
        text.append(f"{title}\n", style="bold underline")
        for b in bindings:
            if not isinstance(b, Binding) or not b.description:
                continue
            action = getattr(owner, f"action_{b.action.split('(')[0]}", None)
            ours = action is not None and action.__module__.startswith("monitor.")
            doc = (action.__doc__ or "").replace("``", "").strip().splitlines() if ours else []
            text.append(f"  {(b.key_display or b.key):<8}", style="bold")
            text.append(f"{doc[0] if doc else b.description}\n")
        text.append("\n")
    return text


class HelpScreen(ModalScreen[None]):
    """The keys, over the current screen; Escape, ``?`` or ``q`` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", key_display="esc"),
    ]

    def compose(self) -> ComposeResult:
        from monitor.app import AirmonApp
        from monitor.screens.alerts import AlertsScreen
        from monitor.screens.group_detail import GroupDetailScreen
        from monitor.screens.groups import GroupsScreen
        from monitor.screens.messages import MessagesScreen
        from monitor.screens.overview import OverviewScreen
        from monitor.screens.topic_detail import TopicDetailScreen
        from monitor.screens.topics import TopicsScreen

        screens: list[tuple[str, type[Screen[None]]]] = [
            ("Overview: select a row to filter the other panes", OverviewScreen),
            ("Topics (enter: topic detail)", TopicsScreen),
            ("Topic detail (enter: messages of the partition)", TopicDetailScreen),
            ("Consumer groups (enter: group detail)", GroupsScreen),
            ("Group detail (enter: messages from the committed offset)", GroupDetailScreen),
            ("Messages", MessagesScreen), ("Alerts", AlertsScreen)]
        sections: list[tuple[str, type, list[BindingType]]] = [
            ("Everywhere (tab moves between panes; arrows, enter and the mouse work too)", AirmonApp,
             list(AirmonApp.BINDINGS))]
        sections += [(title, cls, list(cls.BINDINGS)) for title, cls in screens]
        with VerticalScroll(id="help-box"):
            yield Static(Text("airmon keys", style="bold"), id="help-title")
            yield Static(key_text(sections), id="help-keys")
            yield Static(Text("Destructive actions (D, R) need --allow-writes and the group's name typed.",
                              style="dim"))
