"""Hostile cards and readers: random records, status words and PC/SC result codes never crash the
read. Whatever comes back is a parsed record or a ``CardError`` with a message in both languages
and no control character that could drive the terminal it is shown on.

10,000 generated cases per pure path; derandomised, so CI sees the same cases every run.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.errors import CardError
from kiosk.reader import nhi
from kiosk.reader.nhi import CardRecord, build_basic_data, parse_basic_data, read_card
from kiosk.reader.port import Response
from kiosk.reader.service import citizen_from_record

MANY = settings(max_examples=10_000, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=1_500, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

GOOD = build_basic_data("000012345678", "林美華", "F223456786", date(1985, 3, 14), "F", date(2018, 3, 1))


def _no_control(text: str) -> bool:
    # Everything shown on the card panel comes from these messages: no ESC, BEL, CR, bidi override.
    return not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def assert_clear(err: CardError) -> None:
    assert isinstance(err, CardError)
    assert err.message.strip() and err.message_en.strip()
    assert err.text("zh_TW").strip() and err.text("en").strip()
    for text in (err.message, err.action, err.message_en, err.action_en):
        assert _no_control(text), repr(text)


def assert_sane_record(rec: CardRecord) -> None:
    assert len(rec.card_number) == 12 and rec.card_number.isdigit()
    for text in (rec.name, rec.national_id, rec.birth_raw, rec.issue_raw, rec.sex):
        assert _no_control(text), repr(text)
    for zh, en in rec.problems():
        assert zh and en and _no_control(zh) and _no_control(en)
    if rec.id_valid:
        assert citizen_from_record(rec).national_id == rec.national_id
    else:
        with pytest.raises(CardError) as info:
            citizen_from_record(rec)
        assert_clear(info.value)


HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["[bold]x[/]", "\x1b[2J", "\x1b]0;title\x07", "a\rb", "\u202eevil", "zero\u200bwidth"]),
)


# A record is mostly a real one with some bytes changed, sometimes anything at all.
@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    record = bytearray(GOOD)
    for _ in range(draw(st.integers(0, 12))):
        record[draw(st.integers(0, len(record) - 1))] = draw(st.integers(0, 255))
    return bytes(record)


records = st.one_of(
    st.binary(min_size=0, max_size=300),
    st.binary(min_size=57, max_size=57),
    mutated(),
    st.builds(lambda name: GOOD[:12] + name + GOOD[32:], st.binary(min_size=20, max_size=20)),
)


@MANY
@given(records)
def test_any_record_parses_or_is_refused_clearly(record: bytes) -> None:
    try:
        rec = parse_basic_data(record)
    except CardError as err:
        assert_clear(err)
        return
    assert len(record) == nhi.RECORD_LENGTH
    assert_sane_record(rec)


@dataclass
class ScriptedConnection:
    """Answers each APDU with the next scripted response; silence (6F 00) once the script ends."""

    script: list[Response]
    sent: list[bytes] = field(default_factory=list)

    def transmit(self, apdu: bytes) -> Response:
        self.sent.append(apdu)
        return self.script.pop(0) if self.script else Response(b"", 0x6F, 0x00)

    def close(self) -> None:
        pass


# Status words: any 16-bit value, weighted towards the ones with special handling.
status_words = st.one_of(
    st.integers(0, 0xFFFF),
    st.sampled_from([0x9000, 0x6A82, 0x6700, 0x6985, 0x6F00]),
    st.integers(0, 0xFF).map(lambda n: 0x6100 | n),
    st.integers(0, 0xFF).map(lambda n: 0x6C00 | n),
)
responses = st.builds(
    lambda data, sw: Response(data, sw >> 8, sw & 0xFF),
    st.one_of(st.binary(max_size=64), st.just(GOOD), st.just(GOOD[:30]), st.just(GOOD[30:])),
    status_words,
)
# Out-of-range status bytes a broken adapter might hand back.
broken = st.builds(Response, st.binary(max_size=8), st.integers(-5, 300), st.integers(-5, 300))


@MANY
@given(st.lists(st.one_of(responses, responses, responses, broken), max_size=8))
def test_any_conversation_reads_or_fails_clearly(script: list[Response]) -> None:
    conn = ScriptedConnection(list(script))
    try:
        rec = read_card(conn)
    except CardError as err:
        assert_clear(err)
    else:
        assert_sane_record(rec)
    # A card that keeps saying 61 xx must not keep the reader busy for ever.
    assert len(conn.sent) <= 2 + 2 * (nhi._MAX_GET_RESPONSE + 1)


def test_happy_conversation_is_read() -> None:
    rec = read_card(ScriptedConnection([Response(b"", 0x90, 0x00), Response(GOOD, 0x90, 0x00)]))
    assert rec.national_id == "F223456786" and rec.name == "林美華"


def test_every_status_word_is_described_in_both_languages() -> None:
    for sw in range(0x10000):  # all of them: cheaper than sampling
        zh, en = nhi.describe_sw(sw)
        assert zh and en and nhi.sw_hex(sw) in zh and nhi.sw_hex(sw) in en
