"""Reading a card through the watchdog: good cards, faulty cards, stuck cards, broken adapters."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest

from kiosk.core.errors import CardError, ReaderUnavailable
from kiosk.core.models import Citizen
from kiosk.reader.nhi import build_basic_data, parse_basic_data
from kiosk.reader.port import CardConnection, ReaderEvent, ReaderState, Response
from kiosk.reader.service import ReadResult, citizen_from_record, read_card_with_timeout
from kiosk.reader.simulated import SIMULATED_ATR, SimulatedReader, VirtualNhiCard

CITIZEN = Citizen("A123456789", "王大明", date(1990, 1, 2), "M", "000012345678")
RECORD = build_basic_data("000012345678", "王大明", "A123456789", date(1990, 1, 2), "M", date(2020, 5, 3))


def reader_with(card: VirtualNhiCard) -> SimulatedReader:
    reader = SimulatedReader()
    reader.insert(card)
    return reader


def test_good_card_reads() -> None:
    result = read_card_with_timeout(reader_with(VirtualNhiCard(RECORD)))
    assert isinstance(result, ReadResult)
    assert result.record == parse_basic_data(RECORD)
    assert result.atr == SIMULATED_ATR
    assert result.elapsed_ms >= 0  # measured, whatever the machine's speed


def test_get_response_card_reads() -> None:
    result = read_card_with_timeout(reader_with(VirtualNhiCard(RECORD, use_get_response=True)))
    assert result.record.national_id == "A123456789"


def test_non_nhi_card_is_named() -> None:
    with pytest.raises(CardError, match="不是健保卡"):
        read_card_with_timeout(reader_with(VirtualNhiCard(RECORD, refuse_select=True)))


def test_truncated_record_is_refused() -> None:
    with pytest.raises(CardError) as err:
        read_card_with_timeout(reader_with(VirtualNhiCard(RECORD, truncate_to=50)))
    assert "50 bytes" in err.value.message_en


def test_read_refused_with_custom_sw() -> None:
    with pytest.raises(CardError, match="69 82"):
        read_card_with_timeout(reader_with(VirtualNhiCard(RECORD, sw=0x6982)))


def test_no_card_and_no_service() -> None:
    reader = SimulatedReader()
    with pytest.raises(CardError, match="沒有卡片"):
        read_card_with_timeout(reader)
    reader.set_state(ReaderState.NO_SERVICE)
    with pytest.raises(ReaderUnavailable):
        read_card_with_timeout(reader)


def test_mute_card_times_out_then_a_good_card_reads() -> None:
    reader = reader_with(VirtualNhiCard(RECORD, mute=True))
    with pytest.raises(CardError) as err:
        read_card_with_timeout(reader, timeout=0.2)
    # The watchdog ended the wait (its own message, naming its limit) while the read is still stuck.
    assert "讀卡逾時" in err.value.message
    assert "0.2 s" in err.value.message_en
    assert "re-insert" in err.value.action_en or "insert it again" in err.value.action_en
    stuck = [t for t in threading.enumerate() if t.name == "nhi-card-read"]
    assert stuck and all(t.daemon for t in stuck)

    reader.remove()  # the clerk pulls the silent card: its stuck read ends
    for t in stuck:
        t.join(2)
        assert not t.is_alive()
    reader.insert(VirtualNhiCard(RECORD))
    assert read_card_with_timeout(reader, timeout=2).record.name == "王大明"


def test_card_removed_mid_read() -> None:
    card = VirtualNhiCard(RECORD, mute=True)
    reader = reader_with(card)
    errors: list[CardError] = []
    asked = threading.Event()  # the read has sent its first APDU to the (silent) card
    respond = card.respond

    def spying(apdu: bytes) -> bytes:
        asked.set()
        return respond(apdu)

    card.respond = spying  # type: ignore[method-assign]

    def read() -> None:
        try:
            read_card_with_timeout(reader, timeout=5)
        except CardError as exc:
            errors.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    assert asked.wait(5)
    reader.remove()
    worker.join(10)
    assert not worker.is_alive()
    assert len(errors) == 1
    # The removal, not the 5 s watchdog ("讀卡逾時"), ended the read.
    assert "removed" in errors[0].message_en and "取出" in errors[0].message


# --- Adapters that misbehave ------------------------------------------------------------------


class BrokenConnection:
    def __init__(self, transmit: Callable[[bytes], Response], close_error: Exception | None = None) -> None:
        self._transmit = transmit
        self._close_error = close_error
        self.closed = False

    def transmit(self, apdu: bytes) -> Response:
        return self._transmit(apdu)

    def close(self) -> None:
        self.closed = True
        if self._close_error is not None:
            raise self._close_error


class BrokenReader:
    name = "broken"

    def __init__(self, connect: Callable[[], CardConnection]) -> None:
        self._connect = connect

    def start(self, on_event: Callable[[ReaderEvent], None]) -> None:
        pass

    def stop(self) -> None:
        pass

    def state(self) -> ReaderState:
        return ReaderState.CARD_PRESENT

    def connect(self) -> CardConnection:
        return self._connect()


def _raise(exc: Exception) -> Callable[..., Response]:
    def go(*_: object) -> Response:
        raise exc

    return go


@pytest.mark.parametrize("exc", [RuntimeError("boom"), OSError(5, "I/O"), KeyError("x"), ValueError("bad")])
def test_raw_exception_from_connect_becomes_card_error(exc: Exception) -> None:
    def connect() -> CardConnection:
        raise exc

    with pytest.raises(CardError) as err:
        read_card_with_timeout(BrokenReader(connect))
    assert type(exc).__name__ in err.value.message
    assert err.value.action and err.value.action_en
    assert err.value.__class__ is CardError


def test_raw_exception_from_transmit_becomes_card_error_and_the_connection_is_closed() -> None:
    conn = BrokenConnection(_raise(ConnectionResetError("gone")))
    with pytest.raises(CardError, match="ConnectionResetError"):
        read_card_with_timeout(BrokenReader(lambda: conn))
    assert conn.closed


def test_failing_close_does_not_spoil_a_good_read() -> None:
    card = VirtualNhiCard(RECORD)
    conn = BrokenConnection(lambda apdu: _response(card.respond(apdu)), close_error=RuntimeError("close"))
    result = read_card_with_timeout(BrokenReader(lambda: conn))
    assert result.record.card_number == "000012345678"
    assert result.atr == b""  # this adapter offers no ATR
    assert conn.closed


def test_adapter_card_error_passes_through_unchanged() -> None:
    original = ReaderUnavailable("找不到讀卡機", "請接上讀卡機")

    def connect() -> CardConnection:
        raise original

    with pytest.raises(ReaderUnavailable) as err:
        read_card_with_timeout(BrokenReader(connect))
    assert err.value is original


def _response(raw: bytes) -> Response:
    return Response(raw[:-2], raw[-2], raw[-1])


# --- Citizen ------------------------------------------------------------------------------------


def test_citizen_from_record_round_trips() -> None:
    reader = reader_with(VirtualNhiCard.from_citizen(CITIZEN))
    assert citizen_from_record(read_card_with_timeout(reader).record) == CITIZEN


def test_citizen_from_record_refuses_an_id_failing_its_checksum() -> None:
    rec = parse_basic_data(build_basic_data("000012345678", "王", "A223456789", None, "F", None))
    assert rec.birth_date is None and not rec.id_valid
    with pytest.raises(CardError) as err:
        citizen_from_record(rec)
    assert "checksum" in err.value.message_en
    assert "身分證明文件" in err.value.action


def test_citizen_from_record_keeps_a_suspect_name_and_drops_an_odd_sex() -> None:
    rec = parse_basic_data(build_basic_data("000012345678", b"\x81\x30", "A123456789", None, "X", None))
    citizen = citizen_from_record(rec)
    assert citizen.name == "\ufffd0"
    assert citizen.sex is None
    assert citizen.birth_date is None
