"""Messages screen over the embedded browser: all partitions by time or one, positions, decoding, unsafe
bytes, the filter and the topic-wide search, tail, export; and Position parsing."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from textual.widgets import Static
from tui_fakes import FakeAdmin, FakeBrowser, FakeSource, FakeWriter, record
from tui_support import running, screen_text, settle

from airstream.monitor.app import AirmonApp
from airstream.monitor.browse import Position
from airstream.monitor.screens.messages import MessagesScreen
from airstream.monitor.widgets.live_table import LiveTable

pytestmark = pytest.mark.asyncio


def _records(n: int = 30) -> list:
    out = [record(i, f"k{i}".encode(), b'{"airline": "Delta", "n": %d}' % i, (("source", b"replay"),))
           for i in range(n)]
    out[7] = record(7, None, b"\x1b[2J\x00\xff raw", (("trace-id", b"t-7"),))
    return out


def _three_partitions() -> list:
    """Offsets 0..9 of partitions 0, 1, 2; record n of partition p is stamped T0 + 3n + p ms, so by time
    they interleave p0, p1, p2, p0, ..."""
    return [record(n, f"p{p}-{n}".encode(), b'{"tweet_id": %d, "airline": "%s"}' % (100 * p + n, b"UVD"[p:p + 1]),
                   partition=p, at_ms=3 * n + p) for p in range(3) for n in range(10)]


def _heading(screen: MessagesScreen) -> str:
    return str(screen.query_one("#heading", Static).render())


async def _open(pilot, app: AirmonApp, partition: int | None = 0,  # type: ignore[no-untyped-def]
                start: Position | None = None) -> MessagesScreen:
    app.open_messages("airline-tweets", partition, start=start)
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
        assert table.row_keys == [f"0/{i}" for i in range(30)]
        assert table.cursor_key == "0/29"  # the newest record is in view
        assert table.cells("0/3")[3:] == ["k3", '{"airline": "Delta", "n": 3}']
        table.move_to_key("0/3")
        await pilot.pause()
        record_text = str(screen.query_one("#record", Static).render())
        assert '{\n  "airline": "Delta",\n  "n": 3\n}' in record_text
        assert "headers source: replay" in record_text and "value (json)" in record_text
        assert "airline-tweets/0 · from latest · 30 stored · 30 records" in _heading(screen)


async def test_all_partitions_are_merged_by_timestamp_and_one_partition_is_a_key_away() -> None:
    browser = FakeBrowser(_three_partitions(), partitions=3)
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        screen = await _open(pilot, app, partition=None, start=Position.earliest())
        table = screen.query_one("#messages", LiveTable)
        assert table.row_keys[:6] == ["0/0", "1/0", "2/0", "0/1", "1/1", "2/1"]
        assert len(table.row_keys) == 30
        assert "airline-tweets · 3 partitions · from earliest · 30 stored" in _heading(screen)
        table.move_to_key("1/4")
        await pilot.press("P")
        await settle(pilot)
        assert screen.partition == 1 and table.row_keys == [f"1/{n}" for n in range(10)]
        await pilot.press("P")
        await settle(pilot)
        assert screen.partition is None and len(table.row_keys) == 30


async def test_binary_and_escape_sequences_are_never_shown_raw() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=FakeBrowser(_records()))
    async with running(app, refreshes=1, size=(100, 40)) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#messages", LiveTable)
        assert table.cells("0/7")[4] == "1b 5b 32 4a 00 ff 20 72 61 77"  # not UTF-8: hex
        table.move_to_key("0/7")
        await pilot.pause()
        shown = str(screen.query_one("#record", Static).render())
        assert "key (null)" in shown and "value (hex)" in shown and "00000000  1b 5b 32 4a" in shown
        assert "\x1b" not in shown and "\x00" not in shown
        assert "\x1b" not in screen_text(app)


async def test_v_shows_values_as_text_then_hex_then_decoded() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=FakeBrowser(_records()))
    async with running(app, refreshes=1, size=(100, 40)) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#messages", LiveTable)
        await pilot.press("v", "v")
        assert table.cells("0/3")[4].startswith("7b 22 61 69")
        assert "values as hex" in _heading(screen)
        await pilot.press("v")
        assert table.cells("0/3")[4] == '{"airline": "Delta", "n": 3}'


async def test_position_box_reads_from_an_offset_a_time_a_group_or_the_start() -> None:
    browser = FakeBrowser(_records())
    browser.view.committed["scorer"] = {("airline-tweets", 0): 27}
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#messages", LiveTable)
        await pilot.press("p", "2", "5", "enter")
        await settle(pilot)
        assert browser.reads[-1] == Position.at_offset(25)
        assert table.row_keys == ["0/25", "0/26", "0/27", "0/28", "0/29"]
        assert screen.focused is table
        await pilot.press("e")
        await settle(pilot)
        assert browser.reads[-1] == Position.earliest() and table.row_keys[0] == "0/0"
        screen.query_one("#position").focus()
        await pilot.press(*"2023-11-14T22:13:20.020", "enter")  # T0 + 20 ms: offset n is stamped T0 + n ms
        await settle(pilot)
        assert table.row_keys[0] == "0/20"
        await pilot.press("p", *"group:scorer", "enter")
        await settle(pilot)
        assert table.row_keys == ["0/27", "0/28", "0/29"]
        assert "from group scorer's commits" in _heading(screen)


async def test_a_bad_position_is_explained_and_nothing_is_read() -> None:
    browser = FakeBrowser(_records())
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1) as pilot:
        await _open(pilot, app)
        await pilot.press("p", *"yesterday", "enter")
        await settle(pilot)
        assert len(browser.reads) == 1
        assert "cannot start reading from 'yesterday'" in screen_text(app)


async def test_filter_takes_the_search_language_on_the_records_shown() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=FakeBrowser(_records()))
    async with running(app, refreshes=1) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#messages", LiveTable)
        await pilot.press("slash", *"TRACE-ID")
        assert table.row_keys == ["0/7"]
        screen.query_one("#filter").clear()  # type: ignore[attr-defined]
        await pilot.press(*"key:k2")
        assert table.row_keys == ["0/2"] + [f"0/{n}" for n in range(20, 30)]
        assert "11 of 30 shown" in _heading(screen)
        screen.query_one("#filter").clear()  # type: ignore[attr-defined]
        await pilot.press(*"$.n=12")
        assert table.row_keys == ["0/12"]


async def test_enter_searches_every_partition_of_the_topic_beyond_the_page() -> None:
    records = _three_partitions()
    browser = FakeBrowser(records, partitions=3)
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        screen = await _open(pilot, app, partition=None, start=Position.earliest())
        table = screen.query_one("#messages", LiveTable)
        await pilot.press("slash", *"$.tweet_id=207", "enter")
        await settle(pilot)
        assert browser.searches == ["$.tweet_id=207"]
        assert table.row_keys == ["2/7"]
        assert "found 1 match for '$.tweet_id=207' in 30 records (end of topic)" in _heading(screen)
        await pilot.press("slash", *'$.airline=V', "enter")
        await settle(pilot)
        assert table.row_keys == [f"1/{n}" for n in range(10)]


async def test_a_search_shows_progress_and_escape_cancels_it() -> None:
    gate = threading.Event()

    class SlowBrowser(FakeBrowser):
        def _batches(self, topic, scan):  # type: ignore[no-untyped-def]
            for batch in super()._batches(topic, scan):
                yield batch
                if scan.cancel is not None:  # searching (a page read has nothing to cancel)
                    gate.wait(10)

    browser = SlowBrowser(_three_partitions(), partitions=3)
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        screen = await _open(pilot, app, partition=None, start=Position.earliest())
        await pilot.press("slash", *"nothing-like-this", "enter")
        await pilot.pause()
        assert "searching:" in _heading(screen) and screen.query_one("#scan").display
        await pilot.press("escape")
        gate.set()
        await settle(pilot)
        assert "(cancelled)" in _heading(screen) and not screen.query_one("#scan").display


async def test_export_writes_the_shown_records_as_json_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=FakeBrowser(_records()))
    async with running(app, refreshes=1) as pilot:
        await _open(pilot, app)
        await pilot.press("slash", *"key:/^k1[0-2]$/", "escape", "E")
        await settle(pilot)
    [written] = list(tmp_path.glob("airline-tweets-*.jsonl"))
    lines = [json.loads(line) for line in written.read_text().splitlines()]
    assert [(r["offset"], r["key"], r["value"]) for r in lines] == [
        (n, f"k{n}", {"airline": "Delta", "n": n}) for n in (10, 11, 12)]
    assert lines[0]["headers"] == [["source", "replay"]] and lines[0]["value_format"] == "json"


async def test_tail_appends_new_records_and_follows_them() -> None:
    browser = FakeBrowser(_records(10))
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#messages", LiveTable)
        browser.records.extend(record(i, b"new", b"later") for i in range(10, 13))
        await pilot.press("f")
        await settle(pilot)
        assert browser.reads[-1] == Position.resume({0: 10})
        assert table.row_keys == [f"0/{i}" for i in range(13)]
        assert table.cursor_key == "0/12"
        assert "TAILING" in _heading(screen)
        await pilot.press("f")
        assert "TAILING" not in _heading(screen)


async def test_without_a_browser_the_screen_says_why() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=1) as pilot:
        await _open(pilot, app)
        assert "Messages cannot be read from fake://cloudair: airmon was started without a message browser" \
            in screen_text(app).replace("\n", " ")


async def test_a_new_position_asked_for_during_a_read_is_read_next() -> None:
    release = threading.Event()

    class SlowBrowser(FakeBrowser):
        def read(self, topic, position, *, partition=None, limit=200):  # type: ignore[no-untyped-def]
            release.wait(10)
            return super().read(topic, position, partition=partition, limit=limit)

    browser = SlowBrowser(_records())
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser)
    async with running(app, refreshes=1) as pilot:
        app.open_messages("airline-tweets", 0, start=Position.at_offset(25))  # this read blocks ...
        await pilot.pause()
        screen = app.screen
        await pilot.press("e")                           # ... while the user asks for the start
        release.set()
        await settle(pilot)
        await settle(pilot)
        assert browser.reads == [Position.at_offset(25), Position.earliest()]
        assert screen.query_one("#messages", LiveTable).row_keys[0] == "0/0"
        assert "from earliest" in _heading(screen)


async def test_w_writes_a_message_after_the_topic_name_is_typed_and_shows_it() -> None:
    browser = FakeBrowser(_records(10))
    writer = FakeWriter(browser)
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser, admin=FakeAdmin(), writer=writer,
                    allow_writes=True)
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        await pilot.press("w")
        form = app.screen
        assert type(form).__name__ == "ProduceScreen"
        await pilot.press(*"k-test", "enter", *'{"text": "test tweet"}', "enter", *"source=airmon; run=1", "enter")
        await pilot.press("enter")  # partition: already 0, the partition shown
        await pilot.press(*"airline-tweet", "enter")  # one letter short: refused
        assert writer.written == [] and "That is not 'airline-tweets'" in screen_text(app)
        await pilot.press("s", "enter")
        await settle(pilot)
        assert writer.written == [("airline-tweets", b"k-test", b'{"text": "test tweet"}',
                                   [("source", b"airmon"), ("run", b"1")], 0)]
        assert "wrote a message to airline-tweets/0 at offset 10" in screen_text(app)
        table = screen.query_one("#messages", LiveTable)
        assert table.row_keys[-1] == "0/10" and table.cells("0/10")[3:] == ["k-test", '{"text": "test tweet"}']


async def test_writing_is_refused_without_allow_writes() -> None:
    browser = FakeBrowser(_records(10))
    writer = FakeWriter(browser)
    app = AirmonApp(FakeSource(), refresh_interval=3600, browser=browser, admin=FakeAdmin(), writer=writer)
    async with running(app, refreshes=1) as pilot:
        screen = await _open(pilot, app)
        await pilot.press("w")
        assert app.screen is screen and "read-only: start airmon with --allow-writes" in screen_text(app)
