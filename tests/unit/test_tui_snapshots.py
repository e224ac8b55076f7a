"""Snapshot tests: every registered screen at 80x24 (a plain SSH terminal) and at 200x60 (a large one), as
text, against a stored copy.

The fake cluster and its clock are fixed, so the screens are the same on every run. The stored
screens live in ``tests/unit/snapshots/``; after an intended change to a screen, look at the
difference and rewrite them with ``AIRMON_UPDATE_SNAPSHOTS=1 pytest tests/unit/test_tui_snapshots.py``.
(Text, not pytest-textual-snapshot's SVG: that plugin pins a pytest older than this project's.)
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from tui_fakes import FakeAdmin, FakeBrowser, FakeSource, FakeWriter, TraceList, cluster, record, trace_model
from tui_support import running, screen_text, settle

from airstream.monitor.app import AirmonApp
from airstream.monitor.rules import parse_rules
from airstream.monitor.screens.registry import SCREENS
from airstream.monitor.widgets.live_table import LiveTable

SNAPSHOTS = Path(__file__).with_name("snapshots")
RULES = parse_rules({"rules": [
    {"name": "behind", "kind": "group_lag", "above": 100, "for": "20s", "severity": "critical"},
    {"name": "stuck", "kind": "group_status", "status": ["STALL", "STOP"]},
    {"name": "urp", "kind": "under_replicated"},
    {"name": "broker-gone", "kind": "broker_down", "severity": "critical"},
    {"name": "typo", "kind": "time_lag", "group": "scorr*", "above": "5m"},
]}, origin="rules.yaml")

# Keys pressed from the overview (after 6 refreshes) to reach each detail screen of the registry; a
# top-level screen is its own key away.
DETAIL_KEYS = {
    "topic_detail": ["t", "enter"],
    "group_detail": ["g", "down", "down", "enter"],
    "messages": ["g", "down", "down", "enter", "enter"],  # scorer's first partition, from its commit
}
# Views that are not screens of the registry.
OTHER_VIEWS = {
    "overview_filtered": ["tab", "down", "enter"],  # groups pane, notifier
    "help": ["question_mark"],
    "reset": ["g", "R", *"-10", "enter"],  # audit, shifted back by 10, previewed
    "produce": ["g", "down", "down", "enter", "enter", "w"],
    "delete": ["g", "D"],
}
NAMES = [s.name for s in SCREENS] + list(OTHER_VIEWS)


def _keys(name: str) -> list[str]:
    if name in OTHER_VIEWS:
        return OTHER_VIEWS[name]
    entry = next(s for s in SCREENS if s.name == name)
    if entry.key is not None:
        return [entry.key]
    if name not in DETAIL_KEYS:
        pytest.fail(f"no keys to reach the detail screen {name}: add them to DETAIL_KEYS")
    return DETAIL_KEYS[name]


def _records() -> list:
    return [record(n, f"user-{n % 7}".encode(), b'{"airline": "Delta", "text": "lost my bag", "n": %d}' % n,
                   (("trace-id", b"t-%d" % n),)) for n in range(1030, 1050)]


SIZES = [(80, 24), (200, 60)]


def _compare(name: str, shown: str) -> None:
    path = SNAPSHOTS / f"tui_{name}.txt"
    if os.environ.get("AIRMON_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(shown + "\n", encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no stored screen {path}: create it with AIRMON_UPDATE_SNAPSHOTS=1 and review it")
    stored = path.read_text(encoding="utf-8").rstrip("\n")
    if shown != stored:
        diff = "\n".join(difflib.unified_diff(stored.splitlines(), shown.splitlines(), "stored", "shown",
                                              lineterm=""))
        pytest.fail(f"screen {name} changed:\n{diff}")


@pytest.mark.asyncio
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", NAMES)
async def test_screen_matches_stored_snapshot(name: str, size: tuple[int, int]) -> None:
    browser = FakeBrowser(_records())
    app = AirmonApp(FakeSource(), refresh_interval=3600, rules=RULES, browser=browser, admin=FakeAdmin(),
                    writer=FakeWriter(browser), trace_reader=TraceList(trace_model()), allow_writes=True)
    async with running(app, refreshes=6, size=size) as pilot:
        for key in _keys(name):
            await pilot.press(key)
            await settle(pilot)
        registered = {s.name: s.screen for s in SCREENS}
        if name in registered:
            assert isinstance(app.screen, registered[name])
        shown = screen_text(app)
        assert shown.splitlines()[-1].endswith("? Help q Quit"), "the footer must fit: help and quit in view"
        _compare(name if size == SIZES[0] else f"{name}_{size[0]}x{size[1]}", shown)


def test_no_stored_screen_is_left_over() -> None:
    stored = {path.stem.removeprefix("tui_") for path in SNAPSHOTS.glob("tui_*.txt")}
    shown = set(NAMES) | {f"{name}_{w}x{h}" for name in NAMES for w, h in SIZES[1:]}
    assert stored <= shown, f"stored screens no test shows: {sorted(stored - shown)}"


@pytest.mark.asyncio
@pytest.mark.parametrize("name", NAMES)
async def test_at_80x24_production_length_names_leave_every_number_whole(name: str) -> None:
    """With 40-character topic and group names and offsets in the millions, every table's columns but its
    last fit the table's width (the last, often free text, shows at least 12 characters): less
    important columns give way and names are shortened, so no number is cut at the edge."""
    browser = FakeBrowser(_records())
    app = AirmonApp(FakeSource([cluster(step, big=True) for step in range(8)]), refresh_interval=3600, rules=RULES,
                    browser=browser, admin=FakeAdmin(), writer=FakeWriter(browser),
                    trace_reader=TraceList(trace_model()), allow_writes=True)
    async with running(app, refreshes=6, size=(80, 24)) as pilot:
        for key in _keys(name):
            await pilot.press(key)
            await settle(pilot)
        for table in app.screen.query(LiveTable):
            if not table.display or not table.region.width:
                continue
            widths = [column.get_render_width(table) for column in table.columns.values()]
            shown = sum(widths[:-1]) + min(widths[-1], 12) if widths else 0
            assert shown <= table.scrollable_content_region.width, (table.id, table.visible_columns, widths)
