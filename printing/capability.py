"""What a receipt printer can print, and so how a receipt is sent to it (``printer.mode``).

``raster`` (the default) draws the whole receipt as one image: every ESC/POS printer prints it, but
it is large and slow on a serial line. ``big5`` sends Chinese as Big5 text in the printer's own font
(``FS &`` … ``FS .``) and the QR code with the printer's own ``GS ( k`` command: a small fraction of the
raster size (BENCHMARKS.md, receipts). ``auto`` picks by printer model.

Nothing here imports python-escpos: choosing a mode must not pay for its slow import.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MODES = ("raster", "big5", "auto")
QR_CHOICES = ("auto", "native", "raster")
CELL_DOTS = 12  # Font A: 12 × 24 dots a half-width character, 24 × 24 a Big5 one


class PrintMode(StrEnum):
    RASTER = "raster"
    BIG5 = "big5"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    big5: bool  # ships with a Traditional Chinese (Big5) font
    native_qr: bool  # understands GS ( k


# Printer models by the name staff type in ``printer.model`` (found case-insensitively anywhere in
# it, longest name first: "Epson TM-T82III" finds "tm-t82iii"). Public sources: printers sold in
# Taiwan ship with Big5; XPrinter units default to GB18030 or have no Chinese font, so stay raster.
KNOWN_MODELS: dict[str, ModelInfo] = {
    "tm-t88v-631": ModelInfo(big5=True, native_qr=True),
    "tm-t88vi": ModelInfo(big5=True, native_qr=True),
    "tm-t88vii": ModelInfo(big5=True, native_qr=True),
    "tm-t82iii": ModelInfo(big5=True, native_qr=True),
    "tm-t82ii": ModelInfo(big5=True, native_qr=True),
    "sewoo": ModelInfo(big5=True, native_qr=True),
    "lk-t": ModelInfo(big5=True, native_qr=True),  # Sewoo LK-T series
    "xprinter": ModelInfo(big5=False, native_qr=True),
    "xp-80": ModelInfo(big5=False, native_qr=True),
    "xp-58": ModelInfo(big5=False, native_qr=True),
}


def model_info(model: str) -> ModelInfo | None:
    key = model.strip().lower()
    for name in sorted(KNOWN_MODELS, key=len, reverse=True):
        if name in key:
            return KNOWN_MODELS[name]
    return None


@dataclass(frozen=True, slots=True)
class PrinterCapability:
    """How receipts go to this printer. ``width`` is the printable dots across the paper."""

    mode: PrintMode = PrintMode.RASTER
    native_qr: bool = True
    width: int = 576

    @property
    def columns(self) -> int:
        """Half-width characters a line: 48 on 576 dots (80 mm), 42 on 512, 32 on 384 (58 mm)."""
        return self.width // CELL_DOTS


def resolve(mode: str = "raster", *, model: str = "", qr: str = "auto", width: int = 576) -> PrinterCapability:
    """The capability ``printer.mode`` / ``printer.model`` / ``printer.qr`` describe.

    ``auto`` prints Big5 text only on a model known to have a Big5 font; anything unknown stays raster,
    which prints on every printer. ``qr = auto`` trusts the model table, and assumes a native QR for
    an unknown model in ``big5`` mode (staff set ``qr = "raster"`` when the test page's QR is blank).
    """
    info = model_info(model) if model else None
    if mode == "auto":
        chosen = PrintMode.BIG5 if info is not None and info.big5 else PrintMode.RASTER
    else:
        chosen = PrintMode(mode)
    native = {"native": True, "raster": False}.get(qr, info.native_qr if info is not None else True)
    return PrinterCapability(chosen, native, width)


def capability_for(printer: Any) -> PrinterCapability:
    """The capability the app's ``PrinterConfig`` describes, with the printable width: a profile's
    own figure when one is set (a TM-T88V head has 512 dots: 42 columns), else 576 (80 mm) or 384."""
    width = 576 if printer.paper_width_mm == 80 else 384
    if printer.profile and printer.mode != "raster":
        from printing.escpos_encode import receipt_width  # imports escpos: only for a named profile

        width = receipt_width(printer.paper_width_mm, printer.profile)
    return resolve(printer.mode, model=printer.model, qr=printer.qr, width=width)
