"""Topics: every topic with its size, inflow and the groups reading it; filter by typing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Input

from airstream.monitor.model import ClusterSnapshot, TopicInfo
from airstream.monitor.screens.base import FilteredScreen
from airstream.monitor.widgets.format import fmt_int, fmt_rate
from airstream.monitor.widgets.live_table import Column, LiveTable

__all__ = ["TopicsScreen", "readers_lag", "topic_matches"]


def topic_matches(topic: TopicInfo, text: str, *, show_internal: bool) -> bool:
    """Whether a topic is listed: its name contains ``text`` (any case), internal ones only on request.

    >>> t = TopicInfo("Airline-Tweets")
    >>> topic_matches(t, "tweet", show_internal=False), topic_matches(t, "score", show_internal=False)
    (True, False)
    >>> topic_matches(TopicInfo("__consumer_offsets", internal=True), "", show_internal=False)
    False
    """
    if topic.internal and not show_internal:
        return False
    return text.casefold() in topic.name.casefold()


def readers_lag(snapshot: ClusterSnapshot) -> dict[str, dict[str, int]]:
    """For each topic, the groups reading it (commits or assignments) and their lag on it.

    One pass over the groups, so a 100-group cluster costs one walk, not one per topic row.

    >>> from airstream.monitor.model import GroupInfo, GroupPartition, MemberInfo
    >>> g = GroupInfo("scorer", members=(MemberInfo("m", "c", "h", assignments=(("new", 0),)),),
    ...               partitions=(GroupPartition("tweets", 0, 5, 9), GroupPartition("tweets", 1, 2, 3)))
    >>> readers_lag(ClusterSnapshot(groups=(g,)))
    {'tweets': {'scorer': 5}, 'new': {'scorer': 0}}
    """
    lags: dict[str, dict[str, int]] = {}
    for g in snapshot.groups:
        for p in g.partitions:
            per_group = lags.setdefault(p.topic, {})
            per_group[g.group_id] = per_group.get(g.group_id, 0) + (p.lag or 0)
        for m in g.members:
            for topic, _ in m.assignments:
                lags.setdefault(topic, {}).setdefault(g.group_id, 0)
    return lags


class TopicsScreen(FilteredScreen):
    """Name, partitions, replication factor, messages/s in, total messages, and reading groups with lag."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("i", "toggle_internal", "Internal"),
        Binding("escape", "clear_filter", "Clear", show=False),
    ]
    TABLE_ID = "topics"

    def __init__(self) -> None:
        super().__init__()
        self.show_internal = False

    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder="/ filter topics by name", id="filter", compact=True)
        yield LiveTable([Column("name", "Topic", max_width=36), ("partitions", "Parts"), Column("rf", "RF", drop=1),
                         ("rate", "In/s"),
                         ("messages", "Messages"), ("groups", "Groups (lag)")], id="topics")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#topics").focus()

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        text = self.filter_text
        lags = readers_lag(snapshot)
        rows = []
        for t in snapshot.topics:
            if not topic_matches(t, text, show_internal=self.show_internal):
                continue
            readers = ", ".join(f"{group} ({fmt_int(lag)})" for group, lag in sorted(lags.get(t.name, {}).items()))
            rows.append((t.name, [t.name, str(t.partition_count), str(t.replication_factor),
                                  fmt_rate(t.messages_in_per_sec), fmt_int(t.total_messages), readers or "-"]))
        self.query_one("#topics", LiveTable).set_rows(rows)


    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.airmon.open_topic(event.row_key.value)

    def action_focus_filter(self) -> None:
        """Type to narrow the list by topic name."""
        self.query_one("#filter").focus()


    def action_toggle_internal(self) -> None:
        """Show or hide internal topics (``__consumer_offsets`` ...)."""
        self.show_internal = not self.show_internal
        self.redraw()

