"""Topic detail: per-partition placement and watermarks, inflow, and the topic's configuration."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from airstream.monitor.model import ClusterSnapshot, PartitionInfo, TopicSetting
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.widgets.format import fmt_count, fmt_ids, fmt_int, fmt_rate, fmt_setting
from airstream.monitor.widgets.live_table import Column, LiveTable

__all__ = ["TopicDetailScreen"]

_SET_BY = {"topic": "this topic", "broker": "brokers", "default": "default"}


class TopicDetailScreen(AirmonScreen):
    """One topic: leader, replicas, ISR, low/high watermark, messages and rate per partition; config.

    The configuration is read once when the screen opens (``c`` reads it again), in a worker: it is a
    describe-configs request the periodic refresh does not make.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("m", "messages", "Messages"),
        Binding("M", "partition_messages", "Partition"),
        Binding("c", "load_config", "Config", show=False),
        Binding("d", "toggle_defaults", "Defaults"),
    ]

    def __init__(self, topic: str) -> None:
        super().__init__()
        self.topic = topic
        self.config: tuple[TopicSetting, ...] | None = None
        self.only_overrides = False

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="heading")
        yield LiveTable([("partition", "Part"), ("leader", "Leader"), Column("replicas", "Replicas", drop=2),
                         ("isr", "ISR"), Column("low", "Low", drop=1), ("high", "High"), ("messages", "Messages"),
                         ("rate", "In/s")], id="partitions")
        yield Label("Configuration", classes="pane-title", id="config-title")
        yield LiveTable([Column("key", "Setting", max_width=40), ("value", "Value"), ("source", "Set by"),
                         Column("raw", "As stored", drop=1)], id="config")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#partitions").focus()
        self.action_load_config()

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        topic = snapshot.topic(self.topic)
        heading = self.query_one("#heading", Static)
        if topic is None:
            heading.update(Text(f"Topic {self.topic} no longer exists.", style="bold red"))
            self.query_one("#partitions", LiveTable).set_rows([])
            return
        heading.update(Text.assemble(
            (f"Topic {topic.name}", "bold"),
            f" · {fmt_count(topic.partition_count, 'partition')} · RF {topic.replication_factor}"
            f" · {fmt_int(topic.total_messages)} messages · {fmt_rate(topic.messages_in_per_sec)} in"
            f" · {topic.under_replicated_count} under-replicated · {topic.offline_count} offline",
            (f"\n{topic.error}", "red") if topic.error else "",
        ))
        self.query_one("#partitions", LiveTable).set_rows([self._row(p) for p in topic.partitions])

    def _row(self, p: PartitionInfo) -> tuple[str, list[str | Text]]:
        leader = Text("offline", style="bold red") if p.offline else Text(str(p.leader))
        isr = Text(fmt_ids(p.isr), style="bold red" if p.under_replicated else "")
        rate = self.airmon.history.partition_rate(p.topic, p.partition)
        return str(p.partition), [str(p.partition), leader, fmt_ids(p.replicas), isr,
                                  fmt_int(p.low_watermark), fmt_int(p.high_watermark),
                                  fmt_int(p.messages), fmt_rate(rate)]

    def action_load_config(self) -> None:
        """Read the topic's configuration again."""
        read = getattr(self.airmon.source, "topic_config", None)
        if read is None:
            self.airmon.notice(f"⚠ topic configuration is not available from {self.airmon.source.name}", error=True)
            return
        self.airmon.run_blocking(f"reading the configuration of topic {self.topic}", lambda: read(self.topic),
                                 self._show_config, owner=self)

    def _show_config(self, config: tuple[TopicSetting, ...]) -> None:
        self.config = config
        self._draw_config()

    def _draw_config(self) -> None:
        config = self.config or ()
        overrides = sum(s.overridden for s in config)
        shown = [s for s in config if s.overridden or not self.only_overrides]
        self.query_one("#config", LiveTable).set_rows([(s.name, [
            Text(s.name, style="bold yellow" if s.overridden else ""), fmt_setting(s.name, s.value),
            Text(_SET_BY[s.source], style="bold yellow" if s.overridden else "dim" if s.source == "default" else ""),
            s.value if s.value is not None else "-"]) for s in shown])
        hidden = " (d: show all)" if self.only_overrides else " (d: only those)"
        self.query_one("#config-title", Label).update(
            f"Configuration · {overrides} set on this topic, {len(config) - overrides} inherited"
            f"{hidden if config else ''}")

    def action_toggle_defaults(self) -> None:
        """Show only the settings this topic sets itself (where it differs from the brokers), or all."""
        self.only_overrides = not self.only_overrides
        self._draw_config()

    def action_messages(self) -> None:
        """Browse the topic's messages, all partitions merged by time."""
        self.airmon.open_messages(self.topic)

    def action_partition_messages(self) -> None:
        """Browse the messages of the partition under the cursor."""
        key = self.query_one("#partitions", LiveTable).cursor_key
        if key is not None:
            self.airmon.open_messages(self.topic, int(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "partitions":
            self.action_partition_messages()
