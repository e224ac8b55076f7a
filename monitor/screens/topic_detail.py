"""Topic detail: per-partition placement and watermarks, inflow, and the topic's configuration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from airstream.monitor.model import ClusterSnapshot, PartitionInfo
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.widgets.format import fmt_count, fmt_ids, fmt_int, fmt_rate
from airstream.monitor.widgets.live_table import Column, LiveTable

__all__ = ["TopicDetailScreen"]


class TopicDetailScreen(AirmonScreen):
    """One topic: leader, replicas, ISR, low/high watermark, messages and rate per partition; config.

    The configuration is read once when the screen opens (``c`` reads it again), in a worker: it is a
    describe-configs request the periodic refresh does not make.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("m", "messages", "Messages"),
        Binding("M", "partition_messages", "Partition"),
        Binding("c", "load_config", "Config"),
    ]

    def __init__(self, topic: str) -> None:
        super().__init__()
        self.topic = topic
        self.config: Mapping[str, str] | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="heading")
        yield LiveTable([("partition", "Part"), ("leader", "Leader"), Column("replicas", "Replicas", drop=2),
                         ("isr", "ISR"), Column("low", "Low", drop=1), ("high", "High"), ("messages", "Messages"),
                         ("rate", "In/s")], id="partitions")
        yield Label("Configuration", classes="pane-title")
        yield LiveTable([("key", "Setting"), ("value", "Value")], id="config")

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

    def _show_config(self, config: Mapping[str, str]) -> None:
        self.config = config
        self.query_one("#config", LiveTable).set_rows(
            [(key, [key, value]) for key, value in sorted(config.items())])

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
