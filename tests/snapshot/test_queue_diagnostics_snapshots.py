"""Snapshots of the print queue (with its receipt preview) and the card check screen."""

from __future__ import annotations

from data.demo import DEMO_CITIZENS
from kiosk.core.errors import PrinterError
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.diagnostics import DiagnosticsScreen
from kiosk.screens.print_queue import PrintQueueScreen
from printing.port import CapturePrinter
from printing.receipt import ReceiptHeader, password_reset_receipt
from tests.conftest import sign_in, wait_until


def test_print_queue_with_preview(snap_compare, make_kiosk, size):
    printer = CapturePrinter()
    printer.fail_with = PrinterError("印表機沒有回應", "請確認電源後在列印佇列（Ctrl+E）按 R 重印",
                        message_en="The printer does not answer.")
    app = make_kiosk(printer=printer)

    async def before(pilot):  # type: ignore[no-untyped-def]
        await sign_in(pilot)
        header = ReceiptHeader("臺北業務組", "01", "S001", "20261122-0001", app.equipment.clock.now())
        app.equipment.queue.enqueue(password_reset_receipt(header, DEMO_CITIZENS[1]))
        app.print_pending()
        await wait_until(pilot, lambda: app.queued_jobs == 1)
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: isinstance(app.screen, PrintQueueScreen) and app.screen.view is not None)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=before)


def test_diagnostics_after_a_read(snap_compare, make_kiosk, size):
    app = make_kiosk()

    async def before(pilot):  # type: ignore[no-untyped-def]
        await sign_in(pilot)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(DEMO_CITIZENS[2]))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen) and app.screen.readers)
        # The timing varies from run to run: pin it for the picture.
        app.card = type(app.card)(result=app.card.result.__class__(app.card.result.record, 1.5, app.card.result.atr),
                                  account_state=app.card.account_state)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=before)
