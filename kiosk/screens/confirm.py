"""A yes/no question that names what will happen."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        # Capitals too: the question shows Y / N, and Caps Lock sends them.
        Binding("y,Y", "answer(True)", show=False),
        Binding("n,N,escape", "answer(False)", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(Text(self.question))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
