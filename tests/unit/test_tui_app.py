"""The app around the screens: alerts, the status bar under failures, typed confirmation for writes, help."""

from __future__ import annotations

import dataclasses
import re
import threading

import pytest
from textual.binding import Binding
from textual.widgets import Input, Static
from tui_fakes import T0, FakeAdmin, FakeSource, cluster
from tui_support import refresh, running, screen_text, settle

from airstream.monitor.app import AirmonApp, ClusterConnection
from airstream.monitor.model import TopicSetting
from airstream.monitor.rules import parse_rules
from airstream.monitor.screens.alerts import AlertsScreen
from airstream.monitor.screens.confirm import ConfirmScreen
from airstream.monitor.screens.help import HelpScreen
from airstream.monitor.screens.registry import SCREENS
from airstream.monitor.screens.reset import ResetScreen
from airstream.monitor.screens.topics import TopicsScreen
from airstream.monitor.widgets.format import fmt_int
from airstream.monitor.widgets.live_table import LiveTable
from airstream.monitor.widgets.status_bar import StatusBar

pytestmark = pytest.mark.asyncio

RULES = parse_rules({"rules": [
    {"name": "audit-behind", "kind": "group_lag", "group": "audit", "above": 925, "for": "20s",
     "severity": "critical"},
    {"name": "stuck", "kind": "group_status", "status": ["STALL", "STOP"]},
    {"name": "urp", "kind": "under_replicated", "topic": "airline-*"},
]}, origin="cloudair-rules.yaml")


def _status(app: AirmonApp) -> StatusBar:
    return app.screen.query_one(StatusBar)


async def test_alerts_screen_shows_rules_firing_alerts_and_history() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600, rules=RULES)
    async with running(app, refreshes=6, size=(120, 40)) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, AlertsScreen)
        rules = app.screen.query_one("#rules", LiveTable)
        assert rules.cells("audit-behind") == ["audit-behind", "group audit", "group_lag > 925", "20s",
                                               "critical", "-", ""]
        assert rules.cells("stuck")[2] == "group_status in STALL,STOP"
        firing = app.screen.query_one("#firing", LiveTable)
        # audit's lag passed 925 at step 3 (930) and held for 20 s by step 5; urp fired at once;
        # their commits from the commit log show audit STOP and notifier STALL from the first refresh.
        assert sorted(firing.row_keys) == ["audit-behind|group|audit", "stuck|group|audit",
                                           "stuck|group|notifier", "urp|topic|airline-tweets"]
        assert firing.cells("audit-behind|group|audit")[4:] == ["firing", "lag 950 above 925"]
        assert firing.cells("stuck|group|notifier")[5].startswith("status STALL on scored-tweets/0")
        history = app.screen.query_one("#history", LiveTable)
        assert history.column_text("state") == ["firing"] * 4
        assert "3 rules from cloudair-rules.yaml · 4 firing" in screen_text(app)
        await pilot.press("o")
        assert "4 alerts firing" in str(app.screen.query_one("#summary", Static).render())


async def test_firing_alerts_are_acknowledged_and_silenced_with_keys_and_typos_get_a_badge() -> None:
    rules = parse_rules({"rules": [{"name": "stuck", "kind": "group_status", "status": ["STALL", "STOP"]},
                                   {"name": "typo", "kind": "group_lag", "group": "scorr*", "above": 1}],
                         "silences": [{"rule": "stuck", "subject": "group audit", "until": "2099-01-01T00:00:00Z",
                                       "comment": "audit retired"}]}, origin="r.yaml")
    app = AirmonApp(FakeSource(), refresh_interval=3600, rules=rules)
    async with running(app, refreshes=1, size=(140, 45)) as pilot:
        await pilot.press("a")
        firing = app.screen.query_one("#firing", LiveTable)
        assert firing.column_text("state")[0].startswith("silenced")  # audit, by the rules file
        assert firing.column_text("state")[1] == "firing"             # notifier
        firing.move_to_key("stuck|group|notifier")
        await pilot.press("k")
        assert firing.cells("stuck|group|notifier")[4] == "acked"
        await pilot.press("s")
        assert firing.cells("stuck|group|notifier")[4] == "silenced 1h00m"
        silences = app.screen.query_one("#silences", LiveTable)
        assert [row[:2] + row[3:] for row in map(silences.cells, silences.row_keys)] == [
            ["stuck", "group audit", "rules file", "audit retired"],
            ["stuck", "group notifier", "screen", "silenced on screen"]]
        await pilot.press("u")
        assert firing.cells("stuck|group|notifier")[4] == "acked"
        assert app.screen.query_one("#rules", LiveTable).cells("typo")[6] == \
            "⚠ no consumer group matches 'scorr*' (there are 3: audit, notifier, scorer)"
        assert "2 rules from r.yaml · 2 firing · ⚠ 1 matching nothing" in screen_text(app)


async def test_a_resolved_alert_moves_to_history() -> None:
    source = FakeSource()
    app = AirmonApp(source, refresh_interval=3600, rules=parse_rules(
        {"rules": [{"name": "scored-busy", "kind": "group_lag", "group": "notifier", "above": 22}]}))
    async with running(app, refreshes=2, size=(120, 40)) as pilot:  # notifier lag 20, 24: fires at step 1
        await pilot.press("a")
        firing = app.screen.query_one("#firing", LiveTable)
        assert firing.row_keys == ["scored-busy|group|notifier"]
        source._given = [cluster(0).replace(taken_at=T0 + 100)]  # notifier's lag back to 20
        await refresh(pilot)
        assert firing.row_keys == []
        history = app.screen.query_one("#history", LiveTable)
        assert history.column_text("state") == ["resolved", "firing"]  # newest first


async def test_no_rules_says_how_to_load_them() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=1) as pilot:
        await pilot.press("a")
        assert "No alert rules loaded: start airmon with --rules rules.yaml" in screen_text(app)


async def test_unreachable_cluster_is_shown_in_the_status_bar_and_last_data_kept() -> None:
    source = FakeSource()
    app = AirmonApp(source, refresh_interval=3600)
    async with running(app, refreshes=2, size=(120, 30)) as pilot:
        source.failure = "cannot reach the brokers: check --bootstrap"
        await refresh(pilot)
        bar = _status(app)
        assert bar.has_class("-error")
        assert "list_topics: cannot reach the brokers: check --bootstrap; showing data from 22:13:30 UTC" in bar.text
        assert "retrying every 3600s" in bar.text
        assert app.screen.query_one("#topics", LiveTable).row_keys == ["airline-tweets", "scored-tweets"]
        source.failure = None
        await refresh(pilot)
        assert not bar.has_class("-error")
        assert "refreshed 22:13:50 UTC" in bar.text


async def test_a_source_that_raises_does_not_crash_the_app() -> None:
    source = FakeSource()
    app = AirmonApp(source, refresh_interval=3600)
    async with running(app, refreshes=1) as pilot:
        source.raise_error = ConnectionError("socket closed")
        await refresh(pilot)
        assert "refresh failed: ConnectionError: socket closed" in _status(app).text
        source.raise_error = None
        await refresh(pilot)
        assert "refreshed" in _status(app).text


async def test_refresh_runs_off_the_ui_thread_and_never_piles_up() -> None:
    release = threading.Event()
    threads: list[str] = []

    class SlowSource(FakeSource):
        def snapshot(self):  # type: ignore[no-untyped-def]
            threads.append(threading.current_thread().name)
            release.wait(10)
            return super().snapshot()

    source = SlowSource()
    app = AirmonApp(source, refresh_interval=3600)
    async with app.run_test() as pilot:
        await pilot.pause()
        for _ in range(5):  # the UI keeps handling keys while the first refresh blocks
            app.action_refresh_now()
            await pilot.press("t")
        assert app.screen.__class__.__name__ == "TopicsScreen"
        assert "connecting…" in _status(app).text
        release.set()
        await settle(pilot)
        assert source.calls == 1
        assert threads and threads[0] != threading.main_thread().name


async def test_writes_are_refused_without_allow_writes() -> None:
    admin = FakeAdmin()
    app = AirmonApp(FakeSource(), refresh_interval=3600, admin=admin)
    async with running(app, refreshes=1, size=(120, 30)) as pilot:
        await pilot.press("g", "D")
        assert not isinstance(app.screen, ConfirmScreen)
        assert "read-only: start airmon with --allow-writes" in _status(app).text
        await pilot.press("R")
        assert admin.deleted == [] and admin.resets == []


async def test_delete_needs_the_group_name_typed_exactly() -> None:
    admin = FakeAdmin()
    source = FakeSource()
    app = AirmonApp(source, refresh_interval=3600, admin=admin, allow_writes=True)
    async with running(app, refreshes=1, size=(120, 30)) as pilot:
        await pilot.press("g", "D")  # the cursor is on "audit"
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press(*"audi", "enter")
        assert admin.deleted == []
        assert "That is not 'audit'; nothing was changed." in str(app.screen.query_one("#confirm-error").render())
        await pilot.press("escape")
        assert admin.deleted == [] and not isinstance(app.screen, ConfirmScreen)
        calls = source.calls
        await pilot.press("D", *"audit", "enter")
        await settle(pilot)
        assert admin.deleted == ["audit"]
        assert "deleted group audit" in _status(app).text
        assert source.calls == calls + 1  # refreshed at once to show the result


async def test_reset_offsets_shows_the_new_lag_then_needs_the_name_typed() -> None:
    admin = FakeAdmin()
    app = AirmonApp(FakeSource(), refresh_interval=3600, admin=admin, allow_writes=True)
    async with running(app, refreshes=1, size=(120, 30)) as pilot:
        app.open_group("scorer")
        await pilot.pause()
        await pilot.press("R")
        screen = app.screen
        assert isinstance(screen, ResetScreen)
        assert screen.query_one("#reset-scope", Input).value == "airline-tweets/0"  # the partition under the cursor
        screen.query_one("#reset-scope", Input).value = "airline-tweets"
        await pilot.press(*"-100", "enter")  # shift back by 100 on every partition of the topic
        await settle(pilot)
        preview = screen.query_one("#reset-preview", LiveTable)
        assert preview.cells("airline-tweets/1") == ["airline-tweets/1", "1,040", "940", "10", "110"]
        assert "3 partitions, lag after the reset 330" in screen_text(app)
        await pilot.press(*"scorr", "enter")  # a typo changes nothing
        assert admin.resets == [] and "That is not 'scorer'" in screen_text(app)
        screen.query_one("#confirm-input", Input).value = ""
        await pilot.press(*"scorer", "enter")
        await settle(pilot)
        [(group, plan)] = admin.resets
        assert group == "scorer" and [(m.partition, m.offset) for m in plan] == [(0, 940), (1, 940), (2, 940)]


async def test_reset_plans_earliest_latest_a_time_or_an_offset_and_refuses_nonsense() -> None:
    admin = FakeAdmin()
    app = AirmonApp(FakeSource(), refresh_interval=3600, admin=admin, allow_writes=True)
    async with running(app, refreshes=1, size=(120, 30)) as pilot:
        await pilot.press("g", "down", "down", "R")
        screen = app.screen
        assert isinstance(screen, ResetScreen)
        to = screen.query_one("#reset-to", Input)
        for typed, offset in (("earliest", 0), ("latest", 1050), ("2023-11-14T22:13:20.500", 500), ("70000", 1050)):
            to.value = typed
            await pilot.press("enter")
            await settle(pilot)
            assert screen.query_one("#reset-preview", LiveTable).column_text("offset") == [fmt_int(offset)] * 3
            to.focus()
        to.value = "yesterday"
        await pilot.press("enter")
        assert "cannot reset to 'yesterday'" in screen_text(app)
        assert screen.query_one("#reset-preview", LiveTable).row_count == 0  # the old plan is gone
        screen.query_one("#reset-scope", Input).value = "nope"
        to.value = "earliest"
        await pilot.press("enter")
        assert "the group has no partition in 'nope'" in screen_text(app)
        await pilot.press("escape")
        assert admin.resets == []


async def test_help_lists_the_keys_of_every_screen() -> None:
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=1, size=(100, 60)) as pilot:
        await pilot.press("g", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        sections = dict(app.screen.sections())
        assert ("/", "Type to narrow the list by topic name.") in sections["Topics (enter: topic detail)"]
        assert ("l", "Read the age of the oldest unconsumed record of the group under the cursor.") in \
            sections["Consumer groups (enter: group detail)"]
        assert ("f", "Follow the topic live: read new records every refresh interval.") in sections["Messages"]
        assert ("E", "Write the records shown to <topic>-<UTC time>.jsonl in the current directory.") in \
            sections["Messages"]  # not in the footer, for room: help lists it
        text = screen_text(app)
        assert "Type to narrow the list by topic name." in text
        assert re.search(r"│\s+\?\s+Show the keys of every screen\.", text)
        await pilot.press("escape")
        assert app.screen.__class__.__name__ == "GroupsScreen"


async def test_every_registered_screen_is_in_help_and_has_its_keys() -> None:
    names = [s.name for s in SCREENS]
    keys = [s.key for s in SCREENS if s.key is not None]
    assert len(set(names)) == len(names) and len(set(keys)) == len(keys)
    app = AirmonApp(FakeSource(), refresh_interval=3600)
    async with running(app, refreshes=1) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        everywhere, *screens = app.screen.sections()
        assert [title for title, _ in screens] == [s.title for s in SCREENS]
        await pilot.press("escape")
        for s in SCREENS:
            if s.key is None:  # a detail screen: the app pushes it, escape leaves it
                assert "escape" in {b.key for b in s.screen.BINDINGS if isinstance(b, Binding)}, s.name
                continue
            assert (s.key, s.label) in everywhere[1]
            await pilot.press(s.key)
            assert isinstance(app.screen, s.screen), s.name
            assert app.current_mode == s.name


async def test_names_from_the_cluster_are_never_read_as_markup() -> None:
    odd = cluster(0)
    odd = odd.replace(groups=tuple(dataclasses.replace(g, group_id="[b]x[/b]") if g.group_id == "audit" else g
                                   for g in odd.groups))
    app = AirmonApp(FakeSource([odd]), refresh_interval=3600)
    async with running(app, refreshes=1) as pilot:
        await pilot.press("g")
        assert "[b]x[/b]" in screen_text(app)


async def test_a_slow_read_that_returns_after_its_screen_closed_is_dropped() -> None:
    release = threading.Event()

    class SlowConfig(FakeSource):
        def topic_config(self, topic: str) -> tuple[TopicSetting, ...]:
            release.wait(10)
            return super().topic_config(topic)

    app = AirmonApp(SlowConfig(), refresh_interval=3600)
    async with running(app, refreshes=1) as pilot:
        await pilot.press("t", "enter")  # topic detail asks for the configuration
        closed = app.screen
        await pilot.press("escape")      # ... and is closed before it arrives
        release.set()
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, TopicsScreen)
        assert closed.config is None  # type: ignore[attr-defined]  # the late answer went nowhere
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#config", LiveTable).row_count == 6


async def test_time_lag_rules_read_time_lag_each_refresh_and_notifiers_are_told_once(
        caplog: pytest.LogCaptureFixture) -> None:
    class TimedSource(FakeSource):
        def with_time_lag(self, snapshot, group_ids):  # type: ignore[no-untyped-def]
            def timed(g):  # type: ignore[no-untyped-def]
                ages = self.time_lag(g)
                return dataclasses.replace(g, partitions=tuple(
                    dataclasses.replace(p, time_lag=ages.get((p.topic, p.partition))) for p in g.partitions))
            return snapshot.replace(groups=tuple(timed(g) if g.group_id in group_ids else g for g in snapshot.groups))

    rules = parse_rules({"notifiers": {"console": {"type": "log"}}, "rules": [
        {"name": "old-records", "kind": "time_lag", "group": "scorer", "above": "2m", "notify": ["console"]}]})
    source = TimedSource()
    app = AirmonApp(source, refresh_interval=3600, rules=rules)
    with caplog.at_level("WARNING", logger="airmon.alerts"):
        async with running(app, refreshes=3, size=(120, 30)) as pilot:
            assert source.time_lag_calls == ["scorer"] * 3  # only the group a time_lag rule names
            await pilot.press("a")
            firing = app.screen.query_one("#firing", LiveTable)
            # The fake's oldest unconsumed record on scorer's partition 2 is 3 minutes old.
            assert firing.cells("old-records|group|scorer")[5] == "oldest unconsumed record is 3m00s above 2m00s"
    fired = [r.getMessage() for r in caplog.records if r.name == "airmon.alerts"]
    assert fired == ["FIRING warning old-records [group scorer]: oldest unconsumed record is 3m00s above 2m00s"]


async def test_live_table_keeps_the_cursor_on_its_row_and_survives_repeated_keys() -> None:
    from textual.app import App, ComposeResult

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield LiveTable([("name", "Name"), ("n", "N")], id="t")

    async with Host().run_test() as pilot:
        table = pilot.app.query_one(LiveTable)
        table.set_rows([("a", ["a", "1"]), ("b", ["b", "2"]), ("c", ["c", "3"])])
        table.move_to_key("b")
        table.set_rows([("z", ["z", "0"]), ("a", ["a", "1"]), ("b", ["b", "5"]), ("b", ["b", "6"])])
        await pilot.pause()
        assert table.row_keys == ["z", "a", "b"]
        assert table.cursor_key == "b" and table.cells("b") == ["b", "5"]


async def test_shift_c_switches_between_named_clusters_each_with_its_own_data_and_alerts() -> None:
    prod = FakeSource()
    staging = FakeSource([cluster(0).replace(cluster_id="staging-1", groups=())])
    rules = parse_rules({"rules": [{"name": "behind", "kind": "group_lag", "above": 100}]})
    app = AirmonApp(prod, refresh_interval=3600, rules=rules,
                    clusters=[ClusterConnection("prod", prod), ClusterConnection("staging", staging)])
    async with running(app, refreshes=2) as pilot:
        assert app.sub_title.startswith("prod · fake://cloudair")
        [alert] = app.alerts.firing
        assert alert.text.startswith("FIRING warning behind [prod: group audit]")
        await pilot.press("t", "enter")  # a topic of prod ...
        await pilot.press("C")          # ... is closed when the cluster changes
        await settle(pilot)
        assert app.sub_title == "staging · fake://cloudair · cluster staging-1" and staging.calls == 1
        assert app.snapshot is not None and app.snapshot.groups == () and app.alerts.firing == ()
        assert isinstance(app.screen, TopicsScreen)
        await pilot.press("C")
        await settle(pilot)
        assert app.sub_title.startswith("prod · ") and prod.calls == 3  # refreshed again, history kept
        assert len(app.history.lag_series("audit")) == 3
        assert [a.text.split(":")[0] for a in app.alerts.firing] == ["FIRING warning behind [prod"]
