"""The password strength meter 弱/中/中強/強 (seed 000). Display only: advice, never a block.

The screen computes the level (``kiosk.core.password.strength``) and passes it down with the labels
in the current language; the meter only draws four segments, lit up to the level.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

# Red to green, so the level is readable even without the labels.
_LIT_STYLES = ("bold white on dark_red", "bold black on dark_orange", "bold black on yellow",
               "bold white on dark_green")
_UNLIT_STYLE = "dim"


class StrengthMeter(Widget):
    DEFAULT_CSS = """
    StrengthMeter { height: 1; width: auto; }
    """

    # 0 = nothing typed yet; 1..4 = weak .. strong.
    level: reactive[int] = reactive(0)
    labels: reactive[tuple[str, ...]] = reactive(("弱", "中", "中強", "強"))
    caption: reactive[str] = reactive("")

    def render(self) -> Text:
        text = Text(no_wrap=True)
        if self.caption:
            text.append(f"{self.caption} ")
        for index, label in enumerate(self.labels):
            # Every lit segment takes the reached level's colour: one glance says how strong.
            lit = index < self.level
            text.append(f" {label} ", style=_LIT_STYLES[min(self.level, 4) - 1] if lit else _UNLIT_STYLE)
            text.append(" ")
        return text
