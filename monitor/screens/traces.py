"""Traces: producer -> topic -> group hops with counts and latency, per-minute expected vs consumed, paths.

Drawn from ``AirmonApp.traces`` (a :class:`~airstream.monitor.traces.TraceModel` read by ``TraceReader`` in the
refresh worker), never from Kafka. Typing in the filter keeps the hops and paths that touch a
producer, topic or group whose name contains the text. The app shows it as the ``traces`` mode
(:mod:`~airstream.monitor.screens.registry`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Static

from airstream.monitor.model import ClusterSnapshot
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.traces import Hop, LatencyStats, TraceModel
from airstream.monitor.widgets.format import fmt_int, fmt_millis
from airstream.monitor.widgets.live_table import Column, LiveTable

__all__ = ["NO_TRACES", "TracesScreen", "hop_key", "hop_matches"]

NO_TRACES = ("No traces yet. Traces come from clients built with airstream.topology.tracing (TracingProducer, "
             "TracingConsumer), which publish to __airstream_metrics.")


def hop_key(hop: Hop) -> str:
    """A stable row key for a hop."""
    via = f"{hop.via}@{hop.via_run}" if hop.via_run else hop.via  # two runs of one group: two rows
    return f"{hop.origin or '?'}|{hop.hop}|{via}|{hop.topic}|{hop.group or ''}"


def hop_matches(hop: Hop, text: str) -> bool:
    """Whether the hop's origin, writer, topic, group or a producer client id contains ``text`` (any case).

    >>> h = Hop("replay", 0, "", "airline-tweets", "scorer", 10, 10)
    >>> hop_matches(h, "TWEETS"), hop_matches(h, "score"), hop_matches(h, "audit")
    (True, True, False)
    """
    needle = text.casefold()
    names = (hop.origin or "", hop.writer, hop.topic, hop.group or "", *hop.producers)
    return any(needle in n.casefold() for n in names)


def _ms(stats: LatencyStats | None, field: str) -> str:
    return fmt_millis(None if stats is None else getattr(stats, field))


def _missing(value: int | None) -> str | Text:
    if value is None:
        return "-"
    return Text(fmt_int(value), style="bold red") if value > 0 else fmt_int(value)


class TracesScreen(AirmonScreen):
    """Hops (writer -> topic -> group), the highlighted hop per minute, and the multi-hop paths."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("escape", "clear_filter", "Clear", show=False),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder="/ filter by producer, topic or group", id="filter", compact=True)
        yield LiveTable([Column("writer", "Writer", max_width=20), Column("topic", "Topic", max_width=24),
                         Column("group", "Group", max_width=20), Column("hop", "Hop", drop=2),
                         Column("produced", "Produced", drop=3), ("consumed", "Consumed"), ("missing", "Missing"),
                         ("p99", "p99"), Column("max", "Max", drop=1), ("e2e", "E2E p99")], id="hops")
        yield Label("", id="minutes-title", classes="pane-title")
        yield LiveTable([("minute", "Minute"), ("produced", "Expected"), ("consumed", "Consumed"),
                         ("missing", "Missing"), ("p99", "p99"), ("e2e", "E2E p99")], id="minutes")
        yield Label("Paths", classes="pane-title")
        with VerticalScroll(id="paths-box"):
            yield Static("", id="paths")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#hops").focus()

    def _model(self) -> TraceModel | None:
        return self.airmon.traces

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        model = self._model()
        text = self.query_one("#filter", Input).value.strip()
        hops = [h for h in (model.hops if model else ()) if hop_matches(h, text)]
        self.query_one("#hops", LiveTable).set_rows([(hop_key(h), self._hop_row(h)) for h in hops])
        paths = [p for p in (model.paths if model else ())
                 if not text or any(text.casefold() in n.casefold() for n in p.nodes)]
        lines = [f"{p.text}   e2e p99 {_ms(p.e2e, 'p99_ms')}, {fmt_int(p.hops[-1].consumed)} arrived"
                 for p in paths]
        if model is None or (not model.hops and not model.paths):
            reasons = [m.text for m in model.messages] if model else []
            lines = [NO_TRACES, *reasons]
        self.query_one("#paths", Static).update(Text("\n".join(lines) or "No path matches the filter."))
        self._show_minutes()

    @staticmethod
    def _hop_row(h: Hop) -> list[str | Text]:
        return [h.writer, h.topic, h.group or "(no reader)", "-" if h.hop is None else str(h.hop),
                "-" if h.produced is None else fmt_int(h.produced), fmt_int(h.consumed), _missing(h.missing),
                _ms(h.latency, "p99_ms"), _ms(h.latency, "max_ms"), _ms(h.e2e, "p99_ms")]

    def _cursor_hop(self) -> Hop | None:
        key = self.query_one("#hops", LiveTable).cursor_key
        model = self._model()
        if key is None or model is None:
            return None
        return next((h for h in model.hops if hop_key(h) == key), None)

    def _show_minutes(self) -> None:
        hop = self._cursor_hop()
        rows = []
        if hop is not None:
            for m in hop.minutes:
                label = datetime.fromtimestamp(m.minute, UTC).strftime("%H:%M") if m.minute >= 0 else "?"
                rows.append((str(m.minute), [label, "-" if m.produced is None else fmt_int(m.produced),
                                             fmt_int(m.consumed), _missing(m.missing), _ms(m.latency, "p99_ms"),
                                             _ms(m.e2e, "p99_ms")]))
        self.query_one("#minutes", LiveTable).set_rows(rows)
        title = f"Per minute: {hop.text}" if hop is not None else "Per minute: no hop selected"
        self.query_one("#minutes-title", Label).update(title)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "hops":
            self._show_minutes()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.redraw()

    def action_focus_filter(self) -> None:
        """Move to the filter box."""
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        """Empty the filter and go back to the hops."""
        self.query_one("#filter", Input).value = ""
        self.query_one("#hops").focus()
