"""What the clerk reads when PC/SC fails mid-read (no pcscd needed: the translation is pure)."""

from __future__ import annotations

import pytest

from kiosk.reader.port import CardRemoved

pcsc = pytest.importorskip("kiosk.reader.pcsc")
scard = pytest.importorskip("smartcard.scard")


def test_rpc_transport_error_mid_read_says_the_card_service_stopped() -> None:
    # pcscd killed during a read: pcsc-lite answers SCARD_F_COMM_ERROR, "RPC transport error".
    err = pcsc.error_for(scard.SCARD_F_COMM_ERROR, during_read=True)
    zh, en = err.text("zh_TW"), err.text("en")
    assert "RPC" not in zh and "0x8010" not in zh
    assert "讀卡服務" in zh and "自動恢復" in zh
    assert "拔下讀卡機" not in zh and "unplug" not in en
    assert "card service" in en and "RPC" not in en
    assert isinstance(err, pcsc.ServiceNotRunning)


def test_rpc_transport_error_outside_a_read_is_the_service_down() -> None:
    err = pcsc.error_for(scard.SCARD_F_COMM_ERROR)
    assert isinstance(err, pcsc.ServiceNotRunning)
    assert "RPC" not in err.text("zh_TW") and "pcscd" in err.text("zh_TW")


def test_service_gone_mid_read_says_the_read_did_not_finish() -> None:
    err = pcsc.error_for(scard.SCARD_E_NO_SERVICE, during_read=True)
    assert "卡片未讀完" in err.text("zh_TW")


def test_a_transmit_exception_carrying_the_rpc_error_is_translated_too() -> None:
    exc = type("CardConnectionException", (Exception,), {})("Failed to transmit: RPC transport error.")
    exc.hresult = scard.SCARD_F_COMM_ERROR  # type: ignore[attr-defined]
    assert "RPC" not in pcsc.translate_exception(exc).text("zh_TW")


def test_card_pulled_mid_read_is_a_card_removed_error() -> None:
    err = pcsc.error_for(scard.SCARD_W_REMOVED_CARD, during_read=True)
    assert isinstance(err, CardRemoved)
    assert "讀卡中卡片被取出" in err.text("zh_TW")
