"""Demo only: pick a demo citizen's card to insert into the simulated reader."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.core.masking import mask_id
from kiosk.core.models import Citizen
from kiosk.i18n import t


class DemoCardPicker(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", show=False)]

    def __init__(self, cards: list[Citizen], notes: list[str]) -> None:
        super().__init__()
        self.cards = cards
        self.notes = notes

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        for n, (card, note) in enumerate(zip(self.cards, self.notes, strict=True), start=1):
            table.add_row(Text(str(n), style="bold"), Text(card.name), Text(mask_id(card.national_id)),
                          Text(note, style="dim"))
        with Vertical(id="demo-box") as box:
            box.border_title = t("demo.pick_title")
            box.border_subtitle = t("demo.pick_hint")
            yield Static(table)

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            n = int(event.character)
            if 1 <= n <= len(self.cards):
                event.stop()
                self.dismiss(n - 1)
