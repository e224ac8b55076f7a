"""Helpers for the airmon TUI tests (unit and integration): drive the app headless and read the screen.

``tests/`` is on ``sys.path`` for every test (it holds the root conftest), so tests import this as
``tui_support``.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

from airstream.monitor.app import AirmonApp


def screen_text(app: App[None]) -> str:
    """The current screen as plain text, line by line, exactly as a terminal of the app's size shows it."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, force_terminal=True,
                      color_system=None, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


async def settle(pilot: Pilot[None]) -> None:
    """Let workers finish and the screen catch up with what they delivered."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def refresh(pilot: Pilot[None], times: int = 1) -> None:
    """Take ``times`` more snapshots, one after the other, as the refresh timer would."""
    for _ in range(times):
        await settle(pilot)
        pilot.app.action_refresh_now()  # type: ignore[attr-defined]
        await settle(pilot)


@asynccontextmanager
async def running(app: AirmonApp, *, refreshes: int = 6,
                  size: tuple[int, int] = (100, 30)) -> AsyncIterator[Pilot[None]]:
    """Run ``app`` headless at ``size`` and let it take ``refreshes`` snapshots (the first at mount)."""
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await refresh(pilot, refreshes - 1)
        yield pilot
