"""The receipt printer as the kiosk sees it: its last known state, the queued jobs, the last print
error, and the one background sender (Textual-free; the App holds one and shows what it says)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from printing.port import PrinterState

if TYPE_CHECKING:
    from kiosk.core.errors import KioskError
    from kiosk.equipment import CounterEquipment
    from kiosk.services.receipt_queue import SendResult
    from kiosk.services.receipt_sender import PrintSender


@dataclass(frozen=True)
class PrintOutcome:
    """The last print attempt the app heard of (``serial`` makes every attempt a change)."""

    serial: int = 0
    result: SendResult | None = None


class PrinterWatch:
    """Printer state and queue, and the sender that works the queue in the background.

    ``on_attempt(result, queued)`` is called on the sending thread after every attempt.
    """

    def __init__(self, equipment: CounterEquipment, on_attempt: Callable[[SendResult, int], object]) -> None:
        self.equipment = equipment
        self.state = PrinterState.UNKNOWN
        self.queued = 0
        self.last_error: KioskError | None = None
        self._on_attempt = on_attempt
        self._sender: PrintSender | None = None
        self._sender_lock = threading.Lock()

    def sender(self) -> PrintSender:
        """The one background sender (built on first use, off the path to the login screen)."""
        with self._sender_lock:
            if self._sender is None:
                from kiosk.services.receipt_sender import PrintSender

                queue = self.equipment.queue
                queue.recover()
                queue.listeners.append(self._attempted)
                self._sender = PrintSender(queue)
                self._sender.start()
            return self._sender

    def stop(self) -> None:
        if self._sender is not None:
            self._sender.stop()

    def poll(self) -> tuple[PrinterState, int]:
        """On a worker thread: ask the printer, start the sender (at start-up it recovers half-sent
        jobs), count the queue."""
        try:
            state = self.equipment.printer.state()
        except Exception:  # a status query must never take the kiosk down
            state = PrinterState.UNKNOWN
        self.sender()
        return state, self.equipment.queue.count()

    def polled(self, state: PrinterState, queued: int) -> None:
        # A printer that cannot be asked (UNKNOWN) keeps what its last print said about it.
        if state is not PrinterState.UNKNOWN or self.state is PrinterState.UNKNOWN:
            self.state = state
        self.queued = queued

    def send_new(self, job_ids: list[int]) -> None:
        """A service committed these receipts: their first attempt, on the sender's thread."""
        self.sender().send_new(job_ids)
        self.queued += len(job_ids)

    def send_pending(self) -> None:
        self.sender()
        self.equipment.queue.send_pending()

    def _attempted(self, result: SendResult) -> None:
        # On the sending thread: read the count there, then hand over.
        try:
            queued = self.equipment.queue.count()
        except Exception:
            queued = self.queued
        self._on_attempt(result, queued)

    def attempted(self, result: SendResult, queued: int) -> None:
        """On the UI thread: what an attempt says about the printer."""
        self.queued = queued
        if result.ok:
            self.state = PrinterState.READY
            self.last_error = None
        elif result.error is not None:
            state = getattr(result.error, "state", None)  # a PrinterFault says what the failure means
            self.state = state if isinstance(state, PrinterState) else PrinterState.OFFLINE
            self.last_error = result.error
