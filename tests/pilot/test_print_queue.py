"""收據列印佇列: a printer that is off keeps the receipt queued; retry, reprint and cancel are audited."""

from __future__ import annotations

from data.audit import query_audit
from data.demo import DEMO_CITIZENS
from data.print_jobs import PrintJobState, get_job, queued_jobs
from kiosk.core.errors import PrinterError
from kiosk.screens.print_queue import PrintQueueScreen
from printing.port import CapturePrinter
from printing.receipt import ReceiptHeader, password_reset_receipt
from tests.conftest import TERMINAL, sign_in, wait_until


def _queue_receipt(app) -> int:  # type: ignore[no-untyped-def]
    header = ReceiptHeader("測試中心", "01", "S001", "20261122-0001", app.equipment.clock.now())
    return app.equipment.queue.enqueue(password_reset_receipt(header, DEMO_CITIZENS[1]))


def _off() -> PrinterError:
    return PrinterError("印表機沒有回應", "請確認電源後在列印佇列（Ctrl+E）按 R 重印",
                        message_en="The printer does not answer.")


async def _open_queue(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+e")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PrintQueueScreen)
                     and pilot.app.screen.view is not None)


async def test_printer_off_keeps_job_queued_then_retry_prints_it(make_kiosk):
    printer = CapturePrinter()
    printer.fail_with = _off()
    app = make_kiosk(printer=printer)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        job_id = _queue_receipt(app)
        app.print_pending()
        await wait_until(pilot, lambda: app.queued_jobs == 1)
        assert "待印 1 張" in app.screen.query_one("StatusBar").info.printer
        assert get_job(app.equipment.store, job_id).last_error
        await _open_queue(pilot)
        assert app.screen.query_one("DataTable").row_count == 1
        preview = str(app.screen.query_one("#receipt-text").render())
        assert "註冊密碼重設" in preview and "F223****86" in preview  # on-screen preview, masked
        printer.fail_with = None
        await pilot.press("r")
        await wait_until(pilot, lambda: get_job(app.equipment.store, job_id).state is PrintJobState.SENT)
        assert len(printer.jobs) == 1
        await wait_until(pilot, lambda: app.queued_jobs == 0)
        entry = query_audit(app.equipment.store, action="print_retry", limit=1)[0]
        assert entry.outcome == "ok" and entry.detail["job"] == job_id


async def test_cancel_asks_then_cancels_and_audits(make_kiosk):
    printer = CapturePrinter()
    printer.fail_with = _off()
    app = make_kiosk(printer=printer)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        job_id = _queue_receipt(app)
        await _open_queue(pilot)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert get_job(app.equipment.store, job_id).state is PrintJobState.QUEUED
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: get_job(app.equipment.store, job_id).state is PrintJobState.CANCELLED)
        assert printer.jobs == []
        assert query_audit(app.equipment.store, action="print_cancel", limit=1)[0].detail["job"] == job_id


async def test_reprint_last_sends_a_marked_copy(make_kiosk):
    printer = CapturePrinter()
    app = make_kiosk(printer=printer)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        _queue_receipt(app)
        app.print_pending()
        await wait_until(pilot, lambda: len(printer.jobs) == 1)
        await _open_queue(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: len(printer.jobs) == 2
                         and query_audit(app.equipment.store, action="print_reprint", limit=1) != [])
        assert query_audit(app.equipment.store, action="print_reprint", limit=1)[0].outcome == "ok"


async def test_queued_jobs_survive_a_restart(make_kiosk):
    printer = CapturePrinter()
    printer.fail_with = _off()
    app = make_kiosk(printer=printer)
    async with app.run_test(size=TERMINAL) as pilot:
        _queue_receipt(app)
        await pilot.pause()
    restarted = make_kiosk(printer=CapturePrinter())
    async with restarted.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: restarted.queued_jobs == 1)
        assert len(queued_jobs(restarted.equipment.store)) == 1


async def test_key_bar_offers_retry_and_cancel_only_for_a_queued_receipt(make_kiosk):
    """With nothing queued (the printed last receipt highlighted) R and X were offered and answered
    "select a queued receipt first"; reprint was offered with nothing printed yet."""
    printer = CapturePrinter()
    app = make_kiosk(printer=printer)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _open_queue(pilot)
        keys = dict(app.screen.query_one("KeyBar").keys)
        assert "r" not in keys and "x" not in keys and "p" not in keys
        assert {"t", "f5", "escape"} <= set(keys)
        printer.fail_with = _off()
        job_id = _queue_receipt(app)
        await pilot.press("f5")
        await wait_until(pilot, lambda: app.screen.query_one("DataTable").row_count == 1)
        await wait_until(pilot, lambda: {"r", "x"} <= set(dict(app.screen.query_one("KeyBar").keys)))
        printer.fail_with = None
        await pilot.press("r")
        await wait_until(pilot, lambda: get_job(app.equipment.store, job_id).state is PrintJobState.SENT)
        await wait_until(pilot, lambda: app.screen.view is not None and not app.screen.view.queued)
        await wait_until(pilot, lambda: "p" in dict(app.screen.query_one("KeyBar").keys))
        keys = dict(app.screen.query_one("KeyBar").keys)
        assert "r" not in keys and "x" not in keys
