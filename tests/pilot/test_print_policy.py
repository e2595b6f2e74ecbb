"""Who sends receipts, and what the kiosk says about them: no resend per service or screen opened,
the queue screen shows the queue as it is, the printer state and its toast follow the last print."""

from __future__ import annotations

from data.demo import DEMO_CITIZENS
from data.print_jobs import PrintJobState, get_job, queued_jobs
from kiosk.core.errors import PrinterError
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.device_code import DeviceCodeScreen
from kiosk.screens.print_queue import PrintQueueScreen
from printing.port import CapturePrinter, PrinterState
from printing.receipt import ReceiptHeader, password_reset_receipt
from tests.conftest import TERMINAL, sign_in, wait_until, workers_done

LIN = next(c for c in DEMO_CITIZENS if c.national_id == "F223456786")


class Attempts(CapturePrinter):
    """Counts attempts; answers status looks with UNKNOWN, as most network printers do."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    def send(self, payload: bytes) -> None:
        self.attempts += 1
        super().send(payload)

    def state(self) -> PrinterState:
        return PrinterState.UNKNOWN


def _off() -> PrinterError:
    return PrinterError("印表機沒有回應", "請確認電源後按 R 重印", message_en="The printer does not answer.")


def _queue_receipt(app, n: int = 1) -> int:  # type: ignore[no-untyped-def]
    header = ReceiptHeader("測試中心", "01", "S001", f"20261122-{n:04d}", app.equipment.clock.now())
    return app.equipment.queue.enqueue(password_reset_receipt(header, DEMO_CITIZENS[1]))


def _message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#service-message").render())


async def _idle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Every worker the app started has finished (twice: a finished worker may start another)."""
    for _ in range(2):
        await workers_done(pilot)
        await pilot.pause()


async def _open_queue(pilot) -> PrintQueueScreen:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+e")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PrintQueueScreen)
                     and pilot.app.screen.view is not None)
    return pilot.app.screen


async def test_opening_the_queue_and_finishing_a_service_resend_nothing(make_kiosk):
    printer = Attempts()
    printer.fail_with = _off()
    app = make_kiosk(printer=printer)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        old = _queue_receipt(app)
        app.equipment.queue.send_job(old)  # failed once, as a receipt does while the printer is off
        assert printer.attempts == 1
        await _open_queue(pilot)
        await pilot.press("f5")  # refresh
        await _idle(pilot)
        assert printer.attempts == 1 and get_job(app.equipment.store, old).attempts == 1
        await pilot.press("escape")
        # A finished service sends its own receipt once, and nothing else.
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(LIN))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeScreen))
        await pilot.press("g")
        await wait_until(pilot, lambda: len(queued_jobs(app.equipment.store)) == 2 and printer.attempts == 2)
        await _idle(pilot)
        assert printer.attempts == 2 and get_job(app.equipment.store, old).attempts == 1


async def test_service_screen_stops_saying_printing_once_the_print_failed(make_kiosk):
    printer = Attempts()
    printer.fail_with = _off()
    app = make_kiosk(printer=printer)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(LIN))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeScreen))
        await pilot.press("g")
        await wait_until(pilot, lambda: printer.attempts == 1 and "收據列印中" not in _message(app))
        assert "收據未印出" in _message(app) and "R" in _message(app)


async def test_queue_screen_shows_a_background_print_and_state_turns_ready(make_kiosk):
    printer = Attempts()
    printer.fail_with = _off()
    app = make_kiosk(printer=printer)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        jobs = [_queue_receipt(app, n) for n in (1, 2, 3)]
        app.print_pending()
        await wait_until(pilot, lambda: app.queued_jobs == 3 and app.printer_state is PrinterState.OFFLINE)
        assert any(n.severity == "error" for n in app._notifications)
        screen = await _open_queue(pilot)
        assert screen.query_one("DataTable").row_count == 3
        printer.fail_with = None
        app.print_pending()  # sent without a key on this screen
        await wait_until(pilot, lambda: all(get_job(app.equipment.store, j).state is PrintJobState.SENT for j in jobs))
        # The screen follows: only the last printed receipt is left, and the queue is empty.
        await wait_until(pilot, lambda: screen.query_one("DataTable").row_count == 1
                         and "沒有待印的收據" in str(screen.query_one("#service-citizen").render()))
        # A good print: the printer is ready (not 未知), its error toast is gone.
        await wait_until(pilot, lambda: app.printer_state is PrinterState.READY)
        assert "就緒" in app.screen.query_one("StatusBar").info.printer
        assert not any(n.severity == "error" for n in app._notifications)


async def test_r_after_a_failure_clears_the_toast_and_reports_the_state(make_kiosk):
    printer = Attempts()
    printer.fail_with = _off()
    app = make_kiosk(printer=printer)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        job = _queue_receipt(app)
        app.print_pending()
        await wait_until(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        await _open_queue(pilot)
        printer.fail_with = None
        await pilot.press("r")
        await wait_until(pilot, lambda: get_job(app.equipment.store, job).state is PrintJobState.SENT)
        await wait_until(pilot, lambda: app.printer_state is PrinterState.READY and app.queued_jobs == 0)
        # Cleared by the good print, not left to time out.
        assert not any(n.severity == "error" for n in app._notifications)


import pytest  # noqa: E402
from rich.cells import cell_len  # noqa: E402


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_queue_columns_are_never_cut(make_kiosk, size, locale):
    printer = Attempts()
    printer.fail_with = PrinterError("印表機在列印中斷線（192.168.1.50:9100），收據可能不完整",
                                     "請確認印表機後按 R 重印，不完整的收據請撕下作廢",
                                     message_en="The printer hung up mid-job (192.168.1.50:9100).",
                                     action_en="Check the printer and press R (Retry).")
    app = make_kiosk(printer=printer, locale=locale)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(LIN))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeScreen))
        await pilot.press("g")
        await wait_until(pilot, lambda: printer.attempts == 1)
        await pilot.press("escape")
        screen = await _open_queue(pilot)
        await wait_until(pilot, lambda: screen.query_one("DataTable").row_count == 1)
        await pilot.pause()
        _assert_nothing_cut(screen)
        # The selected job's full error is on screen.
        assert "中斷線" in str(screen.query_one("#queue-error").render()) or "hung up" in str(
            screen.query_one("#queue-error").render())
        # The widest row there is: a printed reprint of a device code receipt.
        printer.fail_with = None
        await pilot.press("r")
        await wait_until(pilot, lambda: app.queued_jobs == 0)
        await pilot.press("p")
        await wait_until(pilot, lambda: len(printer.jobs) == 2)
        await wait_until(pilot, lambda: ":reprint" in (screen.view.last_sent.kind if screen.view.last_sent else ""))
        await pilot.pause()
        _assert_nothing_cut(screen)


def _assert_nothing_cut(screen) -> None:  # type: ignore[no-untyped-def]
    table = screen.query_one("DataTable")
    for column in table.columns.values():
        assert column.get_render_width(table) - 2 * table.cell_padding >= cell_len(column.label.plain)
    # Every column fits in what the table shows: nothing to scroll sideways to, nothing cut.
    assert table.virtual_size.width <= table.scrollable_content_region.width, (
        [c.label.plain for c in table.columns.values()], table.virtual_size.width,
        table.scrollable_content_region.width)
