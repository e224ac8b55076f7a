"""A typed confirmation for destructive actions: the user must type the group's name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, RadioButton, RadioSet, Static

__all__ = ["ConfirmScreen"]


class ConfirmScreen(ModalScreen[str | None]):
    """Asks to type ``expected`` to go ahead, optionally after picking one of ``choices``.

    Dismisses with the chosen choice (the only one when there is one) once ``expected`` was typed
    exactly, or with ``None`` on Escape.

    Example::

        app.push_screen(ConfirmScreen("Reset offsets of scorer to", "scorer", ["earliest", "latest"]),
                        callback=lambda choice: ...)
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, expected: str, choices: Sequence[str] = ("yes",)) -> None:
        super().__init__()
        self.question = question
        self.expected = expected
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self.question, style="bold"))
            if len(self.choices) > 1:
                with RadioSet(id="confirm-choice"):
                    for i, choice in enumerate(self.choices):
                        yield RadioButton(choice, value=i == 0)
            yield Static(Text.assemble("Type ", (self.expected, "bold"), " and press Enter to go ahead; "
                                       "Escape cancels."))
            yield Input(placeholder="type it here", id="confirm-input")
            yield Static("", id="confirm-error")

    def on_mount(self) -> None:
        self.query_one("#confirm-input").focus()

    @property
    def choice(self) -> str:
        """The selected choice."""
        if len(self.choices) == 1:
            return self.choices[0]
        index = self.query_one("#confirm-choice", RadioSet).pressed_index
        return self.choices[max(index, 0)]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value == self.expected:
            self.dismiss(self.choice)
        else:
            self.query_one("#confirm-error", Static).update(
                Text(f"That is not {self.expected!r}; nothing was changed.", style="red"))

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
