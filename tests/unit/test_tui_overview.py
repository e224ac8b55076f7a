"""Overview screen over the fake cluster: the summary numbers, the four panes, and linked filtering."""

from __future__ import annotations

import pytest
from textual.widgets import Static
from tui_fakes import FakeSource, FakeTraces, cluster
from tui_support import running, screen_text

from airstream.monitor.app import AirmonApp
from airstream.monitor.screens.overview import NO_PRODUCERS, OverviewScreen
from airstream.monitor.widgets.live_table import LiveTable

pytestmark = pytest.mark.asyncio


def _table(app: AirmonApp, pane: str) -> LiveTable:
    return app.screen.query_one(f"#{pane}", LiveTable)


async def test_summary_counts_match_the_snapshot() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=3):
        assert isinstance(app.screen, OverviewScreen)
        summary = str(app.screen.query_one("#summary", Static).render())
        snap = app.snapshot
        assert snap is not None
        # 3 brokers, controller 1; 3 topics (one internal) with 5 partitions; airline-tweets/2 has ISR 1,2 of 3.
        assert summary.splitlines()[:2] == ["3 brokers, controller 1 · 3 topics · 5 partitions",
                                            "Partitions: 1 under-replicated, 0 offline · 0 alerts firing"]
        # Lags after 3 refreshes (step 2): audit 1020-100, notifier 908-880, scorer 3 x 5.
        assert snap.total_lag == 920 + 28 + 30
        assert summary.splitlines()[2] == "3 groups (1 Empty, 2 Stable) · total lag 978"
        assert app.sub_title == "fake://cloudair · cluster airstream-test"


async def test_panes_list_user_topics_groups_and_brokers_with_the_controller() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=6):
        assert _table(app, "topics").row_keys == ["airline-tweets", "scored-tweets"]  # internal topic hidden
        assert _table(app, "topics").cells("airline-tweets") == ["airline-tweets", "3,150", "3.00/s"]
        # After 6 refreshes the commit windows are complete enough for Burrow's rules: audit has stopped
        # (Burrow's group ERR, shown as the word that says what is wrong).
        assert _table(app, "groups").cells("audit") == ["audit", "Empty", "950", "STOP"]
        assert _table(app, "groups").cells("scorer")[3] == "WARN"
        assert _table(app, "brokers").column_text("role") == ["controller", "", ""]
        assert str(app.screen.query_one("#producers-empty", Static).render()) == NO_PRODUCERS
        assert "No producer data yet" in screen_text(app)


async def test_a_broker_that_left_the_cluster_stays_listed_as_down_with_what_it_held() -> None:
    gone = cluster(1)
    gone = gone.replace(brokers=tuple(b for b in gone.brokers if b.id != 3))
    app = AirmonApp(FakeSource([cluster(0), gone]), refresh_interval=3600)
    async with running(app, refreshes=2):
        brokers = _table(app, "brokers")
        assert brokers.row_keys == ["1", "2", "3"]
        # It held replicas of airline-tweets/0..2 (RF 3) and scored-tweets/0 (replicas 2,3).
        assert brokers.cells("3") == ["3", "kafka-3:9092", "DOWN", "4 partitions affected"]
        assert brokers.cells("2")[2] == "up"
        assert "3 brokers" not in screen_text(app) and "2 brokers (1 DOWN)" in screen_text(app)


async def test_selecting_a_group_filters_topics_and_brokers_to_related_ones() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=2) as pilot:
        groups = _table(app, "groups")
        groups.focus()
        groups.move_to_key("notifier")
        await pilot.press("enter")
        # notifier reads scored-tweets (replicas 2,3) and is coordinated by broker 2.
        assert _table(app, "topics").row_keys == ["scored-tweets"]
        assert _table(app, "brokers").row_keys == ["2", "3"]
        assert groups.row_keys == ["audit", "notifier", "scorer"]  # the selected pane itself stays whole
        assert "related to group notifier" in screen_text(app)
        await pilot.press("escape")
        assert _table(app, "topics").row_keys == ["airline-tweets", "scored-tweets"]
        assert _table(app, "brokers").row_keys == ["1", "2", "3"]


async def test_selecting_a_topic_or_broker_filters_the_others_and_selecting_again_clears() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=2) as pilot:
        topics = _table(app, "topics")
        topics.focus()
        topics.move_to_key("scored-tweets")
        await pilot.press("enter")
        assert _table(app, "groups").row_keys == ["notifier"]
        assert _table(app, "brokers").row_keys == ["2", "3"]
        await pilot.press("enter")  # the same row again: no filter
        assert _table(app, "groups").row_keys == ["audit", "notifier", "scorer"]

        brokers = _table(app, "brokers")
        brokers.focus()
        brokers.move_to_key("1")
        await pilot.press("enter")
        # broker 1 holds replicas of airline-tweets only, and coordinates scorer.
        assert topics.row_keys == ["airline-tweets"]
        assert _table(app, "groups").row_keys == ["audit", "scorer"]


async def test_filter_survives_a_refresh_and_d_opens_details() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=2) as pilot:
        groups = _table(app, "groups")
        groups.focus()
        groups.move_to_key("scorer")
        await pilot.press("enter")
        app.action_refresh_now()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _table(app, "topics").row_keys == ["airline-tweets"]
        assert groups.cursor_key == "scorer"
        await pilot.press("d")
        assert type(app.screen).__name__ == "GroupDetailScreen"
        assert app.screen.group_id == "scorer"  # type: ignore[attr-defined]


async def test_producers_from_traces_fill_their_pane_and_link_to_topics() -> None:
    traces = FakeTraces()
    app = AirmonApp(FakeSource(), refresh_interval=3600, trace_reader=traces)
    async with running(app, refreshes=2) as pilot:
        producers = _table(app, "producers")
        assert producers.display and not app.screen.query_one("#producers-empty").display
        assert producers.cells("replay") == ["replay", "3,150", "22:14:10"]
        producers.focus()
        producers.move_to_key("replay")
        await pilot.press("enter")
        assert _table(app, "topics").row_keys == ["airline-tweets"]
        assert _table(app, "groups").row_keys == ["audit", "scorer"]
        assert _table(app, "brokers").row_keys == ["1", "2", "3"]
        topics = _table(app, "topics")
        await pilot.press("escape")
        topics.focus()
        topics.move_to_key("scored-tweets")
        await pilot.press("enter")
        assert producers.row_keys == ["scorer-app"]
    assert traces.closed


async def test_without_trace_data_the_producers_pane_says_why() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=1):
        assert not _table(app, "producers").display
        assert app.screen.query_one("#producers-empty").display
