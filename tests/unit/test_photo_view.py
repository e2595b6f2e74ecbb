"""The half-block renderer: top pixel is the foreground of ▀, bottom pixel its background."""

from __future__ import annotations

from PIL import Image

from widgets.photo_view import UPPER_HALF, half_block_text


def test_each_cell_carries_two_stacked_pixels():
    image = Image.new("RGB", (2, 4))
    colours = {(0, 0): (255, 0, 0), (0, 1): (0, 0, 255), (1, 0): (0, 255, 0), (1, 1): (255, 255, 0),
               (0, 2): (10, 20, 30), (0, 3): (40, 50, 60), (1, 2): (70, 80, 90), (1, 3): (100, 110, 120)}
    for xy, rgb in colours.items():
        image.putpixel(xy, rgb)
    text = half_block_text(image, 2)
    lines = text.split("\n")
    assert [line.plain for line in lines] == [UPPER_HALF * 2] * 2
    for row, line in enumerate(lines):
        for x, span in enumerate(line.spans):
            style = span.style
            assert style.color.triplet == colours[(x, row * 2)]  # type: ignore[union-attr]
            assert style.bgcolor.triplet == colours[(x, row * 2 + 1)]  # type: ignore[union-attr]


def test_aspect_is_kept_and_output_is_deterministic():
    image = Image.new("RGB", (300, 400), (200, 100, 50))
    first = half_block_text(image, 30)
    assert len(first.split("\n")) == 20  # 30 cells wide × 40 pixels tall = 20 rows
    assert first.spans == half_block_text(image, 30).spans
