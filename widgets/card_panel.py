"""The card panel: what the inserted card says, masked. Display only: the screen sets ``card``."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


@dataclass(frozen=True)
class CardDisplay:
    """Everything already masked and localised by the screen. ``rows`` are (label, value)."""

    title: str
    rows: tuple[tuple[str, str], ...] = ()
    message: str = ""  # shown when there are no rows: "insert card", "reading…", an error
    warnings: tuple[str, ...] = ()
    error: bool = False


class CardPanel(Widget):
    DEFAULT_CSS = """
    CardPanel { border: round $primary; padding: 0 1; height: auto; min-height: 9; }
    CardPanel.-error { border: round $error; }
    CardPanel.-empty { border: round $panel-lighten-2; }
    """

    # layout=True: a card with warnings needs more lines; without it the panel kept its old height
    # and the ⚠ line showed only after a terminal resize.
    card: reactive[CardDisplay | None] = reactive(None, layout=True)

    def watch_card(self, card: CardDisplay | None) -> None:
        self.border_title = card.title if card else ""
        self.set_class(bool(card and card.error), "-error")
        self.set_class(bool(card and not card.rows and not card.error), "-empty")

    def render(self) -> RenderableType:
        card = self.card
        if card is None:
            return Text("")
        parts: list[RenderableType] = []
        # One grid: a warning's ⚠ sits in the label column, so a wrapped warning hangs under its text
        # and the ⚠ is never left alone on a line.
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", no_wrap=True)
        table.add_column(overflow="fold")  # Chinese has no spaces to wrap at: fold, never cut with …
        for label, value in card.rows:
            # Card data is shown as text: a name like "[bold]" must not style the screen.
            table.add_row(Text(label), Text(value))
        for warning in card.warnings:
            table.add_row(Text("⚠", style="bold yellow"), Text(warning, style="bold yellow"))
        if card.rows or card.warnings:
            parts.append(table)
        if card.message:
            parts.append(Text(card.message, style="bold red" if card.error else "italic"))
        return Group(*parts)
