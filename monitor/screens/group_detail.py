"""Group detail: per-partition committed offset, end offset, lag, status and owner; lag history charts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Label, Sparkline, Static

from airstream.monitor.browse import Position
from airstream.monitor.model import ClusterSnapshot, GroupInfo, GroupPartition
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.widgets.cells import drain_text, judged_by, status_cell
from airstream.monitor.widgets.format import fmt_ago, fmt_count, fmt_duration, fmt_int, fmt_rate
from airstream.monitor.widgets.live_table import Column, LiveTable

__all__ = ["GroupDetailScreen"]


def _range(series: Sequence[float]) -> str:
    return f"{fmt_int(int(min(series)))} … {fmt_int(int(max(series)))}" if series else "no history yet"


class GroupDetailScreen(AirmonScreen):
    """One consumer group, partition by partition, with its total lag and the selected partition's lag over time."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("l", "time_lag", "Time lag"),
        Binding("m", "messages", "Messages"),
        Binding("D", "delete_group", "Delete"),
        Binding("R", "reset_offsets", "Reset"),
    ]

    def __init__(self, group_id: str) -> None:
        super().__init__()
        self.group_id = group_id
        self.time_lags: dict[tuple[str, int], float] = {}

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="heading")
        yield LiveTable([Column("topic", "Topic", max_width=32), ("partition", "Part"),
                         Column("committed", "Committed", drop=3), Column("end", "End", drop=4), ("lag", "Lag"),
                         ("status", "Status"), ("last_commit", "Last commit"), ("time_lag", "Time lag"),
                         Column("client", "Owner", drop=1, max_width=24), Column("host", "Host", drop=2)],
                        id="partitions")
        yield Label("", id="total-title", classes="chart-title")
        yield Sparkline([], id="total-chart", classes="chart")
        yield Label("", id="partition-title", classes="chart-title")
        yield Sparkline([], id="partition-chart", classes="chart")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#partitions").focus()

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        group = snapshot.group(self.group_id)
        heading = self.query_one("#heading", Static)
        if group is None:
            heading.update(Text(f"Group {self.group_id} no longer exists.", style="bold red"))
            self.query_one("#partitions", LiveTable).set_rows([])
            return
        heading.update(self._heading(group))
        self.query_one("#partitions", LiveTable).set_rows([self._row(p, snapshot.taken_at)
                                                           for p in group.partitions])
        self._show_charts()

    def _heading(self, g: GroupInfo) -> Text:
        return Text.assemble(
            (f"Group {g.group_id}", "bold"),
            f" · {g.state} · {fmt_count(len(g.members), 'member')} · assignor {g.assignor or '-'}"
            f" · coordinator {g.coordinator_id if g.coordinator_id >= 0 else '-'}\n",
            f"lag {fmt_int(g.total_lag)} · status ", status_cell(g.verdict), f" ({judged_by(g.lag_source)})",
            f" · consuming {fmt_rate(g.consume_rate)} · input {fmt_rate(g.produce_rate)}"
            f" · {self._drain(g)}",
            (f"\n{g.error}", "red") if g.error else "",
        )

    @staticmethod
    def _drain(g: GroupInfo) -> str:
        if g.caught_up:
            return "caught up"
        # "drains in" fits a duration only: not "never" or "-" (rates not known yet).
        return f"drains in {drain_text(g)}" if g.time_to_drain is not None else f"time to drain: {drain_text(g)}"

    def _row(self, p: GroupPartition, now: float) -> tuple[str, list[str | Text]]:
        time_lag = self.time_lags.get((p.topic, p.partition))
        last_commit = p.last_commit_at
        return f"{p.topic}/{p.partition}", [
            p.topic, str(p.partition), fmt_int(p.committed_offset), fmt_int(p.end_offset), fmt_int(p.lag),
            status_cell(p.status), fmt_ago(None if last_commit is None else max(now - last_commit, 0)),
            fmt_duration(time_lag), p.client_id or "-", p.host or "-"]

    def _cursor_partition(self) -> tuple[str, int] | None:
        key = self.query_one("#partitions", LiveTable).cursor_key
        if key is None:
            return None
        topic, _, number = key.rpartition("/")
        return topic, int(number)

    def _show_charts(self) -> None:
        total = self.airmon.group_lag_series(self.group_id)
        self.query_one("#total-chart", Sparkline).data = total
        self.query_one("#total-title", Label).update(Text(f"Total lag: {_range(total)}"))
        selected = self._cursor_partition()
        series = self.airmon.partition_lag_series(self.group_id, *selected) if selected else []
        self.query_one("#partition-chart", Sparkline).data = series
        name = f"{selected[0]}/{selected[1]}" if selected else "-"
        self.query_one("#partition-title", Label).update(Text(f"Lag of {name}: {_range(series)}"))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_charts()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_messages()

    def action_messages(self) -> None:
        """Browse the partition under the cursor, from the group's committed offset."""
        selected = self._cursor_partition()
        if selected is None:
            return
        snapshot = self.airmon.snapshot
        group = snapshot.group(self.group_id) if snapshot else None
        entry = group.partition(*selected) if group else None
        start = Position.at_offset(entry.committed_offset) if entry and entry.committed_offset is not None else None
        self.airmon.open_messages(*selected, start=start)

    def action_time_lag(self) -> None:
        """Read the age of the oldest unconsumed record on each partition."""
        self.airmon.read_time_lag(self.group_id, self._time_lag_read, owner=self)

    def _time_lag_read(self, group: GroupInfo) -> None:
        self.time_lags = {(p.topic, p.partition): p.time_lag for p in group.partitions if p.time_lag is not None}
        self.redraw()

    def action_delete_group(self) -> None:
        """Delete this group (needs --allow-writes and its name typed)."""
        self.airmon.confirm_delete_group(self.group_id)

    def action_reset_offsets(self) -> None:
        """Reset this group's offsets, all or the partition under the cursor (needs --allow-writes and its
        name typed)."""
        selected = self._cursor_partition()
        self.airmon.confirm_reset_offsets(self.group_id, f"{selected[0]}/{selected[1]}" if selected else "all")
