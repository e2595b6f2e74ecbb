"""The card reader port: what the kiosk needs from any reader, real or simulated.

A reader reports card insertion and removal through a callback that may run on any thread (the
app turns it into a Textual message), and opens a connection that transmits raw APDUs. Adapters
raise only ``kiosk.core.errors.CardError`` and its subclasses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from kiosk.core.errors import CardError


class CardRemoved(CardError):
    """The card left the reader before its data were read: the clerk is told so, not left with an
    empty panel (the removal event that follows must not wipe it)."""


def card_removed_during_read() -> CardRemoved:
    return CardRemoved(
        "讀卡中卡片被取出，卡片資料未讀取", "請重新插入健保卡，讀取完成前請勿取出",
        message_en="The card was removed during the read; its data were not read.",
        action_en="Insert the NHI card again and leave it in until the read finishes.",
    )


class ReaderState(StrEnum):
    NO_SERVICE = "no_service"  # pcscd not running
    NO_READER = "no_reader"  # service up, no reader attached (or configured one missing)
    EMPTY = "empty"  # reader present, no card
    CARD_PRESENT = "card_present"


class EventKind(StrEnum):
    INSERTED = "inserted"
    REMOVED = "removed"
    STATE = "state"  # reader or service came or went


@dataclass(frozen=True, slots=True)
class ReaderEvent:
    kind: EventKind
    state: ReaderState
    reader: str = ""
    atr: bytes = b""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Response:
    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2


class CardConnection(Protocol):
    def transmit(self, apdu: bytes) -> Response:
        """Send one APDU, return the response. May block: call it from a worker thread."""
        ...

    def close(self) -> None: ...


class CardReader(Protocol):
    @property
    def name(self) -> str: ...

    def start(self, on_event: Callable[[ReaderEvent], None]) -> None:
        """Begin watching; ``on_event`` is called (from any thread) on every change."""
        ...

    def stop(self) -> None: ...

    def state(self) -> ReaderState: ...

    def connect(self) -> CardConnection:
        """Open a connection to the inserted card; ``CardError`` if there is none."""
        ...
