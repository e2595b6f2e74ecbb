"""Messages the app posts to itself from reader callbacks and workers (threads never touch widgets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from kiosk.core.errors import KioskError
    from kiosk.reader.port import ReaderEvent
    from kiosk.reader.service import ReadResult
    from kiosk.services.receipt_queue import SendResult


class ReaderChanged(Message):
    def __init__(self, event: ReaderEvent) -> None:
        super().__init__()
        self.event = event


class CardRead(Message):
    def __init__(self, result: ReadResult, account_state: str | None, seq: int = 0) -> None:
        super().__init__()
        self.result = result
        self.account_state = account_state
        self.seq = seq  # which read this answers: a read overtaken by a removal or a new card is dropped


class CardReadFailed(Message):
    def __init__(self, error: KioskError, seq: int = 0) -> None:
        super().__init__()
        self.error = error
        self.seq = seq


class PrintAttempted(Message):
    """A receipt went to the printer, or failed to (posted from the sending thread)."""

    def __init__(self, result: SendResult, queued: int) -> None:
        super().__init__()
        self.result = result
        self.queued = queued
