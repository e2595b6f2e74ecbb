"""A receipt laid out on the printer's own character grid, for the Big5 text mode.

Font A cells: an ASCII character takes one column, a Big5 (double-byte) character two, whatever its
Unicode width; 48 columns on 576 dots (80 mm), 42 on 512, 32 on 384 (58 mm). Lines are padded here,
with spaces, so the printer needs no alignment command for text and the preview can draw exactly
the same grid. The content comes from the receipt model field by field, in the order the raster
renderer draws it, so both modes print the same receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from printing.linebreak import HANGING, TOKEN, WORDS, break_lines
from printing.receipt import Receipt
from printing.render import header_rows


class Size(IntEnum):
    NORMAL = 1
    TALL = 2  # double height, same width
    BIG = 3  # double width and height


@dataclass(frozen=True, slots=True)
class TextLine:
    text: str  # already padded: ``cells(text) * (2 if BIG else 1) <= columns``
    size: Size = Size.NORMAL
    bold: bool = False


@dataclass(frozen=True, slots=True)
class QrBlock:
    payload: str


Item = TextLine | QrBlock


def cells(text: str) -> int:
    """Columns ``text`` takes on the printer: 1 per ASCII character, 2 per Big5 character."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def wrap(text: str, width: int, *, whole_words: bool = False) -> list[str]:
    """Greedy lines of at most ``width`` columns. CJK breaks between any two characters (but never
    before closing or after opening punctuation), ASCII words stay whole when they fit; with
    ``whole_words`` every space-separated word does (a centre's name is not broken mid-word)."""
    tokens = (WORDS if whole_words else TOKEN).findall(text)
    return [ln for ln in break_lines(tokens, width, cells) if ln] or [""]


class _Grid:
    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.items: list[Item] = []

    def line(self, text: str, size: Size = Size.NORMAL, *, bold: bool = False) -> None:
        self.items.append(TextLine(text.rstrip(), size, bold))

    def centred(self, text: str, size: Size = Size.NORMAL, *, bold: bool = False,
                whole_words: bool = False) -> None:
        scale = 2 if size is Size.BIG else 1
        room = self.columns // scale
        parts = wrap(text, room, whole_words=whole_words)
        narrower = room - 1
        while len(parts) > 1 and narrower > room // 2:  # balance the lines: no lone last word
            tried = wrap(text, narrower, whole_words=whole_words)
            if len(tried) != len(parts):
                break
            parts, narrower = tried, narrower - 1
        for part in parts:
            self.line(" " * ((room - cells(part)) // 2) + part, size, bold=bold)

    def paragraph(self, text: str, indent: int = 0) -> None:
        marker = HANGING.match(text)
        hang = cells(marker.group(1)) if marker else 0
        first, *_ = wrap(text, self.columns - indent)
        rest = text[len(first):].lstrip()
        self.line(" " * indent + first)
        if rest:
            for part in wrap(rest, self.columns - indent - hang):
                self.line(" " * (indent + hang) + part)

    def row(self, label: str, value: str) -> None:
        gap = self.columns - cells(label) - cells(value)
        if gap >= 2:
            self.line(label + " " * gap + value)
        else:
            self.line(label)
            self.paragraph(value, indent=2)

    def rule(self, char: str = "=") -> None:
        self.line(char * self.columns)

    def code(self, code: str) -> None:
        """The plain code in double size, each character marked 大/小/數 underneath (1, l, I apart)."""
        room = self.columns // 2  # big cells a line
        spaced = len(code) * 2 - 1 <= room
        big = (" " if spaced else "").join(code)
        pad = (room - len(big)) // 2
        self.line(" " * pad + big, Size.BIG, bold=True)
        gap = "  " if spaced else ""
        marks = gap.join(_char_class(ch) or "  " for ch in code)
        self.line(" " * (pad * 2) + marks)


def _char_class(ch: str) -> str:
    if ch.isdigit():
        return "數"
    if ch.isascii() and ch.isalpha():
        return "大" if ch.isupper() else "小"
    return ""


def layout_receipt(receipt: Receipt, columns: int) -> list[Item]:
    """``receipt`` as lines on a ``columns``-wide grid, with the QR as its own block."""
    g = _Grid(columns)
    g.centred(receipt.header.centre, bold=True, whole_words=True)
    for label, value in header_rows(receipt.header):
        g.row(label, value)
    g.rule()
    g.centred(receipt.title, Size.TALL, bold=True)
    if receipt.subtitle:
        g.centred(receipt.subtitle)
    g.rule("-")
    for label, value in receipt.lines:
        g.row(label, value)
    if receipt.qr:
        g.line("")
        g.items.append(QrBlock(receipt.qr))
    if receipt.code:
        g.code(receipt.code)
    if receipt.notes:
        g.rule("-")
        for note in receipt.notes:
            g.paragraph(note)
    g.rule()
    for line in receipt.footer:
        g.centred(line)
    return g.items


def text_of(items: list[Item]) -> str:
    """The printed text, one line per grid line (the QR as ``[QR]``): for checks and previews."""
    return "\n".join(i.text if isinstance(i, TextLine) else "[QR]" for i in items)
