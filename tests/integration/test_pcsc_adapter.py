"""The adapter's translation of pyscard's failures, and life without pyscard. No pcscd needed."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from kiosk.core.errors import CardError, ReaderUnavailable
from kiosk.reader import pcsc
from kiosk.reader.port import CardRemoved, EventKind, ReaderEvent, ReaderState


@pytest.fixture
def without_pyscard(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes `import smartcard` raise ImportError, as on the base install.
    monkeypatch.setitem(sys.modules, "smartcard", None)
    monkeypatch.setitem(sys.modules, "smartcard.scard", None)
    monkeypatch.setattr(pcsc, "_scard_module", None)


def test_without_pyscard_connect_names_the_extra_to_install(without_pyscard: None) -> None:
    with pytest.raises(ReaderUnavailable) as err:
        pcsc.PcscReader().connect()
    assert "nhi-counter-kiosk[pcsc]" in err.value.action
    assert "nhi-counter-kiosk[pcsc]" in err.value.action_en and "simulated" in err.value.action_en


def test_without_pyscard_start_posts_one_no_service_event(without_pyscard: None) -> None:
    events: list[ReaderEvent] = []
    reader = pcsc.PcscReader()
    reader.start(events.append)
    reader.stop()
    assert len(events) == 1 and events[0].kind is EventKind.STATE
    assert events[0].state is ReaderState.NO_SERVICE and "pyscard" in events[0].detail
    assert reader.state() is ReaderState.NO_SERVICE


class EstablishContextException(Exception):
    """Stands in for pyscard's class of that name, which is not a SmartcardException."""


class CardConnectionException(Exception):
    def __init__(self, hresult: int) -> None:
        super().__init__("transmit failed")
        self.hresult = hresult


def test_establish_context_failure_means_the_service_is_down() -> None:
    err = pcsc.translate_exception(EstablishContextException("Failure to establish context"))
    assert isinstance(err, pcsc.ServiceNotRunning)
    assert err.action.startswith("請執行 sudo systemctl start pcscd")


def test_an_unknown_exception_still_becomes_a_card_error_naming_its_type() -> None:
    err = pcsc.translate_exception(TypeError("in method 'SCardTransmit'"))
    assert type(err) is CardError and "TypeError" in err.message and err.action


@pytest.fixture
def scard() -> Any:
    return pytest.importorskip("smartcard.scard", reason="pyscard not installed")


@pytest.mark.parametrize(("code", "during_read", "kind", "zh"), [
    ("SCARD_E_NO_SERVICE", False, pcsc.ServiceNotRunning, "pcscd"),
    ("SCARD_E_SERVICE_STOPPED", False, pcsc.ServiceNotRunning, "pcscd"),
    ("SCARD_E_NO_READERS_AVAILABLE", False, ReaderUnavailable, "找不到讀卡機"),
    ("SCARD_E_UNKNOWN_READER", False, ReaderUnavailable, "找不到讀卡機"),
    ("SCARD_E_NO_SMARTCARD", False, CardError, "沒有卡片"),
    ("SCARD_W_REMOVED_CARD", True, CardRemoved, "讀卡中卡片被取出"),
    ("SCARD_W_UNRESPONSIVE_CARD", False, CardError, "沒有回應"),
    ("SCARD_E_SHARING_VIOLATION", False, CardError, "其他程式"),
    ("SCARD_W_RESET_CARD", True, CardError, "重置"),
    ("SCARD_F_COMM_ERROR", True, pcsc.ServiceNotRunning, "讀卡服務 (pcscd) 中斷"),
    ("SCARD_F_INTERNAL_ERROR", True, CardError, "0x80100001"),  # no English inside the Chinese text
])
def test_pcsc_result_codes_become_messages_with_an_action(
    scard: Any, code: str, during_read: bool, kind: type[CardError], zh: str
) -> None:
    err = pcsc.error_for(getattr(scard, code), during_read=during_read)
    assert type(err) is kind
    assert zh in err.message and err.action and err.message_en != err.message and err.action_en


def test_a_transmit_exception_with_a_result_code_is_translated_by_its_code(scard: Any) -> None:
    err = pcsc.translate_exception(CardConnectionException(scard.SCARD_W_REMOVED_CARD))
    assert err.message == pcsc.card_removed().message
