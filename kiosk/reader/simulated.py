"""An in-process NHI card and reader that speak the same bytes as the real ones.

``VirtualNhiCard.respond`` turns an APDU into data + SW exactly as a card would, including the
faults the counter meets (non-NHI card, 61 xx, short record, a card that never answers), so the
demo, the fast tests and the vpcd-based integration card all exercise the same ``read_card``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from kiosk.core.errors import CardError, ReaderUnavailable
from kiosk.reader.nhi import READ_BASIC, SELECT_NHI, build_basic_data
from kiosk.reader.port import (
    CardConnection,
    EventKind,
    ReaderEvent,
    ReaderState,
    Response,
    card_removed_during_read,
)

if TYPE_CHECKING:
    from kiosk.core.models import Citizen


def _with_tck(atr: bytes) -> bytes:
    # A T=1 ATR must end with TCK, the XOR of every byte after TS.
    tck = 0
    for b in atr[1:]:
        tck ^= b
    return atr + bytes((tck,))


# Direct convention, T=1 only, 8 historical bytes "NHI-SIM1" so a log shows it is not a real card.
SIMULATED_ATR = _with_tck(bytes.fromhex("3B 88 80 01") + b"NHI-SIM1")

SW_OK = b"\x90\x00"
_SELECT_HEADER = SELECT_NHI[:4]
_AID = SELECT_NHI[5:]
_INS_SELECT = 0xA4
_INS_GET_DATA = 0xCA
_INS_GET_RESPONSE = 0xC0

DEFAULT_ISSUE = date(2018, 3, 1)


def _sw(sw: int) -> bytes:
    return bytes((sw >> 8 & 0xFF, sw & 0xFF))


class VirtualNhiCard:
    """A card holding ``record_bytes``. Fault knobs (all off by default):

    - ``use_get_response``: READ answers ``61 xx``; the data comes with GET RESPONSE, as on T=0.
    - ``refuse_select``: a non-NHI card (SELECT → ``6A 82``); ``select_sw`` picks another SW.
    - ``mute``: every APDU blocks until ``release()`` (a card that never answers).
    - ``truncate_to``: READ returns only the first N bytes, still with ``90 00``.
    - ``sw``: READ answers with this status word and no data.
    """

    def __init__(
        self,
        record_bytes: bytes,
        atr: bytes = SIMULATED_ATR,
        *,
        use_get_response: bool = False,
        refuse_select: bool = False,
        select_sw: int | None = None,
        mute: bool = False,
        truncate_to: int | None = None,
        sw: int | None = None,
    ) -> None:
        self.record = bytes(record_bytes)
        self.atr = bytes(atr)
        self.use_get_response = use_get_response
        self.select_sw = select_sw if select_sw is not None else (0x6A82 if refuse_select else None)
        self.mute = mute
        self.truncate_to = truncate_to
        self.sw = sw
        self.apdus: list[bytes] = []  # every command received, for tests to inspect
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._selected = False
        self._pending = b""  # data waiting for GET RESPONSE

    @classmethod
    def from_citizen(
        cls,
        citizen: Citizen,
        issue: date = DEFAULT_ISSUE,
        *,
        card_number: str | None = None,
        name: bytes | None = None,
        **knobs: Any,
    ) -> VirtualNhiCard:
        """The card a citizen would carry. Missing card number or sex are derived from the ID;
        ``name`` gives the name field's raw bytes (an undecodable name) instead of the citizen's."""
        record = build_basic_data(
            card_number or citizen.card_number or _card_number_for(citizen.national_id),
            citizen.name if name is None else name,
            citizen.national_id,
            citizen.birth_date,
            citizen.sex or _sex_from_id(citizen.national_id),
            issue,
        )
        return cls(record, **knobs)

    def release(self) -> None:
        """Let a mute card's pending and future APDUs through (so stuck threads end).

        Removing the card from a ``SimulatedReader`` releases it too; it then answers normally.
        """
        self._released.set()

    def reset(self) -> None:
        """What a power cycle does: forget the selection and any pending response."""
        with self._lock:
            self._selected = False
            self._pending = b""

    def respond(self, apdu: bytes) -> bytes:
        """Data followed by SW1 SW2, as the card would send it. Never raises."""
        if self.mute:
            self._released.wait()
        with self._lock:
            self.apdus.append(bytes(apdu))
            return self._answer(bytes(apdu))

    def _answer(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return _sw(0x6700)
        cla, ins = apdu[0], apdu[1]
        if cla != 0x00:
            return _sw(0x6E00)
        if ins == _INS_SELECT:
            return self._select(apdu)
        if ins == _INS_GET_DATA:
            return self._read(apdu)
        if ins == _INS_GET_RESPONSE:
            return self._get_response(apdu)
        return _sw(0x6D00)

    def _select(self, apdu: bytes) -> bytes:
        self._pending = b""
        if apdu[:4] != _SELECT_HEADER:
            self._selected = False
            return _sw(0x6A86)
        # Lc must match; a trailing Le byte is allowed, as some hosts append one.
        if len(apdu) < 5 or apdu[4] != len(_AID) or len(apdu) not in (5 + len(_AID), 6 + len(_AID)):
            self._selected = False
            return _sw(0x6700)
        if self.select_sw is not None:
            self._selected = False
            return _sw(self.select_sw)
        if apdu[5 : 5 + len(_AID)] != _AID:
            self._selected = False
            return _sw(0x6A82)
        self._selected = True
        return SW_OK

    def _read(self, apdu: bytes) -> bytes:
        self._pending = b""
        if apdu[:len(READ_BASIC)] != READ_BASIC or len(apdu) > len(READ_BASIC) + 1:
            return _sw(0x6A86) if apdu[2:4] != READ_BASIC[2:4] else _sw(0x6700)
        if not self._selected:
            return _sw(0x6985)
        if self.sw is not None:
            return _sw(self.sw)
        data = self.record if self.truncate_to is None else self.record[: self.truncate_to]
        if self.use_get_response:
            self._pending = data
            return bytes((0x61, len(data) & 0xFF))
        if len(apdu) == len(READ_BASIC) + 1:
            le = apdu[-1] or 256
            if le != len(data):
                return bytes((0x6C, len(data) & 0xFF))
        return data + SW_OK

    def _get_response(self, apdu: bytes) -> bytes:
        if apdu[2:4] != b"\x00\x00":
            return _sw(0x6A86)
        if not self._pending:
            return _sw(0x6985)
        le = apdu[4] if len(apdu) > 4 else 0
        le = le or 256
        chunk, self._pending = self._pending[:le], self._pending[le:]
        if self._pending:
            return chunk + bytes((0x61, len(self._pending) & 0xFF))
        return chunk + SW_OK


def _card_number_for(national_id: str) -> str:
    # Deterministic, so a demo citizen keeps one card number across runs.
    digits = "".join(c for c in national_id if c.isdigit())[-8:]
    return "0000" + digits.rjust(8, "0")


def _sex_from_id(national_id: str) -> str:
    second = national_id[1:2].upper()
    return "F" if second in ("2", "9", "B", "D") else "M"


class _SimulatedConnection:
    def __init__(self, reader: SimulatedReader, card: VirtualNhiCard, generation: int) -> None:
        self._reader = reader
        self._card = card
        self._generation = generation
        self._closed = False
        self.atr = card.atr

    def transmit(self, apdu: bytes) -> Response:
        if self._closed:
            raise CardError(
                "讀卡連線已關閉", "請重新讀卡",
                message_en="The card connection is closed.", action_en="Read the card again.",
            )
        self._reader._check_present(self._generation)
        answer = self._card.respond(apdu)
        # The card may have been pulled while it was thinking: its answer never reached us.
        self._reader._check_present(self._generation)
        if len(answer) < 2:
            raise CardError(
                "讀卡機回應不完整", "請取出卡片後重新插入",
                message_en="The reader returned an incomplete response.",
                action_en="Remove the card and insert it again.",
            )
        return Response(answer[:-2], answer[-2], answer[-1])

    def close(self) -> None:
        self._closed = True


class SimulatedReader:
    """A ``CardReader`` whose card is put in and taken out by code (demo keys, tests)."""

    def __init__(self, name: str = "Simulated NHI reader 00") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._state = ReaderState.EMPTY
        self._card: VirtualNhiCard | None = None
        self._generation = 0  # bumped on every insert/remove, so old connections go stale
        self._on_event: Callable[[ReaderEvent], None] | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def card(self) -> VirtualNhiCard | None:
        return self._card

    def start(self, on_event: Callable[[ReaderEvent], None]) -> None:
        with self._lock:
            self._on_event = on_event
            event = self._event_for_current_state()
        on_event(event)

    def stop(self) -> None:
        with self._lock:
            self._on_event = None

    def state(self) -> ReaderState:
        with self._lock:
            return self._state

    def insert(self, card: VirtualNhiCard) -> None:
        with self._lock:
            if self._state in (ReaderState.NO_SERVICE, ReaderState.NO_READER):
                raise ReaderUnavailable(
                    "讀卡機未就緒，無法插卡", "請先接上讀卡機",
                    message_en="The reader is not available.", action_en="Connect the reader first.",
                )
            events: list[ReaderEvent] = []
            if self._card is not None:
                # One slot: the old card comes out first, and the app must hear that it did.
                self._drop_card_locked()
                events.append(ReaderEvent(EventKind.REMOVED, ReaderState.EMPTY, self._name))
            card.reset()
            self._card = card
            self._generation += 1
            self._state = ReaderState.CARD_PRESENT
            events.append(ReaderEvent(EventKind.INSERTED, self._state, self._name, card.atr))
            callback = self._on_event
        if callback is not None:
            for event in events:
                callback(event)

    def remove(self) -> None:
        with self._lock:
            if self._card is None:
                return
            self._drop_card_locked()
            self._state = ReaderState.EMPTY
            event = ReaderEvent(EventKind.REMOVED, self._state, self._name)
            callback = self._on_event
        if callback is not None:
            callback(event)

    def set_state(self, state: ReaderState, detail: str = "") -> None:
        """Simulate the service or the reader going away (or coming back, as EMPTY)."""
        if state is ReaderState.CARD_PRESENT:
            raise ValueError("use insert() to put a card in")
        with self._lock:
            if self._card is not None:
                self._drop_card_locked()
            self._state = state
            event = ReaderEvent(EventKind.STATE, state, self._name, detail=detail)
            callback = self._on_event
        if callback is not None:
            callback(event)

    def connect(self) -> CardConnection:
        with self._lock:
            if self._state is ReaderState.NO_SERVICE:
                raise ReaderUnavailable(
                    "讀卡服務未啟動（pcscd）", "請通知資訊人員啟動讀卡服務",
                    message_en="The smart card service (pcscd) is not running.",
                    action_en="Ask IT to start the smart card service.",
                )
            if self._state is ReaderState.NO_READER:
                raise ReaderUnavailable(
                    "找不到讀卡機", "請確認讀卡機的 USB 線已接好",
                    message_en="No card reader found.", action_en="Check the reader's USB cable.",
                )
            if self._card is None:
                raise _no_card()
            return _SimulatedConnection(self, self._card, self._generation)

    def _check_present(self, generation: int) -> None:
        with self._lock:
            if self._card is None or self._generation != generation:
                raise card_removed_during_read()

    def _drop_card_locked(self) -> None:
        assert self._card is not None
        # A mute card would otherwise hold its worker thread for ever after the card is gone.
        self._card.release()
        self._card = None
        self._generation += 1

    def _event_for_current_state(self) -> ReaderEvent:
        if self._card is not None:
            return ReaderEvent(EventKind.INSERTED, self._state, self._name, self._card.atr)
        return ReaderEvent(EventKind.STATE, self._state, self._name)


def _no_card() -> CardError:
    return CardError(
        "讀卡機中沒有卡片", "請插入民眾的健保卡",
        message_en="There is no card in the reader.", action_en="Insert the citizen's NHI card.",
    )


__all__ = ["SIMULATED_ATR", "SimulatedReader", "VirtualNhiCard"]
