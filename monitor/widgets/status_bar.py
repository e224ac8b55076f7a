"""The one-line status bar: where the data comes from, how fresh it is, and what went wrong."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

__all__ = ["StatusBar"]


class StatusBar(Static):
    """Shows the app's status line; red when the last refresh failed or reported an error.

    The text is produced by the app (``AirmonApp.status_line``) so every screen says the same thing.

    Example::

        bar = StatusBar()
        bar.show("kafka://127.0.0.1:9092 · refreshed 12:00:01", error=False)
    """

    def show(self, text: str, *, error: bool) -> None:
        """Replace the line; ``error`` switches on the error style (and the ``-error`` CSS class)."""
        self.set_class(error, "-error")
        # An error wraps (up to three lines, see airmon.tcss): its second half is usually the fix.
        self.update(Text(text, no_wrap=not error, overflow="ellipsis"))

    @property
    def text(self) -> str:
        """The plain text shown (for tests and screen readers)."""
        return str(self.render())
