"""Receipt → one 1-bit image, drawn with a Traditional Chinese font.

Thermal printers in Taiwan expect Big5 text and python-escpos sends GB18030, so the whole receipt is
drawn as a picture: the printer's own fonts and code pages never matter, and characters outside Big5
(堃, 喆, 峯) print like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageDraw, ImageFont

from kiosk.core.rocdate import format_citizen_datetime
from printing.fonts import (
    FontSpec,
    _Faces,
    _faces,
    _load,
    draw_text,
    find_font,
    measure,
)
from printing.linebreak import HANGING, TOKEN, break_lines
from printing.receipt import Receipt, ReceiptHeader

PAPER_WIDTHS_PX = {80: 576, 58: 384}

@dataclass(frozen=True, slots=True)
class _Sizes:
    margin: int
    header: int
    title: int
    body: int
    small: int
    code: int
    code_gap: int
    qr_box: int


def _sizes(width: int) -> _Sizes:
    if width >= 500:  # 80 mm paper (576 dots, or 512 on 180 dpi heads)
        return _Sizes(margin=10, header=28, title=38, body=26, small=22, code=60, code_gap=10, qr_box=8)
    return _Sizes(margin=4, header=24, title=32, body=24, small=20, code=44, code_gap=5, qr_box=6)



_Op = Callable[[ImageDraw.ImageDraw, Image.Image, int], None]


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy line breaks: CJK between any two characters, ASCII words kept whole when they fit."""
    return break_lines(TOKEN.findall(text), width, lambda s: measure(font, s)) or [""]


def wrap_words(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Lines broken only at spaces, for a name made of words (中央健康保險署 臺北業務組 聯合服務中心);
    a word wider than the paper is broken like any other text."""
    lines: list[str] = []
    for word in text.split():
        if lines and measure(font, f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        elif measure(font, word) <= width:
            lines.append(word)
        else:
            lines += wrap(word, font, width)
    return lines or [""]


class _Layout:
    """Collects drawing steps top to bottom, so the image is made once at its final height."""

    def __init__(self, width: int, faces: _Faces) -> None:
        self.width = width
        self.s = _sizes(width)
        self.faces = faces
        self.y = self.s.margin
        self.ops: list[tuple[int, _Op]] = []
        self.inner = width - 2 * self.s.margin

    def font(self, size: int, *, bold: bool = False, mono: bool = False
             ) -> tuple[ImageFont.FreeTypeFont, int]:
        spec = self.faces.regular
        if mono:
            spec = self.faces.mono
        elif bold:
            spec = self.faces.bold or self.faces.regular
        stroke = 1 if bold and self.faces.bold is None else 0
        return _load(spec.path, spec.index, size), stroke

    def text_line(self, text: str, size: int, *, x: int | None = None, align: str = "left",
                  bold: bool = False) -> None:
        font, stroke = self.font(size, bold=bold)
        if x is None:
            w = measure(font, text)
            x = {"left": self.s.margin, "centre": round((self.width - w) / 2),
                 "right": round(self.width - self.s.margin - w)}[align]
        baseline = round(size * 1.05)
        self.ops.append((self.y, _text_op(x, baseline, text, font, stroke)))
        self.y += round(size * 1.35)

    def paragraph(self, text: str, size: int, *, align: str = "left", bold: bool = False,
                  indent: int = 0) -> None:
        font, _ = self.font(size, bold=bold)
        marker = HANGING.match(text) if align == "left" else None
        hang = round(measure(font, marker.group(1))) if marker else 0
        first, *rest = wrap(text, font, self.inner - indent)
        if rest and hang:
            rest = wrap(text[len(first):].lstrip(), font, self.inner - indent - hang)
        self.text_line(first, size, align=align, bold=bold,
                       x=self.s.margin + indent if align == "left" else None)
        for line in rest:
            self.text_line(line, size, align=align, bold=bold,
                           x=self.s.margin + indent + hang if align == "left" else None)

    def row(self, label: str, value: str, size: int) -> None:
        font, _ = self.font(size)
        label_w, value_w = measure(font, label), measure(font, value)
        if label_w + size + value_w <= self.inner:
            start = self.y
            self.text_line(label, size)
            self.y = start
            self.text_line(value, size, align="right")
        elif " " in value.strip():  # words (a date range, a device name): break between them
            self.text_line(label, size)
            for line in wrap_words(value, font, self.inner - size):
                self.text_line(line, size, x=self.s.margin + size)
        else:
            self.text_line(label, size)
            self.paragraph(value, size, indent=size)

    def name_lines(self, text: str, size: int, *, bold: bool = False) -> None:
        """``text`` centred, broken only between its words."""
        font, _ = self.font(size, bold=bold)
        for line in wrap_words(text, font, self.inner):
            self.text_line(line, size, align="centre", bold=bold)

    def rule(self, *, dashed: bool = False, thickness: int = 2) -> None:
        gap = self.s.small // 2
        self.y += gap // 2
        m, w = self.s.margin, self.width

        def op(draw: ImageDraw.ImageDraw, _img: Image.Image, y: int) -> None:
            step = 12 if dashed else w
            for x in range(m, w - m, step):
                draw.rectangle((x, y, min(x + (7 if dashed else w), w - m) - 1, y + thickness - 1), fill=0)

        self.ops.append((self.y, op))
        self.y += thickness + gap

    def picture(self, picture: Image.Image) -> None:
        x = (self.width - picture.width) // 2
        self.ops.append((self.y, lambda _d, img, y: img.paste(picture, (x, y))))
        self.y += picture.height

    def space(self, px: int) -> None:
        self.y += px

    def render(self) -> Image.Image:
        image = Image.new("1", (self.width, self.y + self.s.margin), 1)
        draw = ImageDraw.Draw(image)
        for y, op in self.ops:
            op(draw, image, y)
        return image


def _text_op(x: int, baseline: int, text: str, font: ImageFont.FreeTypeFont, stroke: int) -> _Op:
    def op(_draw: ImageDraw.ImageDraw, img: Image.Image, y: int) -> None:
        draw_text(img, x, y + baseline, text, font, stroke)

    return op


def qr_image(payload: str, box: int) -> Image.Image:
    """The QR code at ``box`` dots per module, with the 4-module quiet zone scanners need."""
    import qrcode  # here: only receipts with a code pay for importing it
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    modules = Image.new("1", (n, n), 1)
    modules.putdata([0 if dark else 1 for row in matrix for dark in row])
    return modules.resize((n * box, n * box), Image.Resampling.NEAREST)


def _char_class(ch: str) -> str:
    if ch.isdigit():
        return "數"
    if ch.isascii() and ch.isalpha():
        return "大" if ch.isupper() else "小"
    return ""


def _code_block(layout: _Layout, code: str) -> None:
    """The plain code, large and monospaced, each character marked 大/小/數 so 1, l and I stay apart."""
    s = layout.s
    font, _ = layout.font(s.code, mono=True)
    small, _ = layout.font(s.small)
    cell = max(measure(font, ch) for ch in code) + s.code_gap
    cell = min(cell, layout.inner / max(len(code), 1))
    left = (layout.width - cell * len(code)) / 2
    baseline = round(s.code * 0.95)
    marker = baseline + font.getmetrics()[1] + s.small
    top = layout.y

    def op(_draw: ImageDraw.ImageDraw, img: Image.Image, y: int) -> None:
        for i, ch in enumerate(code):
            centre = left + cell * (i + 0.5)
            draw_text(img, centre - measure(font, ch) / 2, y + baseline, ch, font)
            label = _char_class(ch)
            draw_text(img, centre - measure(small, label) / 2, y + marker, label, small)

    layout.ops.append((top, op))
    layout.y += marker + s.small // 2


def header_rows(h: ReceiptHeader) -> list[tuple[str, str]]:
    """The (label, value) rows under the centre's name; the text mode prints the same ones."""
    return [("櫃檯", h.counter), ("承辦人員", h.staff_no), ("交易序號", h.txn_no),
            ("日期時間", format_citizen_datetime(h.at))]


def render_receipt(receipt: Receipt, width: int = 576, font: FontSpec | None = None) -> Image.Image:
    """The whole receipt as one ``mode "1"`` image ``width`` dots wide (576: 80 mm, 384: 58 mm)."""
    layout = _Layout(width, _faces(font or find_font()))
    s = layout.s
    h = receipt.header
    layout.name_lines(h.centre, s.header, bold=True)
    for label, value in header_rows(h):
        layout.row(label, value, s.small)
    layout.rule()
    layout.paragraph(receipt.title, s.title, align="centre", bold=True)
    if receipt.subtitle:
        layout.paragraph(receipt.subtitle, s.small, align="centre")
    layout.rule(dashed=True)
    for label, value in receipt.lines:
        layout.row(label, value, s.body)
    if receipt.qr:
        layout.space(s.qr_box * 2)
        layout.picture(qr_image(receipt.qr, s.qr_box))
    if receipt.code:
        _code_block(layout, receipt.code)
    if receipt.notes:
        layout.rule(dashed=True)
        for note in receipt.notes:
            layout.paragraph(note, s.small)
    layout.rule()
    for line in receipt.footer:
        layout.paragraph(line, s.small, align="centre")
    return layout.render()


def mark_reprint(image: Image.Image, at: datetime, font: FontSpec | None = None) -> Image.Image:
    """``image`` with a 補印 banner on top, so a reprint can never pass for a second original."""
    layout = _Layout(image.width, _faces(font or find_font()))
    layout.paragraph("＊＊ 補印 REPRINT ＊＊", layout.s.header, align="centre", bold=True)
    layout.paragraph(f"補印時間 {format_citizen_datetime(at)}", layout.s.small, align="centre")
    layout.rule(dashed=True)
    layout.picture(image)
    return layout.render()
