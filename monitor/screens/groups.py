"""Consumer groups: state, members, lag and its trend, Burrow status, time to drain, time lag."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Label, Sparkline

from airstream.monitor.model import ClusterSnapshot, GroupInfo
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.widgets.cells import drain_text, judged_by, spark_text, status_cell
from airstream.monitor.widgets.format import fmt_duration, fmt_int
from airstream.monitor.widgets.live_table import LiveTable

__all__ = ["TREND_POINTS", "GroupsScreen"]

TREND_POINTS = 12
"""Refreshes shown in the Trend column (the chart under the table shows the whole history)."""


class GroupsScreen(AirmonScreen):
    """Every consumer group, in name order (a fixed order, so rows never move under the cursor).

    Time lag (the age of the oldest unconsumed record) costs a fetch per lagging partition, so it is
    read on demand for the group under the cursor (``l``) and kept until read again.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "time_lag", "Time lag"),
        Binding("D", "delete_group", "Delete"),
        Binding("R", "reset_offsets", "Reset"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.time_lags: dict[str, float | None] = {}
        """Time lag read on demand, by group id (``None``: read, but nothing is unconsumed)."""

    def compose_body(self) -> Iterable[Widget]:
        yield LiveTable([("name", "Group"), ("state", "State"), ("members", "Mbrs"), ("assigned", "Parts"),
                         ("lag", "Lag"), ("trend", "Trend"), ("status", "Status"), ("judged", "Judged by"),
                         ("drain", "Drain"), ("time_lag", "Time lag")], id="groups")
        yield Label("", id="trend-title", classes="pane-title")
        yield Sparkline([], id="trend")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#groups").focus()

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        self.query_one("#groups", LiveTable).set_rows([self._row(g) for g in snapshot.groups])
        self._show_trend()

    def _row(self, g: GroupInfo) -> tuple[str, list[str | Text]]:
        trend = self.airmon.group_lag_series(g.group_id)
        assigned = sum(len(m.assignments) for m in g.members)
        time_lag = fmt_duration(self.time_lags[g.group_id]) if g.group_id in self.time_lags else "l: read"
        return g.group_id, [g.group_id, g.state, str(len(g.members)), str(assigned), fmt_int(g.total_lag),
                            spark_text(trend, TREND_POINTS), status_cell(g.status), judged_by(g.lag_source),
                            drain_text(g), time_lag]

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
        """Reset the group's offsets to earliest or latest (needs --allow-writes and its name typed)."""
        group_id = self._cursor_group()
        if group_id is not None:
            self.airmon.confirm_reset_offsets(group_id)
