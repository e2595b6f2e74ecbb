"""The NHI codec against raw bytes: APDUs, offsets, status words, names, and fuzzed input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.errors import CardError
from kiosk.reader.nhi import (
    READ_BASIC,
    RECORD_LENGTH,
    SELECT_NHI,
    CardRecord,
    build_basic_data,
    decode_name,
    describe_sw,
    get_response,
    parse_basic_data,
    parse_roc_yyymmdd,
    read_card,
)
from kiosk.reader.port import Response

# 王大明 in Big5, written out by hand so the offsets are not tested against themselves.
WANG_DAMING = bytes.fromhex("a4fd a46a a9fa")
HAND_BUILT = (
    b"012345678901"  # 0-11 card number
    + WANG_DAMING + b"\x00" * 14  # 12-31 name, NUL padded
    + b"A123456789"  # 32-41 ID
    + b"0790102"  # 42-48 birth 1990-01-02
    + b"F"  # 49 sex
    + b"1121231"  # 50-56 issue 2023-12-31
)


def good_record(**overrides: object) -> bytes:
    fields: dict[str, object] = {
        "card_number": "000012345678", "name": "王大明", "national_id": "A123456789",
        "birth": date(1990, 1, 2), "sex": "M", "issue": date(2020, 5, 3),
    }
    fields.update(overrides)
    return build_basic_data(**fields)  # type: ignore[arg-type]


class ScriptedConnection:
    """Answers each APDU with the next scripted response, recording what it was sent."""

    def __init__(self, *answers: bytes | Callable[[bytes], bytes]) -> None:
        self.answers = list(answers)
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> Response:
        self.sent.append(apdu)
        if not self.answers:
            raise AssertionError(f"unexpected APDU {apdu.hex(' ')}")
        answer = self.answers.pop(0)
        raw = answer(apdu) if callable(answer) else answer
        return Response(raw[:-2], raw[-2], raw[-1])

    def close(self) -> None:
        pass


OK = b"\x90\x00"


# --- APDUs --------------------------------------------------------------------------------------


def test_apdus_match_the_card_spec() -> None:
    assert SELECT_NHI.hex(" ").upper() == "00 A4 04 00 10 D1 58 00 00 01 00 00 00 00 00 00 00 00 00 11 00"
    assert READ_BASIC.hex(" ").upper() == "00 CA 11 00 02 00 00"
    assert SELECT_NHI[4] == len(SELECT_NHI) - 5  # Lc covers the whole AID


def test_get_response_carries_le() -> None:
    assert get_response(0x39) == bytes.fromhex("00C0000039")
    assert get_response(0) == bytes.fromhex("00C0000000")
    with pytest.raises(ValueError):
        get_response(256)


# --- Offsets ------------------------------------------------------------------------------------


def test_offsets_of_a_hand_built_record() -> None:
    assert len(HAND_BUILT) == RECORD_LENGTH
    rec = parse_basic_data(HAND_BUILT)
    assert rec == CardRecord(
        card_number="012345678901",
        name="王大明",
        name_raw=WANG_DAMING + b"\x00" * 14,
        name_suspect=False,
        national_id="A123456789",
        id_valid=True,
        birth_date=date(1990, 1, 2),
        birth_raw="0790102",
        sex="F",
        issue_date=date(2023, 12, 31),
        issue_raw="1121231",
    )
    assert rec.problems() == []


def test_builder_writes_the_same_bytes_as_the_hand_built_record() -> None:
    built = build_basic_data(
        "012345678901", "王大明", "A123456789", date(1990, 1, 2), "F", date(2023, 12, 31)
    )
    assert built == HAND_BUILT


def test_name_filling_all_twenty_bytes_does_not_leak_into_the_id() -> None:
    ten_chars = "王大明王大明王大明王"
    rec = parse_basic_data(good_record(name=ten_chars))
    assert rec.name == ten_chars
    assert rec.national_id == "A123456789"


def test_builder_refuses_what_a_card_cannot_hold() -> None:
    with pytest.raises(ValueError):
        good_record(name="王" * 11)
    with pytest.raises(ValueError):
        good_record(card_number="12345")
    with pytest.raises(ValueError):
        good_record(birth=date(1900, 1, 1))


# --- Lengths and card number ----------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 1, 56])
def test_short_record_is_refused(length: int) -> None:
    with pytest.raises(CardError) as err:
        parse_basic_data(HAND_BUILT[:length])
    assert f"{length} bytes" in err.value.message_en
    assert "過短" in err.value.message
    assert err.value.action


def test_over_long_record_is_refused() -> None:
    with pytest.raises(CardError) as err:
        parse_basic_data(HAND_BUILT + b"\x00")
    assert "58 bytes" in err.value.message_en
    assert "過長" in err.value.message


def test_non_ascii_card_number_is_refused() -> None:
    data = b"\xb1i" + HAND_BUILT[2:]
    with pytest.raises(CardError) as err:
        parse_basic_data(data)
    assert "non-ASCII" in err.value.message_en


def test_non_digit_card_number_is_refused() -> None:
    data = b"01234567890X" + HAND_BUILT[12:]
    with pytest.raises(CardError) as err:
        parse_basic_data(data)
    assert "01234567890X" in err.value.message_en


# --- Names --------------------------------------------------------------------------------------


def test_big5hkscs_only_name_is_decoded() -> None:
    raw = "張志堃".encode("big5hkscs")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("cp950")
    rec = parse_basic_data(good_record(name="張志堃"))
    assert rec.name == "張志堃"
    assert not rec.name_suspect


def test_cp950_extension_characters_are_decoded_by_cp950() -> None:
    rec = parse_basic_data(good_record(name="林碁恒"))
    assert (rec.name, rec.name_suspect) == ("林碁恒", False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\x81\x30", "\ufffd0"),  # not a lead byte in any Big5 table
        (WANG_DAMING + b"\xa4", "王大明\ufffd"),  # lone lead byte at the end
        (b"\xa4" + b"A" + WANG_DAMING, None),  # lead byte followed by an ASCII trail: different char
    ],
)
def test_undecodable_name_is_kept_visible_and_flagged(raw: bytes, expected: str | None) -> None:
    rec = parse_basic_data(good_record(name=raw))
    if expected is None:
        # A4 41 is a valid Big5 pair (叭); this row checks decoding stays in sync afterwards.
        assert rec.name.endswith("王大明")
        assert not rec.name_suspect
        return
    assert rec.name == expected
    assert rec.name_suspect
    assert rec.name_raw.rstrip(b"\x00") == raw
    assert any("\ufffd" in zh for zh, _ in rec.problems())


def test_markup_in_a_name_is_kept_literally() -> None:
    rec = parse_basic_data(good_record(name="[bold]王"))
    assert rec.name == "[bold]王"
    assert not rec.name_suspect


def test_control_characters_in_a_name_are_replaced_and_flagged() -> None:
    text, suspect = decode_name(b"\x1b[2J" + WANG_DAMING)
    assert text == "\ufffd[2J王大明"
    assert suspect


def test_padding_spaces_and_full_width_spaces_are_stripped() -> None:
    assert decode_name(WANG_DAMING + b"  \x00\x00") == ("王大明", False)
    assert decode_name(WANG_DAMING + "\u3000".encode("cp950")) == ("王大明", False)
    assert decode_name(b"\x00" * 20) == ("", False)


def test_hkscs_character_outside_the_bmp_is_decoded() -> None:
    # FA 40 is user-defined in cp950 (Python refuses it); HKSCS maps it to U+20547.
    assert decode_name(b"\xfa\x40" + WANG_DAMING) == ("\U00020547王大明", False)


# --- ID, dates, sex -------------------------------------------------------------------------------


def test_id_failing_checksum_is_parsed_and_flagged() -> None:
    rec = parse_basic_data(good_record(national_id="A223456789"))
    assert rec.national_id == "A223456789"
    assert not rec.id_valid
    assert any("checksum" in en for _, en in rec.problems())


def test_lower_case_id_is_not_valid() -> None:
    assert not parse_basic_data(good_record(national_id="a123456789")).id_valid


@pytest.mark.parametrize("national_id", ["F223456786", "AB12345677", "A812345671"])
def test_female_and_resident_certificate_ids_are_valid(national_id: str) -> None:
    assert parse_basic_data(good_record(national_id=national_id)).id_valid


@pytest.mark.parametrize("raw", ["0791399", "0790230", "ABCDEFG", "0000000"])
def test_impossible_date_is_kept_raw_and_flagged(raw: str) -> None:
    data = HAND_BUILT[:42] + raw.encode() + HAND_BUILT[49:]
    rec = parse_basic_data(data)
    assert rec.birth_date is None
    assert rec.birth_raw == raw
    assert any(raw in zh for zh, _ in rec.problems())


def test_non_ascii_date_bytes_are_shown_as_replacement_marks() -> None:
    data = HAND_BUILT[:50] + b"\xff" * 7
    rec = parse_basic_data(data)
    assert rec.issue_date is None
    assert rec.issue_raw == "\ufffd" * 7


def test_roc_dates() -> None:
    assert parse_roc_yyymmdd("0790101") == date(1990, 1, 1)
    assert parse_roc_yyymmdd("1130229") == date(2024, 2, 29)
    assert parse_roc_yyymmdd("1120229") is None
    assert parse_roc_yyymmdd("790101") is None


def test_unknown_sex_is_kept_and_flagged() -> None:
    rec = parse_basic_data(HAND_BUILT[:49] + b"X" + HAND_BUILT[50:])
    assert rec.sex == "X"
    assert any("M/F" in en for _, en in rec.problems())


# --- The conversation ---------------------------------------------------------------------------


def test_good_card_is_selected_then_read() -> None:
    conn = ScriptedConnection(OK, HAND_BUILT + OK)
    assert read_card(conn).card_number == "012345678901"
    assert conn.sent == [SELECT_NHI, READ_BASIC]


def test_select_answering_61xx_fetches_the_response() -> None:
    conn = ScriptedConnection(b"\x61\x10", b"\x6f" + b"\x00" * 15 + OK, HAND_BUILT + OK)
    read_card(conn)
    assert conn.sent == [SELECT_NHI, bytes.fromhex("00C0000010"), READ_BASIC]


def test_read_answering_61xx_uses_the_get_response_data() -> None:
    conn = ScriptedConnection(OK, b"\x61\x39", HAND_BUILT + OK)
    assert read_card(conn).name == "王大明"
    assert conn.sent == [SELECT_NHI, READ_BASIC, bytes.fromhex("00C0000039")]


def test_read_data_arriving_in_two_61xx_chunks_is_joined() -> None:
    conn = ScriptedConnection(OK, b"\x61\x39", HAND_BUILT[:30] + b"\x61\x1b", HAND_BUILT[30:] + OK)
    assert read_card(conn) == parse_basic_data(HAND_BUILT)
    assert conn.sent[-1] == bytes.fromhex("00C000001B")


def test_read_answering_6cxx_is_reissued_with_le() -> None:
    conn = ScriptedConnection(OK, b"\x6c\x39", HAND_BUILT + OK)
    read_card(conn)
    assert conn.sent == [SELECT_NHI, READ_BASIC, READ_BASIC + b"\x39"]


def test_a_second_6cxx_is_an_error_not_a_loop() -> None:
    conn = ScriptedConnection(OK, b"\x6c\x39", b"\x6c\x39")
    with pytest.raises(CardError) as err:
        read_card(conn)
    assert "6C 39" in err.value.message_en


def test_endless_61xx_stops() -> None:
    conn = ScriptedConnection(OK, *([b"\x61\x01"] * 20))
    with pytest.raises(CardError) as err:
        read_card(conn)
    assert len(conn.sent) < 15
    assert "61 xx" in err.value.message_en


def test_short_record_with_9000_is_refused() -> None:
    conn = ScriptedConnection(OK, HAND_BUILT[:40] + OK)
    with pytest.raises(CardError) as err:
        read_card(conn)
    assert "40 bytes" in err.value.message_en


def test_over_long_record_with_9000_is_refused() -> None:
    with pytest.raises(CardError):
        read_card(ScriptedConnection(OK, HAND_BUILT + b"\x00\x00" + OK))


@pytest.mark.parametrize("sw", [b"\x6a\x82", b"\x6a\x86", b"\x6d\x00", b"\x69\x82", b"\x6f\x00", b"\x67\x00"])
def test_select_refused_means_not_an_nhi_card(sw: bytes) -> None:
    conn = ScriptedConnection(sw)
    with pytest.raises(CardError) as err:
        read_card(conn)
    assert "不是健保卡" in err.value.message
    assert "Not an NHI card" in err.value.message_en
    assert sw.hex(" ").upper() in err.value.message_en
    assert "健保卡" in err.value.action
    assert conn.sent == [SELECT_NHI]  # nothing is read from a card that refused the application


@pytest.mark.parametrize("sw", [b"\x6a\x82", b"\x69\x82", b"\x6f\x00", b"\x67\x00", b"\x69\x85", b"\x12\x34"])
def test_read_refused_names_the_status_word(sw: bytes) -> None:
    with pytest.raises(CardError) as err:
        read_card(ScriptedConnection(OK, sw))
    assert sw.hex(" ").upper() in err.value.message
    assert sw.hex(" ").upper() in err.value.message_en
    assert err.value.action and err.value.action_en


def test_status_words_are_described() -> None:
    assert describe_sw(0x6A82) == (
        "找不到應用程式或檔案（SW 6A 82）", "application or file not found (SW 6A 82)"
    )
    assert "3 tries left" in describe_sw(0x63C3)[1]
    assert "57 more bytes" in describe_sw(0x6139)[1]
    assert "non-standard" in describe_sw(0x1234)[1]


# --- Fuzzing ------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=RECORD_LENGTH, max_size=RECORD_LENGTH))
def test_random_records_raise_only_card_errors(data: bytes) -> None:
    try:
        rec = parse_basic_data(data)
    except CardError as err:
        assert err.message and err.message_en and err.action
        return
    assert len(rec.card_number) == 12
    assert all(not (ord(c) < 0x20 or ord(c) == 0x7F) for c in rec.name)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120).filter(lambda d: len(d) != RECORD_LENGTH))
def test_every_wrong_length_is_a_card_error(data: bytes) -> None:
    with pytest.raises(CardError, match="健保卡資料格式錯誤"):
        parse_basic_data(data)


@settings(max_examples=300, deadline=None)
@given(
    select=st.tuples(st.binary(max_size=4), st.integers(0, 255), st.integers(0, 255)),
    reads=st.lists(st.tuples(st.binary(max_size=60), st.integers(0, 255), st.integers(0, 255)), max_size=12),
    use_good_record=st.booleans(),
)
def test_random_status_words_raise_only_card_errors(
    select: tuple[bytes, int, int], reads: list[tuple[bytes, int, int]], use_good_record: bool
) -> None:
    answers = [select[0] + bytes(select[1:])]
    answers += [(HAND_BUILT if use_good_record else d) + bytes((a, b)) for d, a, b in reads]
    answers += [b"\x6f\x00"] * 12  # the card gives up rather than run out of script
    try:
        read_card(ScriptedConnection(*answers))
    except CardError as err:
        assert err.message_en and err.action_en


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 0xFFFF))
def test_every_status_word_has_words(sw: int) -> None:
    zh, en = describe_sw(sw)
    hx = f"{sw >> 8:02X} {sw & 0xFF:02X}"
    assert hx in zh and hx in en
