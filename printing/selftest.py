"""The printer test page: which receipt mode does this unit support? (its own self-test's counterpart)

It prints, whatever ``printer.mode`` says: (1) a Big5 code-page sample as text in the printer's
font, (2) a QR code with the printer's own command, (3) the same kind of QR as an image, and
(4) the Big5 sample as an image. Captions are plain ASCII so they read on any printer.
"""

from __future__ import annotations

from printing.escpos_text import CUT, INIT, KANJI_OFF, KANJI_ON, LF, encode_big5, native_qr, qr_module, raster
from printing.fonts import FontSpec, _faces
from printing.render import _Layout, qr_image

NATIVE_PAYLOAD = "KIOSK-TEST-NATIVE-QR"
RASTER_PAYLOAD = "KIOSK-TEST-RASTER-QR"
BIG5_SAMPLE = (  # each line fits 32 columns (58 mm)
    "繁體中文 Big5 測試",
    "健保卡網路服務 臺灣 身分證號",
    "裝置認證碼 ○＊「」（）～",
    "０１２３４ 龜鑑體鬱鑾",
)


def _center(text: str) -> bytes:
    return b"\x1ba\x01" + text.encode("ascii") + LF + b"\x1ba\x00"


def build_test_page(width: int = 576, font: FontSpec | None = None, *, model: str = "", mode: str = "") -> bytes:
    """One complete ESC/POS job, ``width`` dots across (576: 80 mm, 384: 58 mm)."""
    from printing.fonts import find_font

    columns = width // 12
    out = [INIT, b"\x1bE\x01", _center("KIOSK PRINTER TEST PAGE"), b"\x1bE\x00"]
    out.append(_center(f"{columns} columns, {width} dots"[:columns]))
    if model or mode:
        out.append(_center(f"model {model or '-'}"[:columns]))
        out.append(_center(f"printer.mode {mode or '-'}"[:columns]))
    out.append(b"-" * columns + LF)
    out.append(b"1. Big5 text (FS &)" + LF)
    out.append(KANJI_ON)
    out += [encode_big5(line) + LF for line in BIG5_SAMPLE]
    out.append(KANJI_OFF)
    out.append(b"   garbage: mode = raster" + LF)
    out.append(b"-" * columns + LF)
    out.append(b"2. Native QR (GS ( k)" + LF)
    out.append(b"\x1ba\x01" + native_qr(NATIVE_PAYLOAD, qr_module(width)) + LF + b"\x1ba\x00")
    out.append(b"   blank: qr = raster" + LF)
    out.append(b"-" * columns + LF)
    out.append(b"3. Raster QR (image)" + LF)
    out.append(b"\x1ba\x01" + raster(qr_image(RASTER_PAYLOAD, qr_module(width))) + LF + b"\x1ba\x00")
    out.append(b"-" * columns + LF)
    out.append(b"4. Big5 sample as an image" + LF)
    layout = _Layout(width, _faces(font or find_font()))
    for line in BIG5_SAMPLE:
        layout.paragraph(line, layout.s.small)
    out.append(raster(layout.render()))
    out.append(LF + b"1 reads as 4, 2 scans: big5" + LF)
    out.append(CUT)
    return b"".join(out)
