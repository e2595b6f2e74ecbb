"""Status bar: staff, counter, reader, printer, database. Display only: the screen sets ``info``."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.geometry import Size
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
    """One line when it fits; on a narrow terminal (80 columns) the separators tighten and the parts
    wrap onto a second line, whole, instead of being cut at the right edge."""

    DEFAULT_CSS = """
    StatusBar { dock: bottom; height: auto; background: $panel; color: $text; padding: 0 1; margin-bottom: 1; }
    """

    info: reactive[StatusInfo] = reactive(StatusInfo, layout=True)

    def _segments(self) -> list[Text]:
        i = self.info
        staff_l, counter_l, reader_l, printer_l, db_l = i.labels
        parts = [
            (staff_l, i.staff, True),
            (counter_l, i.counter, True),
            (reader_l, i.reader, i.reader_ok),
            (printer_l, i.printer, i.printer_ok),
            (db_l, i.database, True),
        ]
        segments = []
        for label, value, ok in parts:
            segment = Text(f"{label} ", style="dim")
            # Values may come from a card, a config file or a staff record typed anywhere: plain text,
            # never markup, and no control character that would reach the terminal.
            segment.append(printable(value), style="bold" if ok else "bold red")
            segments.append(segment)
        return segments

    def _lines(self, width: int) -> list[Text]:
        badge = Text(f" {self.info.demo} ", style="bold black on yellow") if self.info.demo else None
        segments = self._segments()
        for separator in ("  │  ", " │ "):
            line = Text(no_wrap=True, overflow="ellipsis")
            if badge:
                line.append_text(badge)
                line.append("  ")
            line.append_text(Text(separator, style="dim").join(segments))
            if line.cell_len <= width:
                return [line]
        items = [badge, *segments] if badge else segments
        lines: list[Text] = []
        line = Text(no_wrap=True, overflow="ellipsis")
        for n, item in enumerate(items):
            gap = "  " if badge is not None and n == 1 else " │ "
            if n and line.cell_len + len(gap) + item.cell_len > width:
                lines.append(line)
                line = Text(no_wrap=True, overflow="ellipsis")
            elif n:
                line.append(gap, style="dim")
            line.append_text(item)
        lines.append(line)
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        return Text("\n", no_wrap=True, overflow="ellipsis").join(self._lines(self.content_size.width or 10_000))
