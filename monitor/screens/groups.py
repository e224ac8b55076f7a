"""Consumer groups: state, members, lag, time lag, status, trend, time to drain; filtered and sorted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Sparkline

from airstream.monitor.model import ClusterSnapshot, GroupInfo
from airstream.monitor.screens.base import FilteredScreen
from airstream.monitor.widgets.cells import drain_text, judged_by, spark_text, status_cell
from airstream.monitor.widgets.format import fmt_duration, fmt_int
from airstream.monitor.widgets.live_table import Column, LiveTable

__all__ = ["TREND_POINTS", "GroupsScreen", "group_matches"]

TREND_POINTS = 12
"""Refreshes shown in the Trend column (the chart under the table shows the whole history)."""


_SORTS = ("name", "lag", "time lag", "status")


def group_matches(group: GroupInfo, text: str) -> bool:
    """Whether ``text`` (any case) is in the group's id, state, status word or one of its topics.

    >>> group_matches(GroupInfo("cloudair-scorer", state="Stable"), "scorer"), group_matches(GroupInfo("a"), "b")
    (True, False)
    """
    needle = text.casefold()
    words = [group.group_id, group.state, group.verdict.value if group.verdict else "", *group.topics]
    return any(needle in w.casefold() for w in words)


class GroupsScreen(FilteredScreen):
    """Every consumer group, filtered by ``/`` and sorted by name, lag, time lag or status (``s``).

    Time lag (the age of the oldest unconsumed record) costs a fetch per lagging partition, so it is
    read on demand: for the group under the cursor (``l``), or for every lagging group when the list
    is sorted by it; it is kept until read again.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("l", "time_lag", "Time lag"),
        Binding("D", "delete_group", "Delete"),
        Binding("R", "reset_offsets", "Reset"),
        Binding("escape", "clear_filter", "Clear", show=False),
    ]
    TABLE_ID = "groups"

    def __init__(self) -> None:
        super().__init__()
        self.time_lags: dict[str, float | None] = {}
        """Time lag read on demand, by group id (``None``: read, but nothing is unconsumed)."""
        self.sort = "name"

    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder="/ filter groups by name, state, status or topic", id="filter", compact=True)
        yield LiveTable([Column("name", "Group", max_width=32), Column("state", "State", drop=2),
                         Column("members", "Members", drop=3), Column("assigned", "Parts", drop=4), ("lag", "Lag"),
                         ("time_lag", "Time lag"), ("status", "Status"), Column("trend", "Trend", drop=5),
                         ("drain", "Drain"), Column("judged", "Judged by", drop=1)], id="groups")
        yield Label("", id="trend-title", classes="pane-title")
        yield Sparkline([], id="trend")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#groups").focus()

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        text = self.filter_text
        shown = [g for g in snapshot.groups if not text or group_matches(g, text)]
        self.query_one("#groups", LiveTable).set_rows([self._row(g) for g in self._sorted(shown)])
        self._show_trend()

    def _sorted(self, groups: list[GroupInfo]) -> list[GroupInfo]:
        """Worst first for lag, time lag and status; ties, and the name sort, in name order."""
        by_name = sorted(groups, key=lambda g: g.group_id)
        if self.sort == "lag":
            return sorted(by_name, key=lambda g: -g.total_lag)
        if self.sort == "time lag":
            return sorted(by_name, key=lambda g: -(self.time_lags.get(g.group_id) or 0.0))
        if self.sort == "status":
            return sorted(by_name, key=lambda g: -(g.verdict.rank if g.verdict else -1))
        return by_name

    def _row(self, g: GroupInfo) -> tuple[str, list[str | Text]]:
        trend = self.airmon.group_lag_series(g.group_id)
        assigned = sum(len(m.assignments) for m in g.members)
        time_lag = fmt_duration(self.time_lags[g.group_id]) if g.group_id in self.time_lags else "l: read"
        return g.group_id, [g.group_id, g.state, str(len(g.members)), str(assigned), fmt_int(g.total_lag),
                            time_lag, status_cell(g.verdict), spark_text(trend, TREND_POINTS), drain_text(g),
                            judged_by(g.lag_source)]

    def _show_trend(self) -> None:
        group_id = self.query_one("#groups", LiveTable).cursor_key
        series = self.airmon.group_lag_series(group_id) if group_id else []
        self.query_one("#trend", Sparkline).data = series
        title = (f"Lag of {group_id}, last {len(series)} refreshes: {fmt_int(min(series))} … {fmt_int(max(series))}"
                 if group_id and series else "Lag trend: no history yet")
        self.query_one("#trend-title", Label).update(title)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_trend()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.airmon.open_group(event.row_key.value)

    def _cursor_group(self) -> str | None:
        return self.query_one("#groups", LiveTable).cursor_key


    def action_focus_filter(self) -> None:
        """Type to narrow the list by group name, state, status word or topic."""
        self.query_one("#filter").focus()


    def action_cycle_sort(self) -> None:
        """Sort by name, lag, time lag (read for every lagging group) or status, worst first."""
        self.sort = _SORTS[(_SORTS.index(self.sort) + 1) % len(_SORTS)]
        self.airmon.notice(f"groups sorted by {self.sort}")
        snapshot = self.airmon.snapshot
        if self.sort == "time lag" and snapshot is not None:
            lagging = [g.group_id for g in snapshot.groups if g.total_lag > 0]
            if lagging:
                self.airmon.read_time_lags(lagging, self._time_lags_read, owner=self)
        self.redraw()

    def _time_lags_read(self, ages: dict[str, float | None]) -> None:
        self.time_lags.update(ages)
        self.redraw()

    def action_time_lag(self) -> None:
        """Read the age of the oldest unconsumed record of the group under the cursor."""
        group_id = self._cursor_group()
        if group_id is not None:
            self.airmon.read_time_lag(group_id, self._time_lag_read, owner=self)

    def _time_lag_read(self, group: GroupInfo) -> None:
        self.time_lags[group.group_id] = group.max_time_lag
        self.redraw()

    def action_delete_group(self) -> None:
        """Delete the group under the cursor (needs --allow-writes and its name typed)."""
        group_id = self._cursor_group()
        if group_id is not None:
            self.airmon.confirm_delete_group(group_id)

    def action_reset_offsets(self) -> None:
        """Reset the group's offsets: earliest, latest, a time, an offset or shifted by N, with the new lag shown
        first (needs --allow-writes and its name typed)."""
        group_id = self._cursor_group()
        if group_id is not None:
            self.airmon.confirm_reset_offsets(group_id)
