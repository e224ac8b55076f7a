"""The airmon Traces screen over a trace model made from metrics records: hops, per-minute counts, paths, filter."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static
from tui_fakes import FakeSource, TraceList, trace_model
from tui_support import running, screen_text, settle

from airstream.monitor.app import AirmonApp
from airstream.monitor.screens.traces import NO_TRACES, TracesScreen
from airstream.monitor.widgets.live_table import LiveTable


async def _open(pilot: Any, app: AirmonApp) -> TracesScreen:
    await pilot.press("x")
    await settle(pilot)
    assert isinstance(app.screen, TracesScreen)
    return app.screen


@pytest.mark.asyncio
async def test_hops_show_counts_missing_and_latency() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, trace_reader=TraceList(trace_model()))
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#hops", LiveTable)
        rows = {tuple(table.cells(k)[:3]): table.cells(k) for k in table.row_keys}
        assert rows[("replay", "airline-tweets", "scorer")][3:] == ["0", "150", "150", "0", "60ms", "60ms", "60ms"]
        assert rows[("replay", "airline-tweets", "audit")][3:8] == ["0", "150", "110", "40", "20s"]
        assert rows[("scorer", "scored-tweets", "notifier")][3:] == ["1", "150", "150", "0", "30ms", "30ms", "90ms"]
        text = screen_text(app)
        assert "replay -> airline-tweets -> scorer -> scored-tweets -> notifier" in text


@pytest.mark.asyncio
async def test_the_highlighted_hop_shows_expected_vs_consumed_per_minute() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, trace_reader=TraceList(trace_model()))
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#hops", LiveTable)
        audit = next(k for k in table.row_keys if table.cells(k)[2] == "audit")
        while table.cursor_key != audit:
            await pilot.press("down")
        minutes = screen.query_one("#minutes", LiveTable)
        assert [minutes.cells(k)[1:4] for k in minutes.row_keys] == [["100", "100", "0"], ["50", "10", "40"]]
        assert "Per minute: replay -> airline-tweets -> audit" in screen_text(app)


@pytest.mark.asyncio
async def test_typing_a_name_keeps_the_hops_and_paths_through_it() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, trace_reader=TraceList(trace_model()))
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        await pilot.press("slash", *"notif")
        await settle(pilot)
        table = screen.query_one("#hops", LiveTable)
        assert [table.cells(k)[2] for k in table.row_keys] == ["notifier"]
        text = screen_text(app)
        assert "-> notifier" in text and "replay -> airline-tweets -> audit" not in text


@pytest.mark.asyncio
async def test_without_traces_the_screen_says_how_to_get_them() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, trace_reader=TraceList(None))
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        assert screen.query_one("#hops", LiveTable).row_keys == []
        assert "No traces yet" in screen_text(app) and NO_TRACES.startswith("No traces yet")


@pytest.mark.asyncio
async def test_many_paths_never_push_the_hops_off_an_80x24_screen() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, trace_reader=TraceList(trace_model()))
    async with running(app, refreshes=1, size=(80, 24)) as pilot:
        screen = await _open(pilot, app)
        screen.query_one("#paths", Static).update("\n".join(f"path {n} -> topic -> group" for n in range(60)))
        await pilot.pause()
        hops = screen.query_one("#hops", LiveTable)
        assert hops.region.height >= 5 and hops.row_count == 3
        assert "replay  airline-tweets  audit" in screen_text(app)
