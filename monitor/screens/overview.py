"""Overview: the cluster at a glance, and four linked panes as in Streams Messaging Manager.

Selecting a row in one pane (Enter or a click) filters the other panes to what is related to it: a
topic shows the groups reading it and the brokers holding its replicas; a group shows its topics and
the brokers that hold them or coordinate it; a broker shows the topics with replicas on it and the
groups reading those or coordinated by it. Selecting the same row again, or Escape, clears the filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from airstream.monitor.model import ClusterSnapshot
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.traces import TraceModel
from airstream.monitor.widgets.cells import status_cell
from airstream.monitor.widgets.format import fmt_count, fmt_int, fmt_rate, fmt_time
from airstream.monitor.widgets.live_table import Column, LiveTable, Row

__all__ = ["OverviewScreen", "Related"]

NO_PRODUCERS = ("No producer data yet. Producers are identified from message traces (airstream traces), "
                "which this cluster has not reported.")

_PANES = ("producers", "topics", "groups", "brokers")
_NAMES = {"producers": "Producers", "topics": "Topics", "groups": "Consumer groups", "brokers": "Brokers"}


class Related:
    """The names related to a selected producer, topic, group or broker, per pane (``None``: no filter).

    Producers are known only from traces (``airstream.monitor.traces.TraceModel``); without them a selection
    filters the other three panes and the producers pane stays empty.

    >>> from airstream.monitor.model import ClusterSnapshot, TopicInfo, PartitionInfo, GroupInfo, GroupPartition
    >>> snap = ClusterSnapshot(topics=(TopicInfo("t", partitions=(PartitionInfo("t", 0, 1, (1,), (1,)),)),),
    ...                        groups=(GroupInfo("g", partitions=(GroupPartition("t", 0, 1, 2),)),))
    >>> r = Related.to(snap, None, "topics", "t")
    >>> r.groups, r.brokers, r.topics
    ({'g'}, {'1'}, None)
    """

    def __init__(self, producers: set[str] | None = None, topics: set[str] | None = None,
                 groups: set[str] | None = None, brokers: set[str] | None = None) -> None:
        self.producers, self.topics, self.groups, self.brokers = producers, topics, groups, brokers

    @classmethod
    def to(cls, snapshot: ClusterSnapshot, traces: TraceModel | None, pane: str, key: str) -> Related:
        """What is related to row ``key`` of ``pane`` (``"producers"``, ``"topics"``, ``"groups"``, ``"brokers"``).

        The topics of the selection decide the rest: a producer's are those it writes, a group's those
        it reads, a broker's those with a replica on it. Groups are those reading them (and a broker's
        coordinated groups), brokers those holding their replicas (and a group's coordinator),
        producers those writing them.
        """
        if pane == "producers":
            producer = traces.producer(key) if traces else None
            topics = {w.topic for w in producer.topics} if producer else set()
        elif pane == "topics":
            topics = {key}
        elif pane == "groups":
            group = snapshot.group(key)
            topics = set(group.topics) if group else set()
        else:
            topics = {t.name for t in snapshot.topics_on_broker(int(key))}
        groups = {g.group_id for g in snapshot.groups if topics.intersection(g.topics)}
        brokers = {str(b) for t in topics if (info := snapshot.topic(t)) for p in info.partitions for b in p.replicas}
        if pane == "groups" and (group := snapshot.group(key)) is not None and group.coordinator_id >= 0:
            brokers.add(str(group.coordinator_id))
        if pane == "brokers":
            groups |= {g.group_id for g in snapshot.groups if g.coordinator_id == int(key)}
        producers = {p.client_id for p in traces.producers if topics.intersection(w.topic for w in p.topics)} \
            if traces else set()
        related = cls(producers, topics, groups, brokers)
        setattr(related, pane, None)  # the selected pane itself stays whole
        return related

    def allows(self, pane: str, key: str) -> bool:
        """Whether row ``key`` of ``pane`` stays visible."""
        names: set[str] | None = getattr(self, pane)
        return names is None or key in names


class OverviewScreen(AirmonScreen):
    """Brokers, topic and partition counts, groups by state, total lag, firing alerts; linked panes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_selection", "Unfilter"),
        Binding("d", "details", "Details"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.selection: tuple[str, str] | None = None
        """The selected pane and row key, e.g. ``("groups", "scorer")``, or ``None``."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="summary")
        with Grid(id="panes"):
            with Vertical(classes="pane", id="producers-pane"):
                yield Label("Producers", classes="pane-title", id="producers-title")
                yield Static(NO_PRODUCERS, id="producers-empty", classes="empty")
                producers = LiveTable([Column("name", "Producer", max_width=18), ("produced", "Produced"),
                                       Column("seen", "Last seen", drop=1)],
                                      id="producers")
                producers.display = False  # until traces name a producer; hidden, it takes no focus
                yield producers
            with Vertical(classes="pane"):
                yield Label("Topics", classes="pane-title", id="topics-title")
                yield LiveTable([Column("name", "Topic", max_width=15), ("messages", "Messages"), ("rate", "In/s")],
                                id="topics")
            with Vertical(classes="pane"):
                yield Label("Consumer groups", classes="pane-title", id="groups-title")
                yield LiveTable([Column("name", "Group", max_width=16), Column("state", "State", drop=1),
                                 ("lag", "Lag"), ("status", "Status")], id="groups")
            with Vertical(classes="pane"):
                yield Label("Brokers", classes="pane-title", id="brokers-title")
                yield LiveTable([("id", "Id"), Column("host", "Host", max_width=22), ("status", "Status"),
                                 Column("role", "Role", drop=1)], id="brokers")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#topics").focus()

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        self.query_one("#summary", Static).update(self._summary(snapshot))
        traces = self.airmon.traces
        related = Related.to(snapshot, traces, *self.selection) if self.selection is not None else Related()
        self._fill_producers(traces, related)
        self._fill_topics(snapshot, related)
        self._fill_groups(snapshot, related)
        self._fill_brokers(snapshot, related)
        for pane in _PANES:
            self.query_one(f"#{pane}-title", Label).update(self._title(pane))

    def _summary(self, snapshot: ClusterSnapshot) -> Text:
        controller = snapshot.broker(snapshot.controller_id)
        # Three short lines, so nothing wraps mid-phrase in 80 columns; the cluster id is in the header.
        text = Text()
        text.append(f"{fmt_count(len(snapshot.brokers), 'broker')}")
        if snapshot.down_brokers:
            text.append(f" ({len(snapshot.down_brokers)} DOWN)", style="bold red")
        text.append(f", controller {controller.id if controller else '-'}"
                    f" · {fmt_count(len(snapshot.topics), 'topic')}"
                    f" · {fmt_count(snapshot.partition_count, 'partition')}\nPartitions: ")
        urp, offline = snapshot.under_replicated_count, snapshot.offline_count
        text.append(f"{urp} under-replicated", style="bold red" if urp else "")
        text.append(", ")
        text.append(f"{offline} offline", style="bold red" if offline else "")
        text.append(" · ")
        firing = len(self.airmon.alerts.firing)
        text.append(f"{fmt_count(firing, 'alert')} firing", style="bold red" if firing else "")
        by_state = ", ".join(f"{n} {state}" for state, n in sorted(snapshot.groups_by_state().items()))
        text.append(f"\n{fmt_count(len(snapshot.groups), 'group')}" + (f" ({by_state})" if by_state else ""))
        text.append(f" · total lag {fmt_int(snapshot.total_lag)}")
        return text

    def _title(self, pane: str) -> Text:
        if self.selection is None or self.selection[0] == pane:
            return Text(_NAMES[pane])
        kind, key = self.selection
        return Text(f"{_NAMES[pane]} · related to {kind[:-1]} {key}")

    def _fill_producers(self, traces: TraceModel | None, related: Related) -> None:
        producers = traces.producers if traces else ()
        table, empty = self.query_one("#producers", LiveTable), self.query_one("#producers-empty", Static)
        table.display, empty.display = bool(producers), not producers
        if not producers:
            why = [m.message for m in traces.messages] if traces else []
            empty.update(Text(f"No producer data yet: {' '.join(why)}" if why else NO_PRODUCERS))
        table.set_rows([(p.client_id, [Text(p.client_id, style="" if p.active else "dim"), fmt_int(p.produced),
                                       fmt_time(p.last_seen)[11:] if p.last_seen else "-"])
                        for p in producers if related.allows("producers", p.client_id)])

    def _fill_topics(self, snapshot: ClusterSnapshot, related: Related) -> None:
        rows = [(t.name, [t.name, fmt_int(t.total_messages), fmt_rate(t.messages_in_per_sec)])
                for t in snapshot.user_topics() if related.allows("topics", t.name)]
        self.query_one("#topics", LiveTable).set_rows(rows)

    def _fill_groups(self, snapshot: ClusterSnapshot, related: Related) -> None:
        rows: list[Row] = [(g.group_id, [g.group_id, g.state, fmt_int(g.total_lag), status_cell(g.verdict)])
                for g in snapshot.groups if related.allows("groups", g.group_id)]
        self.query_one("#groups", LiveTable).set_rows(rows)

    def _fill_brokers(self, snapshot: ClusterSnapshot, related: Related) -> None:
        rows: list[Row] = [(str(b.id), [str(b.id), b.address, Text("up", style="green"),
                                        "controller" if b.id == snapshot.controller_id else ""])
                           for b in snapshot.brokers if related.allows("brokers", str(b.id))]
        # A broker seen earlier (or holding replicas) and gone now stays in the list, in red, with the
        # number of partitions that lost a replica on it.
        rows += [(str(b.id), [str(b.id), b.address if b.host else "-", Text("DOWN", style="bold red"),
                              fmt_count(snapshot.partitions_on(b.id), "partition") + " affected"])
                 for b in snapshot.down_brokers if related.allows("brokers", str(b.id))]
        self.query_one("#brokers", LiveTable).set_rows(sorted(rows, key=lambda row: int(row[0])))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        pane, key = event.data_table.id or "", event.row_key.value or ""
        self.selection = None if self.selection == (pane, key) else (pane, key)
        self.redraw()

    def action_clear_selection(self) -> None:
        """Show every row in every pane again."""
        self.selection = None
        self.redraw()

    def action_details(self) -> None:
        """Open the detail screen of the row under the cursor in the focused pane."""
        table = self.focused
        if not isinstance(table, LiveTable) or table.cursor_key is None:
            return
        if table.id == "topics":
            self.airmon.open_topic(table.cursor_key)
        elif table.id == "groups":
            self.airmon.open_group(table.cursor_key)
