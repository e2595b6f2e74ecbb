"""The one retry policy: first attempt at once, then a clerk's R or a background round with back-off."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from data.print_jobs import PrintJobState, get_job
from data.store import Store, open_store
from kiosk.core.clock import TAIPEI, FrozenClock
from kiosk.core.errors import PrinterError
from kiosk.core.models import Citizen
from kiosk.services.receipt_queue import PrintQueue
from kiosk.services.receipt_sender import Backoff, PrintSender
from printing.port import CapturePrinter, PrinterState
from printing.receipt import Receipt, ReceiptHeader, password_reset_receipt

AT = datetime(2022, 5, 3, 9, 50, 1, tzinfo=TAIPEI)
CITIZEN = Citizen("A123456789", "王小明", card_number="000012345678")
OFF = PrinterError("印表機沒有回應", "請確認電源與網路線後按 R 重印", message_en="The printer does not answer.")


def receipt(n: int) -> Receipt:
    return password_reset_receipt(ReceiptHeader("臺北業務組", "3", "S0012", f"T1110503-{n:04d}", AT), CITIZEN)


class Attempts(CapturePrinter):
    """Counts every attempt, good or bad; ``state_answer`` is what a status look says."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0
        self.state_answer = PrinterState.UNKNOWN

    def send(self, payload: bytes) -> None:
        self.attempts += 1
        super().send(payload)

    def state(self) -> PrinterState:
        return self.state_answer


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "kiosk.db") as s:
        yield s


def setup(store: Store) -> tuple[PrintQueue, Attempts, PrintSender, FakeMonotonic]:
    printer = Attempts()
    queue = PrintQueue(store, printer, FrozenClock(AT), width=384)
    now = FakeMonotonic()
    sender = PrintSender(queue, backoff=Backoff(first=30, factor=2, longest=120), monotonic=now, threaded=False)
    return queue, printer, sender, now


def test_backoff_doubles_up_to_the_longest() -> None:
    b = Backoff(first=30, factor=2, longest=600)
    assert [b.delay(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 600, 600]


def test_a_new_job_gets_one_attempt_and_a_failed_one_waits_for_the_backoff(store: Store) -> None:
    queue, printer, sender, now = setup(store)
    printer.fail_with = OFF
    job = queue.enqueue(receipt(1))
    sender.send_new([job])
    sender.run_due()
    assert printer.attempts == 1 and sender.retry_at == now.t + 30
    # Nothing is due: asking again (a key press, a finished service) sends nothing.
    for _ in range(5):
        sender.run_due()
    assert printer.attempts == 1
    now.t += 30
    sender.run_due()  # due: one background attempt, which fails again: 60 s next
    assert printer.attempts == 2 and sender.retry_at == now.t + 60
    now.t += 60
    printer.state_answer = PrinterState.OFFLINE  # the printer says it is off: not even a connection
    sender.run_due()
    assert printer.attempts == 2 and sender.retry_at == now.t + 120
    now.t += 120
    printer.state_answer = PrinterState.UNKNOWN
    printer.fail_with = None
    sender.run_due()
    assert printer.attempts == 3 and get_job(store, job).state is PrintJobState.SENT  # type: ignore[union-attr]
    assert sender.retry_at is None and sender.failures == 0


def test_a_new_job_failing_does_not_resend_older_ones(store: Store) -> None:
    queue, printer, sender, _now = setup(store)
    printer.fail_with = OFF
    old = queue.enqueue(receipt(1))
    queue.send_job(old)
    new = queue.enqueue(receipt(2))
    sender.send_new([new])
    sender.run_due()
    assert [get_job(store, j).attempts for j in (old, new)] == [1, 1]  # type: ignore[union-attr]


def test_a_good_print_means_the_printer_is_back_and_the_rest_goes_out(store: Store) -> None:
    queue, printer, sender, _now = setup(store)
    printer.fail_with = OFF
    old = [queue.enqueue(receipt(n)) for n in (1, 2, 3)]
    for job in old:
        queue.send_job(job)
    printer.fail_with = None
    assert queue.retry(old[1]).ok  # the clerk's R, from a screen worker
    sender.run_due()  # the background round: now due
    assert all(get_job(store, j).state is PrintJobState.SENT for j in old)  # type: ignore[union-attr]
    assert printer.attempts == 3 + 3 and sender.retry_at is None


def test_one_job_is_never_on_the_wire_twice(store: Store) -> None:
    queue, _printer, _sender, _now = setup(store)
    entered, release = threading.Event(), threading.Event()
    sends: list[bytes] = []

    class Slow(CapturePrinter):
        def send(self, payload: bytes) -> None:
            sends.append(payload)
            entered.set()
            release.wait(5)

    queue.printer = Slow()
    job = queue.enqueue(receipt(1))
    first = threading.Thread(target=queue.send_job, args=(job,))
    first.start()
    assert entered.wait(5)
    second = queue.retry(job)  # the clerk presses R while the sender has it on the wire
    release.set()
    first.join(5)
    assert len(sends) == 1 and not second.ok and not second.attempted
    assert second.error is not None and "正在送往印表機" in second.error.message


def test_every_printer_fault_names_the_key_to_press() -> None:
    from kiosk.services.receipt_queue import _unexpected
    from printing.printers import hung_up, no_answer, stalled

    faults = [no_answer("p"), hung_up("p"), stalled("p"), _unexpected(CapturePrinter(), ValueError())]
    for fault in faults:
        assert "按 重印" not in fault.action and "按 R 重印" in fault.action, fault.action
        assert "press R" in fault.action_en.replace("Press R", "press R"), fault.action_en
        # R is retry only on the print queue; the toast shows on any screen (on F10 R revokes the
        # virtual card): the action says where R is.
        assert "列印佇列（Ctrl+E）" in fault.action, fault.action
        assert "print queue (Ctrl+E)" in fault.action_en, fault.action_en
