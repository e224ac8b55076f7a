"""Consumer groups and group detail over the fake cluster: lag, trend, Burrow status, time lag, charts."""

from __future__ import annotations

import pytest
from textual.widgets import Sparkline, Static
from tui_fakes import FakeSource
from tui_support import refresh, running, settle

from airstream.monitor.app import AirmonApp
from airstream.monitor.screens.group_detail import GroupDetailScreen
from airstream.monitor.screens.groups import GroupsScreen
from airstream.monitor.widgets.live_table import LiveTable

pytestmark = pytest.mark.asyncio


async def test_groups_show_state_members_lag_status_trend_and_drain() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=6) as pilot:
        await pilot.press("g")
        assert isinstance(app.screen, GroupsScreen)
        table = app.screen.query_one("#groups", LiveTable)
        assert table.row_keys == ["audit", "notifier", "scorer"]
        # audit: Empty, no members, lag 1050-100 growing by 10 a refresh: stopped (Burrow's group ERR, shown
        # as the partition's STOP), never drains.
        assert table.cells("audit") == ["audit", "Empty", "0", "0", "950", "l: read", "STOP", "▁▂▄▅▇█", "never",
                                        "commit log"]
        # scorer: 2 members own 3 partitions, constant lag 30 (flat trend, mid height), 10 s of its input
        # on each partition: WARN (its lag never shrinks from one commit to the next and is more than
        # what arrives in 5 s), and as fast as its input, so it never works the lag off.
        assert table.cells("scorer") == ["scorer", "Stable", "2", "3", "30", "l: read", "WARN", "▄▄▄▄▄▄",
                                         "never", "commit log"]
        assert table.cells("notifier")[6] == "STALL"  # alive but its offset does not move


async def test_groups_filter_by_name_state_status_or_topic() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=6) as pilot:
        await pilot.press("g", "slash", *"stall")
        table = app.screen.query_one("#groups", LiveTable)
        assert table.row_keys == ["notifier"]
        await pilot.press("escape")
        assert table.row_keys == ["audit", "notifier", "scorer"]
        await pilot.press("slash", *"airline-tweets", "enter")
        assert table.row_keys == ["audit", "scorer"]  # notifier reads scored-tweets


async def test_groups_sort_by_lag_time_lag_and_status_worst_first() -> None:
    source = FakeSource()
    app = AirmonApp(source, refresh_interval=3600)
    async with running(app, refreshes=6) as pilot:
        await pilot.press("g")
        table = app.screen.query_one("#groups", LiveTable)
        await pilot.press("s")
        assert table.row_keys == ["audit", "notifier", "scorer"]  # lag 950, 40, 30
        await pilot.press("s")  # time lag: read for every lagging group
        await settle(pilot)
        assert sorted(source.time_lag_calls) == ["audit", "notifier", "scorer"]
        # The fake ages partition n's oldest unconsumed record 60*(n+1) s: scorer (3 partitions) is worst.
        assert table.row_keys == ["scorer", "audit", "notifier"]  # the tie of audit and notifier in name order
        assert [table.cells(g)[5] for g in table.row_keys] == ["3m00s", "1m00s", "1m00s"]
        await pilot.press("s")
        assert table.row_keys == ["notifier", "audit", "scorer"]  # STALL, STOP, WARN: Burrow's order of badness
        await pilot.press("s")
        assert table.row_keys == ["audit", "notifier", "scorer"]  # by name again


async def test_lag_chart_follows_the_cursor() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=4) as pilot:
        await pilot.press("g")
        chart = app.screen.query_one("#trend", Sparkline)
        assert list(chart.data or []) == [900, 910, 920, 930]  # audit's lag at each refresh
        await pilot.press("down")
        assert list(chart.data or []) == [20, 24, 28, 32]  # notifier
        assert "Lag of notifier, last 4 refreshes: 20 … 32" in str(app.screen.query_one("#trend-title").render())


async def test_time_lag_is_read_on_demand_for_the_group_under_the_cursor() -> None:
    source = FakeSource()
    app = AirmonApp(source, refresh_interval=3600)
    async with running(app, refreshes=2) as pilot:
        await pilot.press("g", "down", "down", "l")
        await settle(pilot)
        assert source.time_lag_calls == ["scorer"]
        table = app.screen.query_one("#groups", LiveTable)
        # The fake says partition n's oldest unconsumed record is 60*(n+1) s old: the worst is 3 minutes.
        assert table.cells("scorer")[5] == "3m00s"
        assert table.cells("audit")[5] == "l: read"
        await refresh(pilot)
        assert table.cells("scorer")[5] == "3m00s"  # kept across refreshes until read again


async def test_group_detail_lists_partitions_with_offsets_lag_and_owner() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=6) as pilot:
        await pilot.press("g", "down", "down", "enter")
        screen = app.screen
        assert isinstance(screen, GroupDetailScreen) and screen.group_id == "scorer"
        parts = screen.query_one("#partitions", LiveTable)
        assert parts.row_keys == ["airline-tweets/0", "airline-tweets/1", "airline-tweets/2"]
        assert parts.cells("airline-tweets/2") == ["airline-tweets", "2", "1,040", "1,050", "10", "WARN", "now",
                                                   "-", "scorer-2", "/10.0.0.12"]
        heading = str(screen.query_one("#heading", Static).render())
        assert "Group scorer · Stable · 2 members · assignor range · coordinator 1" in heading
        assert "lag 30 · status WARN (commit log) · consuming 3.00/s · input 3.00/s · time to drain: never" in heading
        assert list(screen.query_one("#total-chart", Sparkline).data or []) == [30] * 6
        await pilot.press("l")
        await settle(pilot)
        assert parts.cells("airline-tweets/0")[7] == "1m00s"


async def test_group_detail_chart_shows_the_selected_partition_history() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=3) as pilot:
        app.open_group("audit")
        await pilot.pause()
        screen = app.screen
        assert list(screen.query_one("#partition-chart", Sparkline).data or []) == [900, 910, 920]
        assert "Lag of airline-tweets/0: 900 … 920" in str(screen.query_one("#partition-title").render())
        # Its last commit, read from the commit log, was an hour before the first refresh.
        assert screen.query_one("#partitions", LiveTable).cells("airline-tweets/0")[5:7] == ["STOP", "1h00m ago"]
        await pilot.press("escape")
        assert not isinstance(app.screen, GroupDetailScreen)


async def test_enter_on_a_partition_opens_messages_at_the_committed_offset() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=1) as pilot:
        app.open_group("audit")
        await pilot.pause()
        await pilot.press("enter")
        screen = app.screen
        assert type(screen).__name__ == "MessagesScreen"
        assert (screen.topic, screen.partition, str(screen.position)) == (  # type: ignore[attr-defined]
            "airline-tweets", 0, "offset 100")
