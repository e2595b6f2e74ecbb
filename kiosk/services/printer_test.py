"""The printer test page (``kiosk printer test`` and the print queue's key): sent straight to the
printer, not through the receipt queue: it is about the printer, not about a citizen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from printing.capability import capability_for
from printing.port import ReceiptPrinter

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.services.context import ServiceContext


@dataclass(frozen=True)
class PrinterTestResult:
    printer: str
    payload: bytes
    width: int  # dots across the paper
    mode: str  # how receipts print with the current settings: "big5", "big5 (raster QR)" or "raster"


def print_test_page(printer: ReceiptPrinter, config: Config) -> PrinterTestResult:
    """Build the page for this paper width and send it; a ``PrinterError`` leaves as it is."""
    from printing.fonts import find_font
    from printing.selftest import build_test_page

    cap = capability_for(config.printer)
    font = find_font(config.printer.font_path or None)
    payload = build_test_page(cap.width, font, model=config.printer.model, mode=config.printer.mode)
    printer.send(payload)
    mode = cap.mode.value if cap.mode.value == "raster" or cap.native_qr else f"{cap.mode.value} (raster QR)"
    return PrinterTestResult(printer.name, payload, cap.width, mode)


def send_test_page(ctx: ServiceContext) -> PrinterTestResult:
    """From the print queue screen: the counter's own printer and settings."""
    return print_test_page(ctx.queue.printer, ctx.config)
