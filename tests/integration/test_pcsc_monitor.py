"""The reader monitor against the real stack: cards coming and going, no reader, pcscd gone.

The kiosk must notice each change once (no floods) and recover from every outage by itself.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import Cards, Events, Watch
from vpcd_card import VPCD_READER, Pcscd

from kiosk.core.errors import ReaderUnavailable
from kiosk.reader import pcsc
from kiosk.reader.nhi import build_basic_data
from kiosk.reader.pcsc import PcscReader, ServiceNotRunning
from kiosk.reader.port import EventKind, ReaderState
from kiosk.reader.service import read_card_with_timeout
from kiosk.reader.simulated import SIMULATED_ATR, VirtualNhiCard

pytestmark = pytest.mark.integration


def nhi_card(name: str = "王小明") -> VirtualNhiCard:
    return VirtualNhiCard(build_basic_data("000012345678", name, "A123456789", date(1990, 1, 1), "M",
                                           date(2018, 3, 1)))


def test_insert_and_remove_are_posted_once_each_from_the_monitor_thread(cards: Cards, watch: Watch) -> None:
    reader, events = watch()
    first = events.next()
    assert (first.kind, first.state) == (EventKind.STATE, ReaderState.EMPTY)
    assert reader.name == VPCD_READER

    vcard = cards.insert(nhi_card(), wait=False)
    inserted = events.next(EventKind.INSERTED)
    assert inserted.state is ReaderState.CARD_PRESENT and inserted.atr == SIMULATED_ATR
    assert reader.state() is ReaderState.CARD_PRESENT
    assert read_card_with_timeout(reader).record.name == "王小明"

    cards.remove(vcard, wait=False)
    removed = events.next(EventKind.REMOVED)
    assert removed.state is ReaderState.EMPTY and reader.state() is ReaderState.EMPTY
    time.sleep(1.0)  # several polls with nothing happening, and a read in between, post nothing
    assert [e.kind for e in events.items] == [EventKind.STATE, EventKind.INSERTED, EventKind.REMOVED]
    assert events.threads == {"pcsc-monitor"}


def test_a_filter_matching_no_reader_reports_no_reader(stack: Pcscd, watch: Watch) -> None:
    reader, events = watch("Gemalto")
    event = events.next()
    assert event.state is ReaderState.NO_READER and "Gemalto" in event.detail
    with pytest.raises(ReaderUnavailable) as err:
        reader.connect()
    assert not isinstance(err.value, ServiceNotRunning)
    assert "找不到讀卡機" in err.value.message and "USB" in err.value.action


def test_no_reader_attached_then_reader_back_without_restarting_the_kiosk(
    stack: Pcscd, cards: Cards, watch: Watch, tmp_path: Path
) -> None:
    stack.stop()
    bare = Pcscd(config_dir=tmp_path)  # pcscd with no reader configured at all
    bare.start()
    try:
        reader, events = watch()
        assert events.next().state is ReaderState.NO_READER
        assert PcscReader().state() is ReaderState.NO_READER
        with pytest.raises(ReaderUnavailable, match="找不到讀卡機"):
            reader.connect()
    finally:
        bare.stop()
    stack.start()
    events.next(state=ReaderState.EMPTY)
    cards.insert(nhi_card())
    events.next(EventKind.INSERTED)
    assert read_card_with_timeout(reader).record.national_id == "A123456789"


def test_pcscd_absent_is_reported_and_the_kiosk_recovers_when_it_starts(
    stack: Pcscd, cards: Cards, watch: Watch
) -> None:
    stack.stop()
    reader, events = watch()
    down = events.next()
    assert down.state is ReaderState.NO_SERVICE and "systemctl start pcscd" in down.detail
    assert PcscReader().state() is ReaderState.NO_SERVICE
    with pytest.raises(ServiceNotRunning) as err:
        reader.connect()
    assert "pcscd" in err.value.message and "systemctl start pcscd" in err.value.action
    time.sleep(1.5)  # retries while down post nothing new
    assert len(events.items) == 1

    stack.start()
    events.next(state=ReaderState.EMPTY)
    cards.insert(nhi_card())
    events.next(EventKind.INSERTED)
    assert read_card_with_timeout(reader).record.name == "王小明"


def test_pcscd_killed_and_restarted_while_the_kiosk_runs(stack: Pcscd, cards: Cards, watch: Watch) -> None:
    reader, events = watch()
    events.next(state=ReaderState.EMPTY)
    stack.kill()
    assert events.next().state is ReaderState.NO_SERVICE
    stack.start()
    events.next(state=ReaderState.EMPTY)
    cards.insert(nhi_card("林美"))
    events.next(EventKind.INSERTED)
    assert read_card_with_timeout(reader).record.name == "林美"


def test_stop_ends_the_monitor_thread_promptly(stack: Pcscd, monkeypatch: pytest.MonkeyPatch) -> None:
    scard = pcsc._load_scard()
    entered: list[int] = []  # the poll timeout of every SCardGetStatusChange the monitor entered
    returned: list[int] = []  # and the result code each one returned

    class Spy:
        def __getattr__(self, name: str) -> Any:
            return getattr(scard, name)

        def SCardGetStatusChange(self, ctx: Any, timeout_ms: int, states: Any) -> Any:
            entered.append(timeout_ms)
            answer = scard.SCardGetStatusChange(ctx, timeout_ms, states)
            returned.append(answer[0] & 0xFFFFFFFF)
            return answer

    monkeypatch.setattr(pcsc, "_scard_module", Spy())
    reader = PcscReader(poll_interval=60.0)  # a long wait in SCardGetStatusChange, cancelled by stop
    events = Events()
    reader.start(events)
    events.next(state=ReaderState.EMPTY)
    deadline = time.monotonic() + 10
    while len(entered) <= len(returned):  # until the monitor is inside its long wait
        assert time.monotonic() < deadline, "the monitor never started waiting"
        time.sleep(0.01)
    reader.stop()
    assert reader._thread is None
    # stop's SCardCancel ended the wait; had it not, the wait would have run out (SCARD_E_TIMEOUT).
    assert entered[-1] == 60_000 and returned[-1] == scard.SCARD_E_CANCELLED & 0xFFFFFFFF
