"""ESC/POS for the Big5 text mode: the printer's own Chinese font and its own QR command.

Chinese is encoded here, as Big5, never through python-escpos's ``text()`` (it always sends
GB18030, its issue #638). Text runs sit between ``FS &`` (Chinese mode on) and ``FS .`` (off);
``FS !`` sizes Chinese characters and ``ESC !`` ASCII ones. Chinese mode is always left before a
QR code or an image: one model printed a blank QR after Chinese text.

A receipt holding a character outside Big5 (堃, 喆, a clerk-corrected rare name) is not encoded
here at all: ``unencodable`` names those characters and the queue prints that receipt as raster.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from printing.text_layout import Item, QrBlock, Size, TextLine

if TYPE_CHECKING:
    from PIL import Image

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
INIT = ESC + b"@"
KANJI_ON, KANJI_OFF = FS + b"&", FS + b"."
CUT = ESC + b"d\x06" + GS + b"V\x00"  # feed past the cutter, then cut: what python-escpos's cut() sends
QR_EC_M = 49  # error correction M (15 %), as the raster QR uses
_ESC_SIZE = {Size.NORMAL: 0x00, Size.TALL: 0x10, Size.BIG: 0x30}  # ESC ! n, ASCII
_FS_SIZE = {Size.NORMAL: 0x00, Size.TALL: 0x08, Size.BIG: 0x0C}  # FS ! n, Chinese


@lru_cache(maxsize=8192)
def big5_bytes(ch: str) -> bytes | None:
    """``ch`` as the printer's Big5 font has it, or ``None`` when it has no such character.

    Encoded with cp950 (whose table maps ～ and ‧ the way Taiwanese text uses them), and kept only
    when the bytes are a standard Big5 code point: cp950's extra rows (碁, 銹, 裏 at F9D6–F9FE,
    the € sign) are missing from many printer fonts and would print as garbage.
    """
    if ord(ch) < 0x80:
        return ch.encode("ascii") if ch.isprintable() or ch == " " else None
    try:
        encoded = ch.encode("cp950")
        encoded.decode("big5")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return encoded


def encode_big5(text: str) -> bytes:
    out = []
    for ch in text:
        b = big5_bytes(ch)
        if b is None:
            raise ValueError(f"{ch!r} is not in Big5")
        out.append(b)
    return b"".join(out)


def unencodable(items: Iterable[Item]) -> str:
    """Every character of the text lines the printer's Big5 font cannot print, in order, once each."""
    bad: dict[str, None] = {}
    for item in items:
        if isinstance(item, TextLine):
            for ch in item.text:
                if big5_bytes(ch) is None:
                    bad[ch] = None
    return "".join(bad)


def _gs_k(fn: int, data: bytes) -> bytes:
    size = len(data) + 2
    return GS + b"(k" + bytes((size & 0xFF, size >> 8, 49, fn)) + data


def native_qr(payload: str, module: int, ec: int = QR_EC_M) -> bytes:
    """``GS ( k``: model 2, module size, error correction, store the data, print it."""
    data = payload.encode("ascii")
    return (_gs_k(65, bytes((50, 0)))  # function 165: model 2
            + _gs_k(67, bytes((module,)))  # 167: module size in dots
            + _gs_k(69, bytes((ec,)))  # 169: error correction level
            + _gs_k(80, b"0" + data)  # 180: store the symbol data
            + _gs_k(81, b"0"))  # 181: print the stored symbol


def raster(image: Image.Image) -> bytes:
    """``GS v 0`` for a ``mode "1"`` image (bands of at most 960 rows, as the raster mode sends)."""
    width_bytes = (image.width + 7) // 8
    out = []
    for top in range(0, image.height, 960):
        band = image.crop((0, top, image.width, min(top + 960, image.height)))
        # "1;I" packs a set bit for a black dot, which is what ESC/POS prints.
        data = band.tobytes("raw", "1;I")
        out.append(GS + b"v0\x00" + bytes((width_bytes & 0xFF, width_bytes >> 8,
                                             band.height & 0xFF, band.height >> 8)) + data)
    return b"".join(out)


def qr_module(width: int) -> int:
    """Dots per QR module: the same size the raster receipt draws (8 on 80 mm, 6 on 58 mm)."""
    return 8 if width >= 500 else 6


def encode_items(items: Iterable[Item], *, width: int, native_qr_ok: bool = True, cut: bool = True) -> bytes:
    """One complete job: initialise, the lines as Big5 text, each QR native or as an image, cut.

    Raises ``ValueError`` for a character outside Big5: call ``unencodable`` first.
    """
    out = [INIT]
    kanji = False
    esc_size, fs_size, bold = 0, 0, False
    for item in items:
        if isinstance(item, TextLine):
            if not kanji:
                out.append(KANJI_ON)
                kanji = True
            if _ESC_SIZE[item.size] != esc_size:
                esc_size = _ESC_SIZE[item.size]
                out.append(ESC + b"!" + bytes((esc_size | (0x08 if bold else 0),)))
            if _FS_SIZE[item.size] != fs_size:
                fs_size = _FS_SIZE[item.size]
                out.append(FS + b"!" + bytes((fs_size,)))
            if item.bold != bold:
                bold = item.bold
                out.append(ESC + b"E" + (b"\x01" if bold else b"\x00"))
            out.append(encode_big5(item.text) + LF)
        elif isinstance(item, QrBlock):
            if kanji:
                out.append(KANJI_OFF)
                kanji = False
            out.append(ESC + b"a\x01")
            if native_qr_ok:
                out.append(native_qr(item.payload, qr_module(width)))
            else:
                from printing.render import qr_image

                out.append(raster(qr_image(item.payload, qr_module(width))))
            out.append(LF + ESC + b"a\x00")
    if kanji:
        out.append(KANJI_OFF)
    if cut:
        out.append(CUT)
    return b"".join(out)
