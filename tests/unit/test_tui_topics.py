"""Topics and topic detail screens over the fake cluster: columns, filter by typing, internal topics, detail."""

from __future__ import annotations

import pytest
from textual.widgets import Static
from tui_fakes import FakeSource
from tui_support import running, screen_text

from airstream.monitor.app import AirmonApp
from airstream.monitor.screens.topic_detail import TopicDetailScreen
from airstream.monitor.screens.topics import TopicsScreen
from airstream.monitor.widgets.live_table import LiveTable

pytestmark = pytest.mark.asyncio


async def test_topics_show_size_rate_and_reading_groups_with_their_lag() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=3) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, TopicsScreen)
        table = app.screen.query_one("#topics", LiveTable)
        assert table.row_keys == ["airline-tweets", "scored-tweets"]
        # Step 2: end offsets 1020 per partition, +10 per partition every 10 s -> 3 records/s over 3 partitions.
        assert table.cells("airline-tweets") == ["airline-tweets", "3", "3", "3.00/s", "3,060",
                                                 "audit (920), scorer (30)"]
        assert table.cells("scored-tweets") == ["scored-tweets", "1", "2", "0.40/s", "408", "notifier (28)"]


async def test_typing_a_filter_narrows_the_list_and_escape_clears_it() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=2) as pilot:
        await pilot.press("t", "slash", "S", "c", "o", "r")
        table = app.screen.query_one("#topics", LiveTable)
        assert table.row_keys == ["scored-tweets"]  # case-insensitive substring
        await pilot.press("enter")  # back to the table, filter kept
        assert app.screen.focused is table
        assert table.row_keys == ["scored-tweets"]
        await pilot.press("escape")
        assert table.row_keys == ["airline-tweets", "scored-tweets"]


async def test_internal_topics_are_hidden_until_toggled() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=1) as pilot:
        await pilot.press("t")
        table = app.screen.query_one("#topics", LiveTable)
        assert "__consumer_offsets" not in table.row_keys
        await pilot.press("i")
        assert table.row_keys == ["__consumer_offsets", "airline-tweets", "scored-tweets"]
        await pilot.press("i")
        assert "__consumer_offsets" not in table.row_keys


async def test_topic_detail_shows_partitions_watermarks_rates_and_config() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=3) as pilot:
        await pilot.press("t", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TopicDetailScreen) and screen.topic == "airline-tweets"
        parts = screen.query_one("#partitions", LiveTable)
        assert parts.row_keys == ["0", "1", "2"]
        assert parts.cells("0") == ["0", "1", "1,2,3", "1,2,3", "0", "1,020", "1,020", "1.00/s"]
        assert parts.cells("2") == ["2", "3", "3,1,2", "1,2", "0", "1,020", "1,020", "1.00/s"]
        heading = str(screen.query_one("#heading", Static).render())
        assert "3 partitions · RF 3 · 3,060 messages · 3.00/s in · 1 under-replicated · 0 offline" in heading
        config = screen.query_one("#config", LiveTable)
        # Times and sizes in human units beside the stored value; settings the topic sets itself marked.
        assert config.cells("retention.ms") == ["retention.ms", "3d00h", "this topic", "259200000"]
        assert config.cells("segment.bytes") == ["segment.bytes", "1.00 GiB", "brokers", "1073741824"]
        assert config.cells("retention.bytes") == ["retention.bytes", "unlimited", "default", "-1"]
        title = str(screen.query_one("#config-title").render())
        assert title == "Configuration · 2 set on this topic, 4 inherited (d: only those)"
        await pilot.press("d")  # which settings differ from what the brokers give every topic?
        assert config.row_keys == ["min.insync.replicas", "retention.ms"]
        await pilot.press("d")
        assert len(config.row_keys) == 6
        await pilot.press("escape")
        assert isinstance(app.screen, TopicsScreen)


async def test_topic_that_disappears_is_reported_not_crashed_on() -> None:
    source = FakeSource()
    app = AirmonApp(source, refresh_interval=3600)
    async with running(app, refreshes=1) as pilot:
        app.open_topic("no-such-topic")
        await pilot.pause()
        assert "Topic no-such-topic no longer exists." in screen_text(app)
