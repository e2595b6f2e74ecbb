"""Status bar: staff, counter, reader, printer, database. Display only: the screen sets ``info``."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from kiosk.core.display import printable


@dataclass(frozen=True)
class StatusInfo:
    """Already-localised labels; ``*_ok`` picks the colour."""

    staff: str = ""
    counter: str = ""
    reader: str = ""
    reader_ok: bool = True
    printer: str = ""
    printer_ok: bool = True
    database: str = ""
    demo: str = ""
    labels: tuple[str, str, str, str, str] = ("Staff", "Counter", "Reader", "Printer", "DB")


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { dock: bottom; height: 1; background: $panel; color: $text; padding: 0 1; margin-bottom: 1; }
    """

    info: reactive[StatusInfo] = reactive(StatusInfo, layout=False)

    def render(self) -> Text:
        i = self.info
        staff_l, counter_l, reader_l, printer_l, db_l = i.labels
        text = Text(no_wrap=True, overflow="ellipsis")
        if i.demo:
            text.append(f" {i.demo} ", style="bold black on yellow")
            text.append("  ")
        parts = [
            (staff_l, i.staff, True),
            (counter_l, i.counter, True),
            (reader_l, i.reader, i.reader_ok),
            (printer_l, i.printer, i.printer_ok),
            (db_l, i.database, True),
        ]
        for n, (label, value, ok) in enumerate(parts):
            if n:
                text.append("  │  ", style="dim")
            text.append(f"{label} ", style="dim")
            # Values may come from a card, a config file or a staff record typed anywhere: plain text,
            # never markup, and no control character that would reach the terminal.
            text.append(printable(value), style="bold" if ok else "bold red")
        return text
