"""Messages: browse one partition from a position, or tail it live; filter on key, value and headers.

Every read is a blocking fetch, so it runs in a worker (``AirmonApp.run_blocking``); the screen only
draws the pages that come back. A live tail reads on from the last offset seen, once per refresh
interval, and keeps the newest :data:`KEEP` records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from airstream.monitor.browse import BrowsedMessage, Page, Position
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.widgets.format import fmt_int, fmt_time
from airstream.monitor.widgets.live_table import LiveTable

__all__ = ["KEEP", "PAGE", "MessagesScreen"]

_START = Binding.Group("Start")

PAGE = 200
"""Records read per page."""
KEEP = 2000
"""Records kept on screen while tailing; older ones scroll away."""


class MessagesScreen(AirmonScreen):
    """The records of ``topic``/``partition``, newest page first unless a start offset is given."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("e", "earliest", "Earliest", group=_START),
        Binding("l", "latest", "Latest", group=_START),
        Binding("p", "focus_position", "Go to"),
        Binding("n", "next_page", "More", show=False),
        Binding("f", "toggle_tail", "Tail"),
        Binding("slash", "focus_filter", "Filter", key_display="/"),
    ]

    def __init__(self, topic: str, partition: int, start: int | None = None) -> None:
        super().__init__()
        self.topic = topic
        self.partition = partition
        self.position = Position.at_offset(start) if start is not None else Position.latest()
        self.messages: list[BrowsedMessage] = []
        self.page: Page | None = None
        self.tailing = False
        self.unavailable: str | None = None
        """Why nothing can be read here (no Kafka behind the source), shown instead of the heading."""
        self._reading = False
        self._waiting: tuple[Position | None, bool] | None = None
        self._tail_timer: Timer | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="heading")
        with Horizontal(id="controls"):
            yield Input(placeholder="p: earliest | latest | offset | 2024-02-01T10:00", id="position",
                        compact=True)
            yield Input(placeholder="/ filter key, value, headers", id="filter", compact=True)
        yield LiveTable([("offset", "Offset"), ("time", "Timestamp (UTC)"), ("key", "Key"), ("value", "Value")],
                        id="messages")
        with VerticalScroll(id="detail"):
            yield Static(id="record")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#messages").focus()
        self.load(self.position)

    def on_unmount(self) -> None:
        if self._tail_timer is not None:
            self._tail_timer.stop()

    # -- reading --------------------------------------------------------------------------------

    def load(self, position: Position) -> None:
        """Replace what is shown with the page that starts at ``position``."""
        self.position = position
        self._read(position, replace=True)

    def _read(self, position: Position | None, *, replace: bool) -> None:
        """Read a page from ``position`` (``None``: on from the last record read) in a worker."""
        browser = self.airmon.browser
        if browser is None:
            self.unavailable = (f"Messages cannot be read from {self.airmon.source.name}: airmon was started "
                                "without a message browser for it.")
            self._draw()
            return
        if self._reading:
            # One read at a time, in order; a new page replaces any waiting one, a tail tick does not.
            if replace or self._waiting is None:
                self._waiting = (position, replace)
            return
        if position is None:
            if self.page is None:
                return
            position = Position.at_offset(self.page.next_offset)
        self._reading = True
        topic, partition, start = self.topic, self.partition, position

        def finished() -> None:
            self._reading = False
            waiting, self._waiting = self._waiting, None
            if waiting is not None:
                self._read(waiting[0], replace=waiting[1])

        def done(page: Page) -> None:
            self._show_page(page, replace=replace)
            finished()

        def failed(_: str) -> None:
            finished()

        self.airmon.run_blocking(f"reading {topic}/{partition} from {start}",
                                 lambda: browser.read(topic, partition, start, limit=PAGE), done, failed,
                                 owner=self)

    def _show_page(self, page: Page, *, replace: bool) -> None:
        self.page = page
        self.messages = list(page.messages) if replace else (self.messages + list(page.messages))[-KEEP:]
        self.redraw()
        table = self.query_one("#messages", LiveTable)
        newest_first_seen = self.tailing or (replace and self.position.kind == "latest")
        if newest_first_seen and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)

    # -- drawing --------------------------------------------------------------------------------

    def redraw(self) -> None:
        # The records come from the browser, not the snapshot: draw them whether or not one exists yet.
        super().redraw()
        self._draw()

    def _draw(self) -> None:
        needle = self.query_one("#filter", Input).value.strip()
        shown = [m for m in self.messages if not needle or m.matches(needle)]
        self.query_one("#messages", LiveTable).set_rows([(str(m.offset), [
            str(m.offset), fmt_time(m.timestamp_ms / 1000 if m.timestamp_ms is not None else None),
            _one_line(m.key_text, 24), _one_line(m.value_text, 200)]) for m in shown])
        page = self.page
        if self.unavailable is not None:
            self.query_one("#heading", Static).update(Text(self.unavailable, style="bold red"))
            return
        heading = Text.assemble(
            (f"{self.topic}/{self.partition}", "bold"),
            f" · from {self.position}",
            f" · stored {fmt_int(page.low_watermark)}…{fmt_int(page.high_watermark)}" if page else " · reading…",
            f" · {len(shown)} of {len(self.messages)} shown" if needle else f" · {len(self.messages)} records",
            (" · TAILING", "bold green") if self.tailing else "",
        )
        self.query_one("#heading", Static).update(heading)
        self._show_record()

    def _show_record(self) -> None:
        key = self.query_one("#messages", LiveTable).cursor_key
        message = next((m for m in self.messages if str(m.offset) == key), None)
        record = self.query_one("#record", Static)
        if message is None:
            record.update(Text("No record selected.", style="dim"))
            return
        ts = fmt_time(message.timestamp_ms / 1000) if message.timestamp_ms is not None else "-"
        headers = message.header_text or ["(none)"]
        record.update(Text.assemble(
            ("offset ", "dim"), str(message.offset), ("  timestamp ", "dim"), ts, "\n",
            ("key ", "dim"), message.key_text if message.key is not None else "(null)", "\n",
            ("headers ", "dim"), "; ".join(headers), "\n",
            message.value_pretty,
        ))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_record()

    # -- keys -----------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self._draw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "position" and event.value.strip():
            try:
                position = Position.parse(event.value)
            except ValueError as exc:
                self.airmon.notice(f"⚠ {exc}", error=True)
                return
            self.load(position)
        self.query_one("#messages").focus()

    def action_back(self) -> None:
        """Leave the filter or position box, or else the screen."""
        if isinstance(self.focused, Input):
            self.query_one("#messages").focus()
        else:
            self.app.pop_screen()

    def action_earliest(self) -> None:
        """Read from the oldest stored record."""
        self.load(Position.earliest())

    def action_latest(self) -> None:
        """Read the newest page."""
        self.load(Position.latest())

    def action_next_page(self) -> None:
        """Read the page after the last record shown (appended)."""
        self._read(None, replace=False)

    def action_focus_position(self) -> None:
        """Type where to start: earliest, latest, an offset or a date/time."""
        self.query_one("#position").focus()

    def action_focus_filter(self) -> None:
        """Type text that shown records must contain in key, value or a header."""
        self.query_one("#filter").focus()

    def action_toggle_tail(self) -> None:
        """Follow the partition live: read new records every refresh interval."""
        self.tailing = not self.tailing
        if self.tailing:
            self._tail_timer = self.set_interval(self.airmon.refresh_interval, self.action_next_page)
            self.action_next_page()
        elif self._tail_timer is not None:
            self._tail_timer.stop()
            self._tail_timer = None
        self._draw()


def _one_line(text: str, width: int) -> str:
    flat = text.replace("\n", "↵")
    return flat if len(flat) <= width else flat[: width - 1] + "…"
