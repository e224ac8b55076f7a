"""Writing a test message: key, value, headers, partition; the topic's name typed to send it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from airstream.monitor.producing import parse_headers

__all__ = ["Draft", "ProduceScreen"]

Draft = tuple[bytes | None, bytes | None, list[tuple[str, bytes]], int | None]
"""What to send: key (``None``: a null key), value, headers, partition (``None``: by the key)."""


class ProduceScreen(ModalScreen[Draft | None]):
    """Asks for a record for ``topic`` and dismisses with it once the topic's name is typed (``None`` on
    Escape). Key and value are sent as the UTF-8 text typed; an empty key is a null key."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, topic: str, partitions: int, partition: int | None = None) -> None:
        super().__init__()
        self.topic = topic
        self.partitions = partitions
        self.partition = partition

    def compose(self) -> ComposeResult:
        with Vertical(id="produce-box"):
            yield Static(Text(f"Write a message to topic {self.topic}", style="bold"))
            yield Label("Key (empty: null)")
            yield Input(id="produce-key", compact=True)
            yield Label("Value")
            yield Input(id="produce-value", compact=True)
            yield Label("Headers (name=value; name=value)")
            yield Input(id="produce-headers", compact=True)
            yield Label(f"Partition (empty: by the key; 0..{self.partitions - 1})")
            yield Input(value="" if self.partition is None else str(self.partition), id="produce-partition",
                        compact=True)
            yield Static(Text.assemble("Type ", (self.topic, "bold"), " and press Enter to send; Escape cancels."))
            yield Input(placeholder=f"type {self.topic} to send", id="confirm-input", compact=True)
            yield Static("", id="confirm-error")

    def on_mount(self) -> None:
        self.query_one("#produce-key").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "confirm-input":
            self.focus_next()
            return
        try:
            draft = self.draft()
        except ValueError as exc:
            self._error(str(exc))
            return
        if event.value != self.topic:
            self._error(f"That is not {self.topic!r}; nothing was sent.")
            return
        self.dismiss(draft)

    def draft(self) -> Draft:
        """The record as typed; ``ValueError`` says which field cannot be read."""
        key = self.query_one("#produce-key", Input).value
        value = self.query_one("#produce-value", Input).value
        headers = parse_headers(self.query_one("#produce-headers", Input).value)
        typed = self.query_one("#produce-partition", Input).value.strip()
        if typed and not (typed.isdigit() and int(typed) < self.partitions):
            raise ValueError(f"partition {typed!r}: type a number from 0 to {self.partitions - 1}, or nothing")
        return (key.encode() if key else None, value.encode(), headers, int(typed) if typed else None)

    def _error(self, text: str) -> None:
        self.query_one("#confirm-error", Static).update(Text(text, style="red"))

    def action_cancel(self) -> None:
        """Close without sending anything."""
        self.dismiss(None)
