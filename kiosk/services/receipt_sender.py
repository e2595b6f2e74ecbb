"""The one retry policy for receipts, and the one thread that sends on the kiosk's own initiative.

- A receipt a service has just committed gets its first attempt at once (``send_new``).
- A receipt that failed is sent again only when a clerk asks (R on the print-queue screen), or by
  this sender in the background: after a good print (the printer is back), and otherwise with
  back-off (30 s, 60 s, 120 s … up to 10 min), skipping a round while the printer says it is off or
  out of paper. Never per key press, per screen opened or per finished service: a printer that hangs
  up mid-job tears one receipt per attempt.

Every send goes through ``PrintQueue.send_job``, which claims the job in the database before a
byte leaves, so one job is never on the wire twice, whoever asked.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.services.receipt_queue import PrintQueue, SendResult
from printing.port import PrinterState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    first: float = 30.0
    factor: float = 2.0
    longest: float = 600.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed rounds in a row (``failures`` >= 1)."""
        return float(min(self.longest, self.first * self.factor ** max(0, failures - 1)))


class PrintSender:
    """``threaded=False`` runs nothing by itself: tests call ``run_due`` with their own ``monotonic``."""

    def __init__(self, queue: PrintQueue, *, backoff: Backoff | None = None,
                 monotonic: Callable[[], float] = time.monotonic, threaded: bool = True) -> None:
        self.queue = queue
        self.backoff = backoff or Backoff()
        self._now = monotonic
        self._cond = threading.Condition()
        self._new: list[int] = []
        self.failures = 0  # failed rounds in a row, for the back-off
        self.retry_at: float | None = None  # when the next background round is due (monotonic)
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._threaded = threaded
        self._mine = threading.local()  # set while this sender sends: its own results are handled inline
        queue.listeners.append(self._on_result)

    # --- for the app ---------------------------------------------------------------------------

    def start(self) -> None:
        """Jobs left queued by an earlier run are tried after the first back-off, not at once."""
        if self.queue.queued():
            with self._cond:
                self._schedule_failure()
        if self._threaded and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="print-sender", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(10)

    def send_new(self, job_ids: list[int]) -> None:
        """First attempt of receipts a service just committed."""
        if not job_ids:
            return
        with self._cond:
            self._new.extend(job_ids)
            self._cond.notify_all()

    # --- policy --------------------------------------------------------------------------------

    def _schedule_failure(self) -> None:
        self.failures += 1
        self.retry_at = self._now() + self.backoff.delay(self.failures)

    def _on_result(self, result: SendResult) -> None:
        """Every attempt someone else made (a clerk's R or P runs in a screen's worker)."""
        if getattr(self._mine, "active", False):
            return
        self._learn(result)

    def _learn(self, result: SendResult) -> None:
        with self._cond:
            if result.ok:
                # The printer is back: what is still queued goes out now, in the background.
                self.failures = 0
                self.retry_at = self._now() if self.queue.queued() else None
                self._cond.notify_all()
            elif self.retry_at is None:
                self._schedule_failure()

    def _due(self) -> bool:
        return self.retry_at is not None and self._now() >= self.retry_at

    def run_due(self) -> None:
        """New jobs' first attempts, then a background round if one is due (on the sender thread)."""
        with self._cond:
            new, self._new = self._new, []
        self._mine.active = True
        try:
            last: SendResult | None = None
            for job_id in new:
                result = self.queue.send_job(job_id)
                if result.attempted:
                    last = result
            if last is not None:
                self._learn(last)
            with self._cond:
                if not self._due():
                    return
                self.retry_at = None
            self._background_round()
        finally:
            self._mine.active = False

    def _background_round(self) -> None:
        state = PrinterState.UNKNOWN
        with contextlib.suppress(Exception):  # a status look must never stop the sender
            state = self.queue.printer_state()
        if state in (PrinterState.OFFLINE, PrinterState.PAPER_OUT):
            with self._cond:
                self._schedule_failure()
            return
        for job in self.queue.queued():
            result = self.queue.send_job(job.id)
            if not result.attempted:
                continue  # a clerk cancelled or sent it meanwhile
            if not result.ok:
                with self._cond:
                    self._schedule_failure()
                return
        with self._cond:
            self.failures = 0
            self.retry_at = None

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._new and not self._due():
                    timeout = None if self.retry_at is None else max(0.0, self.retry_at - self._now())
                    self._cond.wait(timeout)
                if self._stopping:
                    return
            try:
                self.run_due()
            except Exception as e:  # the sender must outlive any one bad job
                log.error("print sender round failed with %s", type(e).__name__)
                with self._cond:
                    if self.retry_at is None or self._due():
                        self._schedule_failure()
