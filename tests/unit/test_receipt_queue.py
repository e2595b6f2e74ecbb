"""The persistent print queue with the in-process printer fake and the preview printer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from data.print_jobs import PrintJobState, get_job
from data.store import Store, open_store
from kiosk.core.clock import TAIPEI, FrozenClock
from kiosk.core.errors import KioskError, PrinterError
from kiosk.core.models import Citizen
from kiosk.services.receipt_queue import PrintQueue
from printing.escpos_encode import decode_raster
from printing.port import CapturePrinter, PrinterState
from printing.preview import PreviewPrinter, preview_image
from printing.receipt import Receipt, ReceiptHeader, lockout_lifted_receipt, password_reset_receipt
from printing.render import render_receipt

AT = datetime(2022, 5, 3, 9, 50, 1, tzinfo=TAIPEI)
CITIZEN = Citizen("A123456789", "王小明", card_number="000012345678")


def receipt(txn_no: str = "T1110503-0001") -> Receipt:
    return password_reset_receipt(ReceiptHeader("臺北業務組", "3", "S0012", txn_no, AT), CITIZEN)


OFF = PrinterError("印表機沒有回應", "請確認電源與網路線後按 重印", message_en="The printer does not answer.")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "kiosk.db") as s:
        yield s


def make_queue(store: Store, printer: CapturePrinter | PreviewPrinter) -> PrintQueue:
    return PrintQueue(store, printer, FrozenClock(AT), width=384)


def test_submit_commits_then_prints_the_rendered_receipt(store: Store) -> None:
    printer = CapturePrinter()
    job_id = make_queue(store, printer).submit(receipt())
    job = get_job(store, job_id)
    assert job is not None and job.state is PrintJobState.SENT
    assert printer.jobs == [job.payload]
    assert decode_raster(job.payload).tobytes() == render_receipt(receipt(), 384).tobytes()
    assert job.kind == "password_reset" and job.staff_no == "S0012" and job.txn_no == "T1110503-0001"
    assert job.preview_png is not None


def test_job_is_in_the_store_before_the_printer_sees_it(store: Store) -> None:
    seen: list[int] = []

    class Checking(CapturePrinter):
        def send(self, payload: bytes) -> None:
            # Committed, and claimed by this queue while it is on the wire.
            [job] = store.all("SELECT state, payload FROM print_jobs")
            seen.append(job["state"])
            assert bytes(job["payload"]) == payload
            super().send(payload)

    make_queue(store, Checking()).submit(receipt())
    assert seen == ["sending"]


def test_failed_job_stays_queued_with_its_error_then_retry_prints_it(store: Store) -> None:
    printer = CapturePrinter()
    printer.fail_with = OFF
    queue = make_queue(store, printer)
    job_id = queue.submit(receipt())
    job = get_job(store, job_id)
    assert job is not None and job.state is PrintJobState.QUEUED
    assert job.last_error is not None and "印表機沒有回應" in job.last_error and job.attempts == 1
    assert queue.count() == 1 and queue.printer_state() is PrinterState.OFFLINE

    printer.fail_with = None
    result = queue.retry(job_id)
    assert result.ok and result.job_id == job_id and result.error is None
    assert printer.jobs == [job.payload] and queue.count() == 0


def test_unexpected_adapter_exception_keeps_the_job(store: Store) -> None:
    printer = CapturePrinter()
    printer.fail_with = ValueError("bug in an adapter")
    queue = make_queue(store, printer)
    job_id = queue.submit(receipt())
    assert [j.id for j in queue.queued()] == [job_id]
    job = get_job(store, job_id)
    assert job is not None and job.last_error is not None and "ValueError" in job.last_error


def test_send_pending_prints_in_order_and_stops_at_the_first_failure(store: Store) -> None:
    printer = CapturePrinter()
    printer.fail_with = OFF
    queue = make_queue(store, printer)
    ids = [queue.submit(receipt(f"T-{n}")) for n in range(3)]
    results = queue.send_pending()
    assert [(r.job_id, r.ok) for r in results] == [(ids[0], False)]
    assert isinstance(results[0].error, PrinterError)

    printer.fail_with = None
    assert [(r.job_id, r.ok) for r in queue.send_pending()] == [(i, True) for i in ids]
    assert printer.jobs == [get_job(store, i).payload for i in ids]  # type: ignore[union-attr]


def test_cancel_takes_the_job_off_the_queue_once(store: Store) -> None:
    printer = CapturePrinter()
    printer.fail_with = OFF
    queue = make_queue(store, printer)
    job_id = queue.submit(receipt())
    assert queue.cancel(job_id).state is PrintJobState.CANCELLED
    assert queue.count() == 0
    with pytest.raises(KioskError):
        queue.cancel(job_id)
    printer.fail_with = None
    retried = queue.retry(job_id)
    assert not retried.ok and printer.jobs == []


def test_reprint_last_sends_a_marked_copy(store: Store) -> None:
    printer = CapturePrinter()
    queue = make_queue(store, printer)
    assert queue.reprint_last() is None
    queue.submit(receipt("T-1"))
    header = ReceiptHeader("臺北業務組", "3", "S0012", "T-2", AT)
    last_id = queue.submit(lockout_lifted_receipt(header, CITIZEN))
    result = queue.reprint_last(staff_no="S0099")
    assert result is not None and result.ok and result.job_id != last_id
    copy = get_job(store, result.job_id)
    assert copy is not None and copy.kind == "lockout_lifted:reprint" and copy.staff_no == "S0099"
    assert copy.txn_no == "T-2"
    original = decode_raster(printer.jobs[1])
    reprinted = decode_raster(printer.jobs[2])
    assert reprinted.height > original.height
    assert reprinted.tobytes() != original.tobytes()
    # the reprint is the original under a banner
    top = reprinted.height - original.height - 4
    assert reprinted.crop((0, top, 384, top + original.height)).tobytes() == original.tobytes()


def test_queued_jobs_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    printer = CapturePrinter()
    printer.fail_with = OFF
    with open_store(path) as first:
        job_id = make_queue(first, printer).submit(receipt())
        payload = get_job(first, job_id).payload  # type: ignore[union-attr]
    with open_store(path) as again:
        working = CapturePrinter()
        queue = make_queue(again, working)
        assert [j.id for j in queue.queued()] == [job_id]
        assert [r.ok for r in queue.send_pending()] == [True]
        assert working.jobs == [payload]


def test_preview_printer_writes_pngs_and_keeps_the_last_image(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "receipts"
    printer = PreviewPrinter(folder)
    queue = make_queue(store, printer)
    queue.submit(receipt("T-1"))
    queue.submit(receipt("T-2"))
    files = sorted(folder.glob("*.png"))
    assert len(files) == 2
    assert all("A123" not in f.name for f in files)
    expected = render_receipt(receipt("T-2"), 384)
    assert printer.last_image is not None and printer.last_image.tobytes() == expected.tobytes()
    assert printer.last_path is not None
    with Image.open(printer.last_path) as saved:
        assert saved.convert("1").tobytes() == expected.tobytes()
    assert (folder.stat().st_mode & 0o077) == 0


def test_preview_image_of_a_queued_job(store: Store) -> None:
    printer = CapturePrinter()
    printer.fail_with = OFF
    job_id = make_queue(store, printer).submit(receipt())
    job = get_job(store, job_id)
    assert job is not None
    assert preview_image(job.payload).tobytes() == render_receipt(receipt(), 384).tobytes()
    with pytest.raises(PrinterError):
        preview_image(b"garbage")


def test_clock_time_is_recorded(store: Store) -> None:
    clock = FrozenClock(AT)
    queue = PrintQueue(store, CapturePrinter(), clock, width=384)
    clock.advance(timedelta(minutes=5))
    job = get_job(store, queue.submit(receipt()))
    assert job is not None and job.created_at == AT + timedelta(minutes=5)
    assert job.sent_at == AT + timedelta(minutes=5)
