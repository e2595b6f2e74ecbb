"""The virtual NHI card answers like a real one, and the simulated reader behaves like a reader."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.errors import CardError, ReaderUnavailable
from kiosk.core.models import Citizen
from kiosk.reader.nhi import READ_BASIC, SELECT_NHI, build_basic_data, get_response, parse_basic_data
from kiosk.reader.port import EventKind, ReaderEvent, ReaderState
from kiosk.reader.simulated import SIMULATED_ATR, SimulatedReader, VirtualNhiCard

RECORD = build_basic_data("000012345678", "王大明", "A123456789", date(1990, 1, 2), "M", date(2020, 5, 3))
OK = b"\x90\x00"


def selected(card: VirtualNhiCard) -> VirtualNhiCard:
    assert card.respond(SELECT_NHI) == OK
    return card


# --- The card -----------------------------------------------------------------------------------


def test_atr_is_t1_with_a_correct_check_byte() -> None:
    assert SIMULATED_ATR[0] == 0x3B
    xor = 0
    for b in SIMULATED_ATR[1:]:
        xor ^= b
    assert xor == 0  # TCK makes the XOR of T0..TCK zero
    assert SIMULATED_ATR[-9:-1] == b"NHI-SIM1"


def test_select_then_read_returns_the_record() -> None:
    card = VirtualNhiCard(RECORD)
    assert card.respond(SELECT_NHI) == OK
    assert card.respond(READ_BASIC) == RECORD + OK
    assert card.apdus == [SELECT_NHI, READ_BASIC]


def test_read_before_select_is_refused() -> None:
    assert VirtualNhiCard(RECORD).respond(READ_BASIC) == b"\x69\x85"


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        (b"\x80" + READ_BASIC[1:], b"\x6e\x00"),  # wrong CLA
        (b"\x00\xb0\x00\x00\x00", b"\x6d\x00"),  # READ BINARY: not on this card
        (b"\x00\xca", b"\x67\x00"),  # too short to be a command
        (b"\x00\xca\x12\x00\x02\x00\x00", b"\x6a\x86"),  # other data object
        (b"\x00\xca\x11\x00", b"\x67\x00"),  # no Lc
    ],
)
def test_bad_commands_get_the_card_status_words(apdu: bytes, sw: bytes) -> None:
    assert selected(VirtualNhiCard(RECORD)).respond(apdu) == sw


def test_select_of_another_application_fails_and_deselects() -> None:
    card = selected(VirtualNhiCard(RECORD))
    other = SELECT_NHI[:5] + bytes(16)
    assert card.respond(other) == b"\x6a\x82"
    assert card.respond(READ_BASIC) == b"\x69\x85"


def test_select_with_a_trailing_le_is_accepted() -> None:
    assert VirtualNhiCard(RECORD).respond(SELECT_NHI + b"\x00") == OK


def test_read_with_le_returns_data_or_the_right_le() -> None:
    card = selected(VirtualNhiCard(RECORD))
    assert card.respond(READ_BASIC + b"\x39") == RECORD + OK
    assert card.respond(READ_BASIC + b"\x10") == b"\x6c\x39"


def test_get_response_mode() -> None:
    card = selected(VirtualNhiCard(RECORD, use_get_response=True))
    assert card.respond(READ_BASIC) == b"\x61\x39"
    assert card.respond(get_response(0x39)) == RECORD + OK
    assert card.respond(get_response(0x39)) == b"\x69\x85"  # nothing left to fetch


def test_get_response_in_chunks() -> None:
    card = selected(VirtualNhiCard(RECORD, use_get_response=True))
    card.respond(READ_BASIC)
    assert card.respond(get_response(0x20)) == RECORD[:0x20] + b"\x61\x19"
    assert card.respond(get_response(0x19)) == RECORD[0x20:] + OK


def test_refuse_select_is_a_non_nhi_card() -> None:
    card = VirtualNhiCard(RECORD, refuse_select=True)
    assert card.respond(SELECT_NHI) == b"\x6a\x82"
    assert card.respond(READ_BASIC) == b"\x69\x85"
    assert VirtualNhiCard(RECORD, select_sw=0x6D00).respond(SELECT_NHI) == b"\x6d\x00"


def test_truncated_and_custom_sw_reads() -> None:
    assert selected(VirtualNhiCard(RECORD, truncate_to=30)).respond(READ_BASIC) == RECORD[:30] + OK
    assert selected(VirtualNhiCard(RECORD, sw=0x6982)).respond(READ_BASIC) == b"\x69\x82"


def test_mute_card_blocks_until_released() -> None:
    card = VirtualNhiCard(RECORD, mute=True)
    answers: list[bytes] = []
    worker = threading.Thread(target=lambda: answers.append(card.respond(SELECT_NHI)), daemon=True)
    worker.start()
    worker.join(0.2)
    assert worker.is_alive() and answers == []
    card.release()
    worker.join(2)
    assert answers == [OK]


def test_from_citizen_round_trips() -> None:
    citizen = Citizen("F223456786", "林碁恒", date(1985, 12, 31), None, None)
    card = VirtualNhiCard.from_citizen(citizen, issue=date(2021, 7, 1), use_get_response=True)
    assert card.use_get_response
    rec = parse_basic_data(card.record)
    assert (rec.national_id, rec.name, rec.birth_date, rec.issue_date) == (
        "F223456786", "林碁恒", date(1985, 12, 31), date(2021, 7, 1),
    )
    assert rec.sex == "F"  # derived from the ID's second digit
    assert rec.card_number == "000023456786"
    given_number = VirtualNhiCard.from_citizen(Citizen("A123456789", "王", card_number="111122223333"))
    assert parse_basic_data(given_number.record).card_number == "111122223333"
    assert parse_basic_data(given_number.record).sex == "M"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40), st.booleans())
def test_random_apdus_always_get_an_answer(apdu: bytes, select_first: bool) -> None:
    card = VirtualNhiCard(RECORD)
    if select_first:
        card.respond(SELECT_NHI)
    answer = card.respond(apdu)
    assert len(answer) >= 2
    assert answer[-2:] == OK or len(answer) == 2 or answer[-2] == 0x61


# --- The reader ---------------------------------------------------------------------------------


class Events:
    def __init__(self) -> None:
        self.seen: list[ReaderEvent] = []
        self.lock = threading.Lock()

    def __call__(self, event: ReaderEvent) -> None:
        with self.lock:
            self.seen.append(event)

    def kinds(self) -> list[tuple[EventKind, ReaderState]]:
        return [(e.kind, e.state) for e in self.seen]


def test_start_reports_the_current_state_then_changes() -> None:
    reader = SimulatedReader()
    events = Events()
    reader.start(events)
    reader.insert(VirtualNhiCard(RECORD))
    reader.remove()
    reader.remove()  # removing from an empty reader is not an event
    assert events.kinds() == [
        (EventKind.STATE, ReaderState.EMPTY),
        (EventKind.INSERTED, ReaderState.CARD_PRESENT),
        (EventKind.REMOVED, ReaderState.EMPTY),
    ]
    assert events.seen[1].atr == SIMULATED_ATR
    assert events.seen[1].reader == reader.name


def test_start_with_a_card_already_in_reports_it() -> None:
    reader = SimulatedReader()
    reader.insert(VirtualNhiCard(RECORD))
    events = Events()
    reader.start(events)
    assert events.kinds() == [(EventKind.INSERTED, ReaderState.CARD_PRESENT)]


def test_stop_silences_events() -> None:
    reader = SimulatedReader()
    events = Events()
    reader.start(events)
    reader.stop()
    reader.insert(VirtualNhiCard(RECORD))
    assert len(events.seen) == 1


def test_connection_transmits_to_the_card() -> None:
    reader = SimulatedReader()
    reader.insert(VirtualNhiCard(RECORD))
    conn = reader.connect()
    assert conn.transmit(SELECT_NHI).sw == 0x9000
    resp = conn.transmit(READ_BASIC)
    assert (resp.data, resp.sw1, resp.sw2) == (RECORD, 0x90, 0x00)


def test_connect_without_a_card() -> None:
    with pytest.raises(CardError) as err:
        SimulatedReader().connect()
    assert "沒有卡片" in err.value.message


@pytest.mark.parametrize("state", [ReaderState.NO_SERVICE, ReaderState.NO_READER])
def test_reader_going_away(state: ReaderState) -> None:
    reader = SimulatedReader()
    events = Events()
    reader.start(events)
    reader.insert(VirtualNhiCard(RECORD))
    conn = reader.connect()
    reader.set_state(state, detail="unplugged")
    assert reader.state() is state
    assert events.seen[-1] == ReaderEvent(EventKind.STATE, state, reader.name, detail="unplugged")
    with pytest.raises(ReaderUnavailable):
        reader.connect()
    with pytest.raises(CardError, match="卡片被取出"):
        conn.transmit(SELECT_NHI)
    with pytest.raises(ReaderUnavailable):
        reader.insert(VirtualNhiCard(RECORD))
    reader.set_state(ReaderState.EMPTY)
    reader.insert(VirtualNhiCard(RECORD))
    assert reader.state() is ReaderState.CARD_PRESENT


def test_card_present_cannot_be_set_directly() -> None:
    with pytest.raises(ValueError):
        SimulatedReader().set_state(ReaderState.CARD_PRESENT)


def test_removed_card_fails_the_connection() -> None:
    reader = SimulatedReader()
    card = VirtualNhiCard(RECORD)
    reader.insert(card)
    conn = reader.connect()
    reader.remove()
    with pytest.raises(CardError) as err:
        conn.transmit(SELECT_NHI)
    assert "removed" in err.value.message_en


def test_reinserting_resets_the_card_and_stales_old_connections() -> None:
    reader = SimulatedReader()
    card = VirtualNhiCard(RECORD)
    reader.insert(card)
    old = reader.connect()
    old.transmit(SELECT_NHI)
    reader.remove()
    reader.insert(card)
    with pytest.raises(CardError):
        old.transmit(READ_BASIC)
    assert reader.connect().transmit(READ_BASIC).sw == 0x6985  # power cycle forgot the SELECT


def test_closed_connection_refuses_to_transmit() -> None:
    reader = SimulatedReader()
    reader.insert(VirtualNhiCard(RECORD))
    conn = reader.connect()
    conn.close()
    with pytest.raises(CardError, match="關閉"):
        conn.transmit(SELECT_NHI)


def test_removing_a_mute_card_frees_the_blocked_transmit() -> None:
    reader = SimulatedReader()
    reader.insert(VirtualNhiCard(RECORD, mute=True))
    conn = reader.connect()
    errors: list[BaseException] = []

    def send() -> None:
        try:
            conn.transmit(SELECT_NHI)
        except CardError as exc:
            errors.append(exc)

    worker = threading.Thread(target=send, daemon=True)
    worker.start()
    worker.join(0.2)
    assert worker.is_alive()
    reader.remove()
    worker.join(2)
    assert not worker.is_alive()
    assert len(errors) == 1 and "removed" in str(getattr(errors[0], "message_en", ""))


def test_inserting_over_a_card_reports_its_removal() -> None:
    reader = SimulatedReader()
    events = Events()
    reader.start(events)
    reader.insert(VirtualNhiCard(RECORD))
    reader.insert(VirtualNhiCard(RECORD))
    assert [k for k, _ in events.kinds()] == [
        EventKind.STATE, EventKind.INSERTED, EventKind.REMOVED, EventKind.INSERTED,
    ]


def test_concurrent_insert_and_remove_keep_events_consistent() -> None:
    reader = SimulatedReader()
    events = Events()
    reader.start(events)
    errors: list[BaseException] = []

    def churn(card: VirtualNhiCard) -> None:
        try:
            for _ in range(200):
                reader.insert(card)
                try:
                    conn = reader.connect()
                except CardError:  # another thread took the card out first
                    conn = None
                reader.remove()
                if conn is not None:  # stale after any removal, even if a card is back in
                    with pytest.raises(CardError):
                        conn.transmit(SELECT_NHI)
        except BaseException as exc:  # a failure in a thread must reach the test
            errors.append(exc)

    workers = [threading.Thread(target=churn, args=(VirtualNhiCard(RECORD),)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(10)
    assert errors == []
    assert reader.state() is ReaderState.EMPTY
    kinds = [e.kind for e in events.seen[1:]]
    # Every card that went in came out exactly once, whoever took it out.
    assert kinds.count(EventKind.INSERTED) == 800
    assert kinds.count(EventKind.REMOVED) == 800
