"""The same screens over an embedded run: EmbeddedSource for the snapshot, EmbeddedBrowser for messages."""

from __future__ import annotations

import orjson
import pytest
from textual.widgets import Static
from tui_support import refresh, running, settle

from airstream.monitor.app import AirmonApp
from airstream.monitor.browse import EmbeddedBrowser
from airstream.monitor.screens.messages import MessagesScreen
from airstream.monitor.sources import EmbeddedSource
from airstream.monitor.widgets.live_table import LiveTable
from airstream.topology.engine.cluster import EmbeddedCluster

pytestmark = pytest.mark.asyncio


def _cluster() -> EmbeddedCluster:
    cluster = EmbeddedCluster()
    cluster.create_topic("tweets", partitions=2)
    for n in range(12):
        cluster.produce("tweets", f"k{n}".encode(), orjson.dumps({"n": n}), timestamp=1_000 * n)
    cluster.commit("scorer", {("tweets", 0): 2, ("tweets", 1): 1})
    return cluster


async def test_embedded_run_shows_topics_groups_lag_and_messages() -> None:
    cluster = _cluster()
    view = cluster.view()
    app = AirmonApp(EmbeddedSource(view, name="cloudair (embedded)"), refresh_interval=3600,
                    browser=EmbeddedBrowser(view))
    async with running(app, refreshes=1, size=(120, 40)) as pilot:
        ends = [p.high_watermark for p in view.topic("tweets").partitions]
        assert app.sub_title == "cloudair (embedded) · cluster cloudair (embedded)"
        await pilot.press("t")
        assert app.screen.query_one("#topics", LiveTable).cells("tweets")[4] == f"{sum(ends)}"

        for n in range(3):  # more records arrive between refreshes
            cluster.produce("tweets", b"late", b"x", timestamp=20_000 + n)
        await refresh(pilot)
        ends = [p.high_watermark for p in view.topic("tweets").partitions]
        await pilot.press("g")
        groups = app.screen.query_one("#groups", LiveTable)
        assert groups.cells("scorer")[4] == f"{ends[0] - 2 + ends[1] - 1}"

        await pilot.press("enter", "enter")  # group detail, then messages from its commit on tweets/0
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MessagesScreen)
        table = screen.query_one("#messages", LiveTable)
        records = view.records("tweets", 0, 2, 100)
        assert table.row_keys == [f"0/{r.offset}" for r in records]
        table.move_to_key(f"0/{records[0].offset}")
        await pilot.pause()
        assert f'"n": {orjson.loads(records[0].value)["n"]}' in str(screen.query_one("#record", Static).render())
