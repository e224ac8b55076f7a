"""Messages screen over a fake browser: positions, pretty JSON, unsafe bytes, filter, tail; and Position parsing."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Static
from tui_fakes import FakeBrowser, FakeSource, record
from tui_support import running, screen_text, settle

from airstream.monitor.app import AirmonApp
from airstream.monitor.browse import BrowsedMessage, Position
from airstream.monitor.screens.messages import MessagesScreen
from airstream.monitor.widgets.live_table import LiveTable

pytestmark = pytest.mark.asyncio


def _records(n: int = 30) -> list[BrowsedMessage]:
    out = [record(i, f"k{i}".encode(), b'{"airline": "Delta", "n": %d}' % i, (("source", b"replay"),))
           for i in range(n)]
    out[7] = record(7, None, b"\x1b[2J\x00\xff raw", (("trace-id", b"t-7"),))
    return out


async def _open(pilot, app: AirmonApp, start: int | None = None) -> MessagesScreen:  # type: ignore[no-untyped-def]
    app.open_messages("airline-tweets", 0, start=start)
    await settle(pilot)
    assert isinstance(app.screen, MessagesScreen)
    return app.screen


async def test_opens_on_the_newest_page_and_pretty_prints_json() -> None:
    browser = FakeBrowser(_records())
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1, size=(100, 40)) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#messages", LiveTable)
        assert browser.reads == [Position.latest()]
        assert table.row_keys == [str(i) for i in range(30)]
        assert table.cursor_key == "29"  # the newest record is in view
        assert table.cells("3")[2:] == ["k3", '{"airline": "Delta", "n": 3}']
        table.move_to_key("3")
        await pilot.pause()
        record_text = str(screen.query_one("#record", Static).render())
        assert '{\n  "airline": "Delta",\n  "n": 3\n}' in record_text
        assert "headers source: replay" in record_text
        heading = str(screen.query_one("#heading", Static).render())
        assert "airline-tweets/0 · from latest · stored 0…30 · 30 records" in heading


async def test_binary_and_escape_sequences_are_shown_escaped() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=FakeBrowser(_records()))
    async with running(app, refreshes=1, size=(100, 40)) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#messages", LiveTable)
        assert table.cells("7")[3] == repr(b"\x1b[2J\x00\xff raw")
        table.move_to_key("7")
        await pilot.pause()
        shown = str(screen.query_one("#record", Static).render())
        assert "key (null)" in shown and "\x1b" not in shown and "\x00" not in shown
        assert "\x1b" not in screen_text(app)


async def test_position_box_reads_from_an_offset_a_time_or_the_start() -> None:
    browser = FakeBrowser(_records())
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#messages", LiveTable)
        await pilot.press("p", "2", "5", "enter")
        await settle(pilot)
        assert browser.reads[-1] == Position.at_offset(25)
        assert table.row_keys == ["25", "26", "27", "28", "29"]
        assert screen.focused is table
        await pilot.press("e")
        await settle(pilot)
        assert browser.reads[-1] == Position.earliest() and table.row_keys[0] == "0"
        screen.query_one("#position").focus()
        await pilot.press(*"2023-11-14T22:13:20.020", "enter")  # T0 + 20 ms: the fake stamps offset n at T0 + n ms
        await settle(pilot)
        assert table.row_keys[0] == "20"


async def test_a_bad_position_is_explained_and_nothing_is_read() -> None:
    browser = FakeBrowser(_records())
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1) as pilot:
        await _open(pilot, app)
        await pilot.press("p", *"yesterday", "enter")
        await settle(pilot)
        assert len(browser.reads) == 1
        assert "cannot start reading from 'yesterday'" in screen_text(app)


async def test_filter_matches_key_value_and_headers() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=FakeBrowser(_records()))
    async with running(app, refreshes=1) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#messages", LiveTable)
        await pilot.press("slash", *"TRACE-ID")
        assert table.row_keys == ["7"]
        screen.query_one("#filter").clear()  # type: ignore[attr-defined]
        await pilot.press(*"k2")
        assert table.row_keys == ["2", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29"]
        assert "11 of 30 shown" in str(screen.query_one("#heading", Static).render())


async def test_tail_appends_new_records_and_follows_them() -> None:
    browser = FakeBrowser(_records(10))
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#messages", LiveTable)
        browser.records += [record(i, b"new", b"later") for i in range(10, 13)]
        await pilot.press("f")
        await settle(pilot)
        assert browser.reads[-1] == Position.at_offset(10)
        assert table.row_keys == [str(i) for i in range(13)]
        assert table.cursor_key == "12"
        assert "TAILING" in str(screen.query_one("#heading", Static).render())
        await pilot.press("f")
        assert "TAILING" not in str(screen.query_one("#heading", Static).render())


async def test_without_a_browser_the_screen_says_why() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=1) as pilot:
        await _open(pilot, app)
        assert "Messages cannot be read from fake://cloudair: airmon was started without a message browser" \
            in screen_text(app).replace("\n", " ")


async def test_a_new_position_asked_for_during_a_read_is_read_next() -> None:
    release = threading.Event()

    class SlowBrowser(FakeBrowser):
        def read(self, topic, partition, position, *, limit=200):  # type: ignore[no-untyped-def]
            release.wait(10)
            return super().read(topic, partition, position, limit=limit)

    browser = SlowBrowser(_records())
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1) as pilot:
        app.open_messages("airline-tweets", 0, start=25)  # this read blocks ...
        await pilot.pause()
        screen = app.screen
        await pilot.press("e")                           # ... while the user asks for the start
        release.set()
        await settle(pilot)
        await settle(pilot)
        assert browser.reads == [Position.at_offset(25), Position.earliest()]
        assert screen.query_one("#messages", LiveTable).row_keys[0] == "0"
        assert "from earliest" in str(screen.query_one("#heading", Static).render())
