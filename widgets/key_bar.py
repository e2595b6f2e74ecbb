"""A footer of (key, label) pairs in the current language. Display only."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

KEY_NAMES = {"escape": "Esc", "enter": "Enter", "question_mark": "?"}


def key_display(key: str) -> str:
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    if key.startswith("ctrl+"):
        return "^" + key[5:].upper()
    return key.upper() if len(key) <= 3 else key.title()


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: auto; max-height: 2; background: $footer-background; padding: 0 1; }
    """

    keys: reactive[tuple[tuple[str, str], ...]] = reactive((), layout=False)

    def render(self) -> Text:
        # On a narrow terminal (80 columns) the spacing tightens before any label would be cut; when
        # even that does not fit (the audit viewer's nine keys), the keys take a second line, each
        # key whole on one of them.
        width = self.content_size.width or 10_000
        for key_pad, gap in ((" ", "  "), ("", " ")):
            text = self._line(self.keys, key_pad, gap)
            if text.cell_len <= width:
                return text
        lines: list[list[tuple[str, str]]] = [[]]
        for entry in self.keys:
            if lines[-1] and self._line([*lines[-1], entry], "", " ").cell_len > width:
                lines.append([])
            lines[-1].append(entry)
        return Text("\n", no_wrap=True, overflow="ellipsis").join(self._line(line, "", " ") for line in lines[:2])

    @staticmethod
    def _line(keys: list[tuple[str, str]] | tuple[tuple[str, str], ...], key_pad: str, gap: str) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for key, label in keys:
            text.append(f"{key_pad}{key_display(key)}{key_pad}", style="bold reverse")
            text.append(f" {label}{gap}")
        text.rstrip()
        return text
