"""The receipt printer port. Connection classes only move bytes; rendering happens before."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class PrinterState(StrEnum):
    READY = "ready"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    UNKNOWN = "unknown"  # printer does not answer status queries (many don't)


class ReceiptPrinter(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, payload: bytes) -> None:
        """Deliver one complete ESC/POS job. Raises ``PrinterError``; may block: use a worker."""
        ...

    def state(self) -> PrinterState:
        """A quick status look, never longer than a short timeout."""
        ...


class CapturePrinter:
    """An exact in-process fake: keeps every job's bytes, like python-escpos's ``Dummy``."""

    def __init__(self, name: str = "capture") -> None:
        self._name = name
        self.jobs: list[bytes] = []
        self.fail_with: Exception | None = None

    @property
    def name(self) -> str:
        return self._name

    def send(self, payload: bytes) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.jobs.append(payload)

    def state(self) -> PrinterState:
        return PrinterState.OFFLINE if self.fail_with is not None else PrinterState.READY
