"""Reading NHI cards through the real stack: PcscReader → pcscd → vpcd → the virtual card.

Each fault the counter meets gets its own card and the message the clerk would see.
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import Cards

from kiosk.core.errors import CardError
from kiosk.reader.nhi import READ_BASIC, SELECT_NHI, build_basic_data, get_response
from kiosk.reader.pcsc import PcscReader
from kiosk.reader.service import ReadResult, citizen_from_record, read_card_with_timeout
from kiosk.reader.simulated import SIMULATED_ATR, VirtualNhiCard

pytestmark = pytest.mark.integration

BIRTH = date(1990, 1, 1)
ISSUE = date(2018, 3, 1)


def record(name: str | bytes = "王小明", national_id: str = "A123456789", sex: str = "M") -> bytes:
    return build_basic_data("000012345678", name, national_id, BIRTH, sex, ISSUE)


def read(reader: PcscReader, timeout: float = 3.0) -> ReadResult:
    return read_card_with_timeout(reader, timeout)


def test_a_good_card_reads_with_every_field_at_its_offset(cards: Cards) -> None:
    card = VirtualNhiCard(record())
    cards.insert(card)
    result = read(PcscReader())
    rec = result.record
    assert (rec.card_number, rec.name, rec.national_id) == ("000012345678", "王小明", "A123456789")
    assert rec.sex == "M"
    assert (rec.birth_date, rec.issue_date) == (BIRTH, ISSUE)
    assert rec.id_valid and not rec.name_suspect and rec.problems() == []
    assert result.atr == SIMULATED_ATR  # the ATR came through pcscd, not from the fake
    assert card.apdus == [SELECT_NHI, READ_BASIC]


def test_reader_filter_picks_the_named_reader_case_insensitively(cards: Cards) -> None:
    cards.insert(VirtualNhiCard(record()))
    assert read(PcscReader("virtual pcd 00 00")).record.national_id == "A123456789"


def test_61xx_is_followed_with_get_response(cards: Cards) -> None:
    card = VirtualNhiCard(record(), use_get_response=True)
    cards.insert(card)
    assert read(PcscReader()).record.name == "王小明"
    assert card.apdus[-1] == get_response(57)


def test_a_non_nhi_card_is_named_as_such(cards: Cards) -> None:
    cards.insert(VirtualNhiCard(record(), refuse_select=True))
    with pytest.raises(CardError) as err:
        read(PcscReader())
    assert "不是健保卡" in err.value.message and "6A 82" in err.value.message
    assert "Not an NHI card" in err.value.message_en


@pytest.mark.parametrize(("extra", "truncate", "word_zh", "word_en"), [
    (b"", 50, "過短", "short"),
    (b"EXTRA", None, "過長", "too long"),
])
def test_a_record_of_the_wrong_length_is_refused(
    cards: Cards, extra: bytes, truncate: int | None, word_zh: str, word_en: str
) -> None:
    cards.insert(VirtualNhiCard(record() + extra, truncate_to=truncate))
    with pytest.raises(CardError) as err:
        read(PcscReader())
    assert word_zh in err.value.message and word_en in err.value.message_en
    assert err.value.action  # says what to do next


def test_an_unexpected_status_word_is_shown_in_hex(cards: Cards) -> None:
    cards.insert(VirtualNhiCard(record(), sw=0x6982))
    with pytest.raises(CardError) as err:
        read(PcscReader())
    assert "69 82" in err.value.message and "69 82" in err.value.message_en


def test_a_card_pulled_mid_read_fails_clearly_and_the_next_card_reads(cards: Cards) -> None:
    pulled = cards.insert(VirtualNhiCard(record()), pull_after=1)  # answers SELECT, then leaves
    with pytest.raises(CardError) as err:
        read(PcscReader())
    assert "取出" in err.value.message and "removed" in err.value.message_en
    cards.remove(pulled)
    cards.insert(VirtualNhiCard(record(name="林美")))
    assert read(PcscReader()).record.name == "林美"


def test_undecodable_name_bytes_are_kept_visible_for_the_clerk(cards: Cards) -> None:
    cards.insert(VirtualNhiCard(record(name=b"\xa4\xfd\xff\xff")))  # 王 then bytes Big5 cannot map
    rec = read(PcscReader()).record
    assert rec.name_suspect and rec.name.startswith("王") and "\ufffd" in rec.name
    assert any("姓名" in zh for zh, _en in rec.problems())


def test_an_id_failing_its_checksum_is_flagged_and_not_used(cards: Cards) -> None:
    cards.insert(VirtualNhiCard(record(national_id="A123456788")))
    rec = read(PcscReader()).record
    assert rec.national_id == "A123456788" and not rec.id_valid
    with pytest.raises(CardError, match="檢查碼"):
        citizen_from_record(rec)


def test_a_mute_card_times_out_and_the_next_card_reads(cards: Cards) -> None:
    mute = cards.insert(VirtualNhiCard(record(), mute=True))
    reader = PcscReader()
    with pytest.raises(CardError) as err:
        read(reader, timeout=0.5)
    # The watchdog, not the card, ended the wait: its own message.
    assert "逾時" in err.value.message and "timed out" in err.value.message_en
    cards.remove(mute)  # frees the worker stuck in transmit
    cards.insert(VirtualNhiCard(record(name="陳大文")))
    assert read(reader).record.name == "陳大文"
