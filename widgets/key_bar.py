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
    KeyBar { dock: bottom; height: 1; background: $footer-background; padding: 0 1; }
    """

    keys: reactive[tuple[tuple[str, str], ...]] = reactive((), layout=False)

    def render(self) -> Text:
        # On a narrow terminal (80 columns) the spacing tightens before any label would be cut.
        width = self.content_size.width or 10_000
        for key_pad, gap in ((" ", "  "), ("", " ")):
            text = Text(no_wrap=True, overflow="ellipsis")
            for key, label in self.keys:
                text.append(f"{key_pad}{key_display(key)}{key_pad}", style="bold reverse")
                text.append(f" {label}{gap}")
            text.rstrip()
            if text.cell_len <= width:
                break
        return text
