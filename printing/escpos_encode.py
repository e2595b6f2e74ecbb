"""Rendered receipt image ↔ ESC/POS bytes.

Encoding goes through python-escpos's ``Dummy`` printer, so the bytes are exactly what its real
connection classes would send. ``escpos`` is slow to import (it parses its capabilities file; see
``python -X importtime``), so it is imported on first use, never at start-up.
"""

from __future__ import annotations

import copy
from typing import Any

from PIL import Image

from kiosk.core.errors import PrinterError
from printing.render import PAPER_WIDTHS_PX

_ESC, _GS = 0x1B, 0x1D
FRAGMENT_HEIGHT = 960  # rows per GS v 0 band: python-escpos's default, within every printer's buffer


def _profile_error(profile: str, detail: str) -> PrinterError:
    return PrinterError(
        f"印表機設定檔 {profile} 無法使用（{detail}）",
        "請在設定檔 printer.profile 填入 python-escpos 支援的機型，或留空",
        message_en=f"Printer profile {profile!r} cannot be used ({detail}).",
        action_en="Set printer.profile to a model python-escpos knows, or leave it empty.",
    )


def _dummy(profile: str | None) -> Any:
    from escpos.printer import Dummy  # lazy: see the module docstring

    try:
        return Dummy(profile=profile or None)
    except Exception as e:  # escpos raises its own NotSupported or a KeyError for unknown models
        raise _profile_error(profile or "", str(e)) from e


def receipt_width(paper_width_mm: int, profile: str | None = None) -> int:
    """Dots across the paper: the profile's own figure when it has one (a TM-T88V head has 512),
    else 576 for 80 mm and 384 for 58 mm paper."""
    if profile:
        pixels = _dummy(profile).profile.profile_data.get("media", {}).get("width", {}).get("pixels")
        if isinstance(pixels, int) and pixels > 0:
            return pixels
    return PAPER_WIDTHS_PX.get(paper_width_mm, PAPER_WIDTHS_PX[80])


def encode_image(image: Image.Image, *, profile: str | None = None, cut: bool = True) -> bytes:
    """One complete job: initialise, the image as ``GS v 0`` raster bands, feed and cut."""
    printer = _dummy(profile)
    media = printer.profile.profile_data.get("media", {})
    pixels = media.get("width", {}).get("pixels")
    if not isinstance(pixels, int):
        # Without a width escpos prints a warning to stdout, which would scribble on the kiosk's screen.
        data = copy.deepcopy(printer.profile.profile_data)
        data.setdefault("media", {}).setdefault("width", {})["pixels"] = image.width
        printer.profile.profile_data = data
    elif image.width > pixels:
        raise _profile_error(str(profile), f"收據寬 {image.width} 點超過機型的 {pixels} 點")
    printer.hw("INIT")
    # Bands cut here give the same bytes as escpos's own split, without it converting the whole
    # image once more before splitting: a third of the encode time.
    for top in range(0, image.height, FRAGMENT_HEIGHT):
        printer.image(image.crop((0, top, image.width, min(top + FRAGMENT_HEIGHT, image.height))),
                      fragment_height=FRAGMENT_HEIGHT)
    if cut:
        printer.cut()
    return bytes(printer.output)


def decode_raster(payload: bytes) -> Image.Image:
    """The image an ESC/POS job prints, rebuilt from its ``GS v 0`` bands (a test and preview aid).

    Only the commands ``encode_image`` emits are understood; anything else is a ``ValueError``, so a
    change in what is sent cannot pass unnoticed.
    """
    bands: list[Image.Image] = []
    i, n = 0, len(payload)
    while i < n:
        b = payload[i]
        if b == _ESC and payload[i + 1:i + 2] == b"@":
            i += 2
        elif b == _ESC and payload[i + 1:i + 2] in (b"d", b"J"):
            i += 3
        elif b == _GS and payload[i + 1:i + 2] == b"V":
            i += 4 if payload[i + 2] in (65, 66) else 3
        elif b == _GS and payload[i + 1:i + 3] == b"v0":
            width_bytes = payload[i + 4] | payload[i + 5] << 8
            height = payload[i + 6] | payload[i + 7] << 8
            size = width_bytes * height
            data = payload[i + 8:i + 8 + size]
            if len(data) != size:
                raise ValueError(f"raster band at byte {i} is cut short: {len(data)} of {size} bytes")
            # ESC/POS sets a bit for a printed (black) dot; PIL's "1;I" raw mode reads exactly that.
            bands.append(Image.frombytes("1", (width_bytes * 8, height), data, "raw", "1;I"))
            i += 8 + size
        elif b == 0x0A:
            i += 1
        else:
            raise ValueError(f"unexpected byte 0x{b:02x} at {i}")
    if not bands:
        raise ValueError("no raster image in the job")
    width = max(b.width for b in bands)
    image = Image.new("1", (width, sum(b.height for b in bands)), 1)
    y = 0
    for band in bands:
        image.paste(band, (0, y))
        y += band.height
    return image
