"""What every airmon screen shares: header, status bar, footer, and redrawing from the latest snapshot."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Input

from airstream.monitor.model import ClusterSnapshot
from airstream.monitor.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from airstream.monitor.app import AirmonApp

__all__ = ["AirmonScreen", "FilteredScreen"]


class AirmonScreen(Screen[None]):
    """A screen that draws itself from ``AirmonApp.snapshot`` and never talks to Kafka.

    Subclasses yield their widgets from :meth:`compose_body` and fill them in :meth:`show_snapshot`,
    which the app calls after every refresh while the screen is current, and which runs again when the
    user comes back to the screen.
    """

    @property
    def airmon(self) -> AirmonApp:
        """The app, typed."""
        # airmon's screens are only ever pushed by AirmonApp; Screen.app is typed as any App.
        return cast("AirmonApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header(icon="◉")
        yield from self.compose_body()
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def compose_body(self) -> Iterable[Widget]:
        """The screen's own widgets, between the header and the status bar."""
        return ()

    def on_mount(self) -> None:
        self.redraw()

    def on_screen_resume(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Draw the app's latest snapshot and status (nothing to draw before the first refresh)."""
        text, error = self.airmon.status_line()
        self.query_one(StatusBar).show(text, error=error)
        snapshot = self.airmon.snapshot
        if snapshot is not None:
            self.show_snapshot(snapshot)

    def show_snapshot(self, snapshot: ClusterSnapshot) -> None:
        """Fill the widgets from ``snapshot``."""


class FilteredScreen(AirmonScreen):
    """A screen whose list is narrowed by the ``#filter`` box: typing redraws, Enter goes back to the
    table ``#<TABLE_ID>``, Escape empties the box. Subclasses bind ``/`` to their own
    ``action_focus_filter``, whose docstring says (in help) what the filter matches."""

    TABLE_ID: ClassVar[str]

    @property
    def filter_text(self) -> str:
        """What the filter box holds, stripped."""
        return self.query_one("#filter", Input).value.strip()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.redraw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(f"#{self.TABLE_ID}").focus()

    def action_clear_filter(self) -> None:
        """Empty the filter and go back to the table."""
        self.query_one("#filter", Input).value = ""
        self.query_one(f"#{self.TABLE_ID}").focus()
