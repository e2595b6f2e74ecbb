"""A photo drawn with half blocks: each cell shows two pixels stacked, ``▀`` in the top pixel's colour
on the bottom pixel's colour. Display only: the screen sets ``image``.

Deliberately not an automatic terminal-graphics renderer (sixel, kitty): those pick a protocol from
the terminal at import time, so the same screen would look different in CI, in tmux and at the
counter, and snapshots would never be stable. Half blocks work in every terminal, including tmux.
"""

from __future__ import annotations

from PIL import Image
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

UPPER_HALF = "▀"


def half_block_text(image: Image.Image, width: int) -> Text:
    """``image`` scaled to ``width`` cells wide (aspect kept, two pixels per cell vertically)."""
    rows = max(1, round(image.height * width / image.width / 2))
    small = image.convert("RGB").resize((width, rows * 2), Image.Resampling.BOX)
    pixels = small.load()
    assert pixels is not None
    text = Text(no_wrap=True, overflow="crop", end="")
    for row in range(rows):
        if row:
            text.append("\n")
        for x in range(width):
            top = pixels[x, row * 2]
            bottom = pixels[x, row * 2 + 1]
            assert isinstance(top, tuple) and isinstance(bottom, tuple)
            style = Style(color=Color.from_rgb(*top[:3]), bgcolor=Color.from_rgb(*bottom[:3]))
            text.append(UPPER_HALF, style)
    return text


class PhotoView(Widget):
    DEFAULT_CSS = """
    PhotoView { width: auto; height: auto; }
    """

    image: reactive[Image.Image | None] = reactive(None, layout=True)

    def __init__(self, *, cells_wide: int = 30, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.cells_wide = cells_wide

    def render(self) -> Text:
        if self.image is None:
            return Text("")
        return half_block_text(self.image, self.cells_wide)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.cells_wide if self.image is not None else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.image is None:
            return 0
        return max(1, round(self.image.height * self.cells_wide / self.image.width / 2))
