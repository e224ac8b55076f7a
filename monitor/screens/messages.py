"""Messages: a topic's records over all partitions (merged by time) or one; search, decode, tail, export.

Every read and search is a blocking fetch, so it runs in a worker (``AirmonApp.run_blocking``); the
screen only draws what comes back. The filter box takes the search language of
:mod:`airstream.monitor.search`: typing filters the records shown, Enter scans the whole topic forward
from the current position (with a progress bar; Escape cancels). A live tail reads on from where the
page ended, once per refresh interval, and keeps the newest :data:`KEEP` records.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

import orjson
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, ProgressBar, Static

from airstream.monitor.browse import BrowsedMessage, Page, Position, SearchResult
from airstream.monitor.decode import Decoded, Format, jsonable
from airstream.monitor.screens.base import AirmonScreen
from airstream.monitor.search import Query
from airstream.monitor.widgets.format import fmt_count, fmt_int, fmt_time_ms
from airstream.monitor.widgets.live_table import Column, LiveTable

__all__ = ["KEEP", "PAGE", "SCAN_LIMIT", "MessagesScreen", "export_jsonl"]

_START = Binding.Group("Start")

PAGE = 200
"""Records read per page."""
KEEP = 2000
"""Records kept on screen while tailing; older ones scroll away."""
SCAN_LIMIT = 1_000_000
"""Records a search reads at most before it stops and says so."""

_VIEWS = (Format.AUTO, Format.TEXT, Format.HEX)


def export_jsonl(messages: Iterable[BrowsedMessage], path: Path) -> int:
    """Write records as JSON lines (one object per record; JSON and Avro values as objects, text as a
    string, other bytes as hex); returns how many were written.

    Each line has ``topic``, ``partition``, ``offset``, ``timestamp`` (epoch ms), ``key``, ``value``,
    ``value_format`` and ``headers`` (name to text, the trace header decoded).
    """
    count = 0
    with path.open("wb") as out:
        for m in messages:
            out.write(orjson.dumps({
                "topic": m.topic, "partition": m.partition, "offset": m.offset, "timestamp": m.timestamp_ms,
                "key": _exported(m.key, m.key_view), "value": _exported(m.value, m.value_view),
                "value_format": m.value_view.format,
                "headers": [[name, text] for name, text in m.header_values()],
            }) + b"\n")
            count += 1
    return count


def _exported(raw: bytes | None, view: Decoded) -> object:
    if raw is None:
        return None
    if view.structured:
        return jsonable(view.data)
    return raw.decode("utf-8") if view.format == "text" else raw.hex()


class MessagesScreen(AirmonScreen):
    """The records of ``topic`` (every partition, merged by timestamp) or of one ``partition``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("e", "earliest", "Earliest", group=_START),
        Binding("l", "latest", "Latest", group=_START),
        Binding("p", "focus_position", "From"),
        Binding("slash", "focus_filter", "Find", key_display="/"),
        Binding("n", "next_page", "More", show=False),
        Binding("f", "toggle_tail", "Tail"),
        # Shown in help (?): the footer has room for 80 columns' worth of keys.
        Binding("P", "toggle_partition", "Partition", show=False),
        Binding("v", "cycle_view", "View"),
        Binding("E", "export", "Export", show=False),
        Binding("w", "write", "Write", show=False),
    ]

    def __init__(self, topic: str, partition: int | None = None, start: Position | None = None) -> None:
        super().__init__()
        self.topic = topic
        self.partition = partition
        self.position = start or Position.latest()
        self.messages: list[BrowsedMessage] = []
        self.page: Page | None = None
        self.search: SearchResult | None = None
        """The last search's result, shown instead of a page until another page is read."""
        self.view = Format.AUTO
        self.tailing = False
        self.unavailable: str | None = None
        """Why nothing can be read here (no Kafka behind the source), shown instead of the heading."""
        self._reading = False
        self._waiting: tuple[Position | None, bool] | None = None
        self._tail_timer: Timer | None = None
        self._cancel: threading.Event | None = None
        self._progress = (0, 0)

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="heading")
        with Horizontal(id="controls"):
            yield Input(placeholder="p: earliest|latest|offset|time|group:G", id="position", compact=True)
            yield Input(placeholder="/ filter shown · Enter: search topic", id="filter", compact=True)
        yield ProgressBar(id="scan", show_eta=False)
        yield LiveTable([("partition", "Part"), ("offset", "Offset"), ("time", "Timestamp (UTC)"),
                         Column("key", "Key", max_width=24), ("value", "Value")], id="messages")
        with VerticalScroll(id="detail"):
            yield Static(id="record")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#scan").display = False
        self.query_one("#messages").focus()
        self.load(self.position)

    def on_unmount(self) -> None:
        if self._tail_timer is not None:
            self._tail_timer.stop()
        if self._cancel is not None:
            self._cancel.set()

    # -- reading --------------------------------------------------------------------------------

    def load(self, position: Position) -> None:
        """Replace what is shown with the page that starts at ``position``."""
        self.position = position
        self._read(position, replace=True)

    def _read(self, position: Position | None, *, replace: bool) -> None:
        """Read a page from ``position`` (``None``: on from where the last page ended) in a worker."""
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
            position = self.page.next_position()
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

        self.airmon.run_blocking(f"reading {self._where()} from {start}",
                                 lambda: browser.read(topic, start, partition=partition, limit=PAGE), done, failed,
                                 owner=self)

    def _show_page(self, page: Page, *, replace: bool) -> None:
        self.page = page
        self.search = None
        self.messages = list(page.messages) if replace else (self.messages + list(page.messages))[-KEEP:]
        self.redraw()
        table = self.query_one("#messages", LiveTable)
        newest_first_seen = self.tailing or (replace and self.position.kind == "latest")
        if newest_first_seen and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)

    def start_search(self, text: str) -> None:
        """Scan the topic (or the partition) forward from the current position for records matching ``text``."""
        browser = self.airmon.browser
        if browser is None or self._cancel is not None:
            return
        try:
            query = Query.parse(text)
        except ValueError as exc:
            self.airmon.notice(f"⚠ {exc}", error=True)
            return
        if self.tailing:
            self.action_toggle_tail()
        cancel = self._cancel = threading.Event()
        self._progress = (0, 0)
        bar = self.query_one("#scan", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        topic, partition, start = self.topic, self.partition, self.position
        last_drawn = [0.0]

        def progress(scanned: int, to_scan: int) -> None:
            # Called from the worker thread: hand the numbers to the UI, at most a few times a second.
            now = time.monotonic()
            if now - last_drawn[0] >= 0.2:
                last_drawn[0] = now
                self.app.call_from_thread(self._show_progress, scanned, to_scan)

        def done(result: SearchResult) -> None:
            self._cancel = None
            self.query_one("#scan").display = False
            self.search = result
            self.messages = list(result.matches)
            self.query_one("#filter", Input).value = ""
            self.redraw()

        def failed(_: str) -> None:
            self._cancel = None
            self.query_one("#scan").display = False
            self._draw()

        self.airmon.run_blocking(
            f"searching {self._where()} for {text!r}",
            lambda: browser.search(topic, query, start, partition=partition, max_records=SCAN_LIMIT,
                                   progress=progress, cancel=cancel),
            done, failed, owner=self)
        self._draw()

    def _show_progress(self, scanned: int, to_scan: int) -> None:
        self._progress = (scanned, to_scan)
        self.query_one("#scan", ProgressBar).update(total=max(to_scan, 1), progress=scanned)
        self._draw_heading()

    # -- drawing --------------------------------------------------------------------------------

    def redraw(self) -> None:
        # The records come from the browser, not the snapshot: draw them whether or not one exists yet.
        super().redraw()
        self._draw()

    def _where(self) -> str:
        return self.topic if self.partition is None else f"{self.topic}/{self.partition}"

    def _shown(self) -> list[BrowsedMessage]:
        text = self.query_one("#filter", Input).value.strip()
        if not text:
            return self.messages
        try:
            query = Query.parse(text)
        except ValueError:
            return self.messages  # half-typed; Enter says what is wrong with it
        return [m for m in self.messages if query.matches(m)]

    def _draw(self) -> None:
        shown = self._shown()
        self.query_one("#messages", LiveTable).set_rows([(f"{m.partition}/{m.offset}", [
            str(m.partition), str(m.offset), fmt_time_ms(m.timestamp_ms),
            _one_line(m.key_text, 24), _one_line(self._value(m).text, 200)]) for m in shown])
        self._draw_heading(len(shown))
        self._show_record()

    def _value(self, m: BrowsedMessage) -> Decoded:
        if self.view == Format.AUTO:
            return m.value_view
        decoder = getattr(self.airmon.browser, "decoder", None)
        return decoder.decode(m.value, self.view) if decoder is not None else m.value_view

    def _draw_heading(self, shown: int | None = None) -> None:
        heading = self.query_one("#heading", Static)
        if self.unavailable is not None:
            heading.update(Text(self.unavailable, style="bold red"))
            return
        if shown is None:
            shown = len(self._shown())
        page = self.page
        parts: list[str | tuple[str, str]] = [(self._where(), "bold")]
        if page is not None and self.partition is None:
            parts.append(f" · {fmt_count(len(page.partitions), 'partition')}")
        parts.append(f" · from {self.position}")
        parts.append(f" · {fmt_int(page.stored)} stored" if page else " · reading…")
        if self._cancel is not None:
            scanned, to_scan = self._progress
            parts.append((f" · searching: {fmt_int(scanned)} of {fmt_int(to_scan)} records (Esc: cancel)", "bold"))
        elif self.search is not None:
            result = self.search
            parts.append((f" · found {fmt_count(len(result.matches), 'match', 'matches')} for {result.query!r} in "
                          f"{fmt_int(result.scanned)} records ({result.stopped})", "bold"))
        parts.append(f" · {shown} of {len(self.messages)} shown" if shown != len(self.messages)
                     else f" · {fmt_count(len(self.messages), 'record')}")
        if self.view != Format.AUTO:
            parts.append(f" · values as {self.view}")
        if self.tailing:
            parts.append((" · TAILING", "bold green"))
        heading.update(Text.assemble(*parts))

    def _selected(self) -> BrowsedMessage | None:
        key = self.query_one("#messages", LiveTable).cursor_key
        return next((m for m in self.messages if f"{m.partition}/{m.offset}" == key), None)

    def _show_record(self) -> None:
        message = self._selected()
        record = self.query_one("#record", Static)
        if message is None:
            record.update(Text("No record selected.", style="dim"))
            return
        value = self._value(message)
        headers = message.header_text or ["(none)"]
        read_as = value.format + (f", {value.note}" if value.note else "")
        record.update(Text.assemble(
            ("partition ", "dim"), str(message.partition), ("  offset ", "dim"), str(message.offset),
            ("  timestamp ", "dim"), fmt_time_ms(message.timestamp_ms), "\n",
            ("key ", "dim"), message.key_text if message.key is not None else "(null)", "\n",
            ("headers ", "dim"), "; ".join(headers), "\n",
            ("value ", "dim"), (f"({read_as})", "dim"), "\n",
            value.pretty,
        ))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_record()

    # -- keys -----------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self._draw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if event.input.id == "position" and text:
            try:
                position = Position.parse(text)
            except ValueError as exc:
                self.airmon.notice(f"⚠ {exc}", error=True)
                return
            self.load(position)
        elif event.input.id == "filter" and text:
            self.start_search(text)
        self.query_one("#messages").focus()

    def action_back(self) -> None:
        """Cancel a search, leave the filter or position box, or else the screen."""
        if self._cancel is not None:
            self._cancel.set()
        elif isinstance(self.focused, Input):
            self.query_one("#messages").focus()
        else:
            self.app.pop_screen()

    def action_earliest(self) -> None:
        """Read from the oldest stored records."""
        self.load(Position.earliest())

    def action_latest(self) -> None:
        """Read the newest page."""
        self.load(Position.latest())

    def action_next_page(self) -> None:
        """Read the page after the last records shown (appended)."""
        self._read(None, replace=False)

    def action_focus_position(self) -> None:
        """Type where to start: earliest, latest, an offset, a date/time or group:NAME."""
        self.query_one("#position").focus()

    def action_focus_filter(self) -> None:
        """Type what shown records must match; Enter searches the whole topic."""
        self.query_one("#filter").focus()

    def action_toggle_tail(self) -> None:
        """Follow the topic live: read new records every refresh interval."""
        self.tailing = not self.tailing
        if self.tailing:
            self._tail_timer = self.set_interval(self.airmon.refresh_interval, self.action_next_page)
            self.action_next_page()
        elif self._tail_timer is not None:
            self._tail_timer.stop()
            self._tail_timer = None
        self._draw()

    def action_toggle_partition(self) -> None:
        """Switch between all partitions and the partition of the record under the cursor."""
        selected = self._selected()
        if self.partition is None and selected is None:
            return
        self.partition = None if self.partition is not None else selected.partition if selected else None
        self.load(self.position if self.position.kind != "resume" else Position.latest())

    def action_cycle_view(self) -> None:
        """Show values as decoded (JSON, Avro, text), as text, or as hex."""
        self.view = _VIEWS[(_VIEWS.index(self.view) + 1) % len(_VIEWS)]
        self._draw()

    def action_write(self) -> None:
        """Write a test message to this topic (needs --allow-writes and the topic's name typed); the newest
        page is read again once it is stored."""
        self.airmon.confirm_produce(self.topic, self.partition, lambda _: self.load(Position.latest()))

    def action_export(self) -> None:
        """Write the records shown to ``<topic>-<UTC time>.jsonl`` in the current directory."""
        shown = self._shown()
        if not shown:
            self.airmon.notice("⚠ no records shown to export", error=True)
            return
        path = Path(f"{self.topic}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.jsonl")
        try:
            count = export_jsonl(shown, path)
        except OSError as exc:
            self.airmon.notice(f"⚠ cannot export to {path}: {exc.strerror}", error=True)
            return
        self.airmon.notice(f"exported {fmt_count(count, 'record')} to {path.resolve()}")


def _one_line(text: str, width: int) -> str:
    flat = text.replace("\n", "↵")
    return flat if len(flat) <= width else flat[: width - 1] + "…"
