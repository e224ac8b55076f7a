"""The airmon Traces screen over a trace model made from metrics records: hops, per-minute counts, paths, filter."""

from __future__ import annotations

from typing import Any

import pytest
from tui_fakes import FakeSource
from tui_support import running, screen_text, settle

from airstream.monitor.app import AirmonApp
from airstream.monitor.screens.traces import NO_TRACES, TracesScreen
from airstream.monitor.traces import TraceAccumulator, TraceModel
from airstream.monitor.widgets.live_table import LiveTable
from airstream.topology.tracing import LatencyHistogram

MIN = 60_000
T = 1_700_000_040_000  # a minute start


def _hist(*values: int) -> dict[str, Any]:
    h = LatencyHistogram()
    for v in values:
        h.add(v)
    return h.as_dict()


def _row(topic: str, count: int, origin: str = "replay", hop: int = 0, via: str = "", bucket: int = T,
         latency: dict | None = None, e2e: dict | None = None) -> dict[str, Any]:
    return {"topic": topic, "partition": 0, "bucket": bucket, "origin": origin, "hop": hop, "via": via,
            "count": count, "latency": latency, "e2e": e2e}


def _consumed(group: str, *samples: dict[str, Any]) -> dict[str, Any]:
    counts = [{"topic": r["topic"], "partition": 0, "bucket": r["bucket"], "count": r["count"]} for r in samples]
    return {"v": 1, "kind": "consumer", "client_id": f"{group}-1", "group": group, "sample_rate": None,
            "rows": counts, "samples": list(samples)}


def model() -> TraceModel:
    """replay -> airline-tweets -> {scorer, audit}; scorer -> scored-tweets -> notifier.
    audit is 40 behind in minute 2."""
    acc = TraceAccumulator()
    acc.add({"v": 1, "kind": "producer", "client_id": "replay", "last_ms": T + MIN, "rows": [
        _row("airline-tweets", 100), _row("airline-tweets", 50, bucket=T + MIN)]})
    acc.add(_consumed("scorer", _row("airline-tweets", 100, latency=_hist(*[40] * 100)),
                      _row("airline-tweets", 50, bucket=T + MIN, latency=_hist(*[60] * 50))))
    acc.add(_consumed("audit", _row("airline-tweets", 100, latency=_hist(*[2_500] * 100)),
                      _row("airline-tweets", 10, bucket=T + MIN, latency=_hist(*[20_000] * 10))))
    acc.add({"v": 1, "kind": "producer", "client_id": "scorer-out", "last_ms": T + MIN, "rows": [
        _row("scored-tweets", 150, hop=1, via="scorer")]})
    acc.add(_consumed("notifier", _row("scored-tweets", 150, hop=1, via="scorer", latency=_hist(*[30] * 150),
                                       e2e=_hist(*[90] * 150))))
    return acc.model(now=T / 1000 + 120)


class _Traces:
    def __init__(self, m: TraceModel | None) -> None:
        self.m = m

    def refresh(self) -> TraceModel:
        return self.m or TraceModel(taken_at=0.0)

    def close(self) -> None:
        pass


async def _open(pilot: Any, app: AirmonApp) -> TracesScreen:
    await pilot.press("x")
    await settle(pilot)
    assert isinstance(app.screen, TracesScreen)
    return app.screen


@pytest.mark.asyncio
async def test_hops_show_counts_missing_and_latency() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, trace_reader=_Traces(model()))
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one("#hops", LiveTable)
        rows = {tuple(table.cells(k)[:3]): table.cells(k) for k in table.row_keys}
        assert rows[("replay", "airline-tweets", "scorer")][3:] == ["0", "150", "150", "0", "60ms", "60ms", "60ms"]
        assert rows[("replay", "airline-tweets", "audit")][3:8] == ["0", "150", "110", "40", "20.0s"]
        assert rows[("scorer", "scored-tweets", "notifier")][3:] == ["1", "150", "150", "0", "30ms", "30ms", "90ms"]
        text = screen_text(app)
        assert "replay -> airline-tweets -> scorer -> scored-tweets -> notifier" in text


@pytest.mark.asyncio
async def test_the_highlighted_hop_shows_expected_vs_consumed_per_minute() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, trace_reader=_Traces(model()))
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
    app = AirmonApp(FakeSource(), refresh_interval=3600, trace_reader=_Traces(model()))
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
    app = AirmonApp(FakeSource(), refresh_interval=3600, trace_reader=_Traces(None))
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        screen = await _open(pilot, app)
        assert screen.query_one("#hops", LiveTable).row_keys == []
        assert "No traces yet" in screen_text(app) and NO_TRACES.startswith("No traces yet")
