"""The persistent print queue: a receipt is committed to the store before a byte goes to the printer.

A printer that is off, out of paper, times out or hangs up leaves the job queued with its error, and
queued jobs outlive a restart. Sending blocks for up to the printer's timeout, so the app calls
``submit``/``send_pending``/``retry``/``reprint_last`` from a worker thread. Auditing cancels and
reprints is the caller's job: these methods only say what happened.

It sits above ``printing`` (rendering, encoding, the printer port) and ``data`` (the job rows in
``data.print_jobs``), which never import each other.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable
from typing import NamedTuple

from PIL import Image

from data.print_jobs import (
    PrintJob,
    cancel_job,
    claim_job,
    count_queued,
    enqueue_job,
    get_job,
    last_sent_job,
    mark_failed,
    mark_sent,
    queued_jobs,
    release_claims,
)
from data.store import Store
from kiosk.core.clock import Clock
from kiosk.core.errors import KioskError, PrinterError
from printing.capability import PrinterCapability, PrintMode
from printing.escpos_encode import decode_raster, encode_image
from printing.fonts import FontSpec
from printing.port import PrinterState, ReceiptPrinter
from printing.preview import png_bytes
from printing.receipt import Receipt
from printing.render import mark_reprint, render_receipt

REPRINT_SUFFIX = ":reprint"


class EncodedJob(NamedTuple):
    payload: bytes
    image: Image.Image  # what the job prints, for the PNG preview
    print_mode: str  # 'raster', 'big5', 'big5 (raster QR)' or 'raster (Big5 fallback: 堃)'


class SendResult(NamedTuple):
    job_id: int
    ok: bool
    error: KioskError | None = None
    attempted: bool = True  # False: the job was not queued (sent, cancelled or on the wire already)


def _unexpected(printer: ReceiptPrinter, e: Exception) -> PrinterError:
    # An adapter bug must not kill the worker or lose the job: it becomes one more queued failure.
    return PrinterError(f"印表機發生未預期的錯誤（{printer.name}）：{type(e).__name__}",
                        "請在列印佇列（Ctrl+E）按 R 重印；如仍失敗請洽資訊人員",
                        message_en=f"Unexpected printer error ({printer.name}): {type(e).__name__}.",
                        action_en="Press R (Retry) in the print queue (Ctrl+E); if it fails again, call IT support.")


class PrintQueue:
    def __init__(self, store: Store, printer: ReceiptPrinter, clock: Clock, *, width: int = 576,
                 font: FontSpec | None = None, profile: str | None = None, counter: str | None = None,
                 capability: PrinterCapability | None = None) -> None:
        self.store, self.printer, self.clock = store, printer, clock
        self.width, self.font, self.profile = width, font, profile
        # printer.mode: raster (default) or Big5 text with the printer's own QR command.
        self.capability = capability or PrinterCapability(PrintMode.RASTER, width=width)
        # Counters share the database, each with its own printer: this queue sends only its
        # counter's receipts (None: every job, for single-counter tools and tests).
        self.counter = counter
        # One job on the wire at a time (jobs are claimed in the database first, see ``send_job``).
        self._sending = threading.Lock()
        # Told of every attempt (after it, outside the lock, on the sending thread): the app's
        # status bar and screens, and the background sender's retry policy.
        self.listeners: list[Callable[[SendResult], None]] = []

    def encode(self, receipt: Receipt) -> tuple[bytes, Image.Image]:
        job = self.encode_job(receipt)
        return job.payload, job.image

    def encode_job(self, receipt: Receipt) -> EncodedJob:
        """The receipt as the configured mode prints it. In Big5 mode a receipt holding any character
        the printer's font lacks prints as raster instead, and says so: never garbage on paper."""
        mode = "raster"
        if self.capability.mode is PrintMode.BIG5:
            from printing.escpos_text import encode_items, unencodable
            from printing.escpos_view import render_job
            from printing.text_layout import layout_receipt

            items = layout_receipt(receipt, self.capability.columns)
            missing = unencodable(items)
            if not missing:
                payload = encode_items(items, width=self.capability.width, native_qr_ok=self.capability.native_qr)
                image = render_job(payload, self.capability.width, self.font)
                native = self.capability.native_qr or not receipt.qr
                return EncodedJob(payload, image, "big5" if native else "big5 (raster QR)")
            mode = f"raster (Big5 fallback: {missing})"
        image = render_receipt(receipt, self.width, self.font)
        return EncodedJob(encode_image(image, profile=self.profile), image, mode)

    def enqueue(self, receipt: Receipt) -> int:
        """Render, encode and commit the job; nothing is sent. Fast enough for the UI thread."""
        job = self.encode_job(receipt)
        h = receipt.header
        return enqueue_job(self.store, receipt.kind.value, h.staff_no, h.txn_no, job.payload, png_bytes(job.image),
                           now=self.clock.now(), preview_text=receipt.preview_text(),
                           counter=self.counter or h.counter, print_mode=job.print_mode)

    def submit(self, receipt: Receipt) -> int:
        """Commit the receipt, then try to print it. A failure is recorded on the job, not raised."""
        job_id = self.enqueue(receipt)
        self.send_job(job_id)
        return job_id

    def send_job(self, job_id: int) -> SendResult:
        result = self._send_job(job_id)
        if result.attempted:
            for listener in list(self.listeners):
                with contextlib.suppress(Exception):  # a listener's bug must not lose the result
                    listener(result)
        return result

    def _send_job(self, job_id: int) -> SendResult:
        # Claimed atomically in the database before anything else, so whoever asks second (a
        # clerk's R racing the background sender, or another counter) is answered at once and the
        # receipt prints once.
        job = claim_job(self.store, job_id)
        if job is None:
            found = get_job(self.store, job_id)
            state = "missing" if found is None else found.state.value
            if state == "sending":
                return SendResult(job_id, False, KioskError(
                    "此收據正在送往印表機", "請稍候，列印佇列會自動更新",
                    message_en="This receipt is being sent to the printer right now.",
                    action_en="Wait: the print queue updates by itself."), attempted=False)
            return SendResult(job_id, False, KioskError(
                "此列印工作已不在佇列中", "請重新整理列印佇列",
                message_en=f"This print job is no longer queued ({state}).",
                action_en="Refresh the print queue."), attempted=False)
        with self._sending:  # one job on the wire at a time
            try:
                self.printer.send(job.payload)
            except PrinterError as e:
                return self._failed(job_id, e)
            except Exception as e:
                return self._failed(job_id, _unexpected(self.printer, e))
            try:
                mark_sent(self.store, job_id, self.clock.now())
            except KioskError as e:
                return SendResult(job_id, True, e)
            return SendResult(job_id, True)

    def recover(self) -> int:
        """At start-up: jobs this counter left half-sent (the kiosk stopped mid-send) go back in line."""
        return release_claims(self.store, counter=self.counter)

    def _failed(self, job_id: int, error: PrinterError) -> SendResult:
        # A job cancelled while on the wire has nothing left to record.
        with contextlib.suppress(KioskError):
            mark_failed(self.store, job_id, error.text("zh_TW"))
        return SendResult(job_id, False, error)

    def send_pending(self) -> list[SendResult]:
        """Send queued jobs oldest first, stopping at the first failure: receipts come out in order,
        and a printer that is off would only make every later job wait out its timeout too."""
        results: list[SendResult] = []
        for job in queued_jobs(self.store, counter=self.counter):
            result = self.send_job(job.id)
            results.append(result)
            if not result.ok:
                break
        return results

    def retry(self, job_id: int) -> SendResult:
        return self.send_job(job_id)

    def reprint_last(self, staff_no: str | None = None) -> SendResult | None:
        """Queue and send a copy of the last printed receipt marked 補印; ``None`` if none was printed."""
        last = last_sent_job(self.store, counter=self.counter)
        if last is None:
            return None
        return self.send_job(self.enqueue_reprint(last, staff_no))

    def enqueue_reprint(self, last: PrintJob, staff_no: str | None = None) -> int:
        """Queue a copy of ``last`` marked ＊＊補印 REPRINT＊＊ over its original header (transaction
        number and time), so a reprint never passes for a second original; nothing is sent."""
        image = Image.open(io.BytesIO(last.preview_png)) if last.preview_png else decode_raster(last.payload)
        copy = mark_reprint(image.convert("1"), self.clock.now(), self.font)
        payload = encode_image(copy, profile=self.profile)
        kind = last.kind if last.kind.endswith(REPRINT_SUFFIX) else last.kind + REPRINT_SUFFIX
        job_id = enqueue_job(self.store, kind, staff_no or last.staff_no, last.txn_no, payload,
                             png_bytes(copy), now=self.clock.now(), preview_text=last.preview_text,
                             counter=self.counter or last.counter)
        return job_id

    def cancel(self, job_id: int) -> PrintJob:
        """Take a queued job off the queue (``KioskError`` if it is no longer queued).

        Never waits for a send in progress, so the clerk's key press answers at once."""
        return cancel_job(self.store, job_id)

    def queued(self) -> list[PrintJob]:
        return queued_jobs(self.store, counter=self.counter)

    def count(self) -> int:
        """For the status bar."""
        return count_queued(self.store, counter=self.counter)

    def printer_state(self) -> PrinterState:
        return self.printer.state()
