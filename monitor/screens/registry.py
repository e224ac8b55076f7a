"""Every airmon screen, once: the app's modes and their keys, help's sections and the snapshot tests come from here.

A top-level screen has a ``key`` and is one of ``AirmonApp.MODES`` (the key switches to it, the footer
groups those keys under "Screens"); the first one is where the app starts. A detail screen has no key:
the app pushes it when the user picks a row (``AirmonApp.open_topic`` ...). Help lists every screen's
keys in this order, and the snapshot tests take a stored copy of each.

>>> [(s.key, s.name) for s in SCREENS if s.key is not None]
[('o', 'overview'), ('t', 'topics'), ('g', 'groups'), ('a', 'alerts'), ('x', 'traces')]
>>> [s.title for s in SCREENS if s.key is None]  # doctest: +NORMALIZE_WHITESPACE
['Topic detail (enter: messages of the partition)',
 'Group detail (enter: messages from the committed offset)', 'Messages']
"""

from __future__ import annotations

from dataclasses import dataclass

from airstream.monitor.screens.alerts import AlertsScreen
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.screens.group_detail import GroupDetailScreen
from airstream.monitor.screens.groups import GroupsScreen
from airstream.monitor.screens.messages import MessagesScreen
from airstream.monitor.screens.overview import OverviewScreen
from airstream.monitor.screens.topic_detail import TopicDetailScreen
from airstream.monitor.screens.topics import TopicsScreen
from airstream.monitor.screens.traces import TracesScreen

__all__ = ["SCREENS", "ScreenEntry"]


@dataclass(frozen=True, slots=True)
class ScreenEntry:
    """One screen of airmon: its class, how help introduces it, and for a top-level screen its key."""

    name: str
    """The screen's name; for a top-level screen, the name of its mode (``switch_mode(name)``)."""
    screen: type[AirmonScreen]
    """The screen's class; help reads its ``BINDINGS``."""
    title: str
    """The heading of the screen's keys in help, with what enter does there."""
    key: str | None = None
    """The key that switches to this top-level screen; ``None`` for a detail screen the app pushes."""
    label: str = ""
    """What help calls the key among the keys that work everywhere (a top-level screen only)."""


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry("overview", OverviewScreen, "Overview (enter: filter the other panes by the selected row)",
                "o", "Overview"),
    ScreenEntry("topics", TopicsScreen, "Topics (enter: topic detail)", "t", "Topics"),
    ScreenEntry("topic_detail", TopicDetailScreen, "Topic detail (enter: messages of the partition)"),
    ScreenEntry("groups", GroupsScreen, "Consumer groups (enter: group detail)", "g", "Groups"),
    ScreenEntry("group_detail", GroupDetailScreen, "Group detail (enter: messages from the committed offset)"),
    ScreenEntry("messages", MessagesScreen, "Messages"),
    ScreenEntry("alerts", AlertsScreen, "Alerts", "a", "Alerts"),
    ScreenEntry("traces", TracesScreen, "Traces", "x", "Traces"),
)
"""Every screen, in the order help lists them (and the footer the top-level screens' keys)."""
