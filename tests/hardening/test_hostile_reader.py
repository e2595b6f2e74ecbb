"""The reader path the app uses (``read_card_with_timeout`` on a ``SimulatedReader``) with hostile
cards: any record, any status word to SELECT or READ, cut-off data, 61 xx chains, and adapters
that raise what they should not. Always a record or a clear ``CardError``. 10,000 derandomised
cards (each read runs in its own watchdog thread, as in the app).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.errors import CardError
from kiosk.reader.service import read_card_with_timeout
from kiosk.reader.simulated import SimulatedReader, VirtualNhiCard
from tests.hardening.test_hostile_codec import (
    GOOD,
    HOSTILE_TEXT,
    MANY,
    SOME,
    assert_clear,
    assert_sane_record,
    records,
    status_words,
)


@MANY
@given(
    record=records,
    sw=st.one_of(st.none(), status_words),
    select_sw=st.one_of(st.none(), status_words),
    truncate_to=st.one_of(st.none(), st.integers(0, 80)),
    use_get_response=st.booleans(),
)
def test_reader_path_the_app_uses_never_crashes(
    record: bytes, sw: int | None, select_sw: int | None, truncate_to: int | None, use_get_response: bool
) -> None:
    reader = SimulatedReader()
    reader.start(lambda _event: None)
    reader.insert(VirtualNhiCard(record, sw=sw, select_sw=select_sw, truncate_to=truncate_to,
                                 use_get_response=use_get_response))
    try:
        result = read_card_with_timeout(reader, timeout=2.0)
    except CardError as err:
        assert_clear(err)
    else:
        assert_sane_record(result.record)
    finally:
        reader.stop()


def test_reader_path_reads_a_good_card() -> None:
    reader = SimulatedReader()
    reader.insert(VirtualNhiCard(GOOD, use_get_response=True))
    assert read_card_with_timeout(reader).record.national_id == "F223456786"


class ExplodingReader(SimulatedReader):
    """An adapter that breaks the rule and lets its own exception out, with hostile text in it."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__()
        self.exc = exc

    def connect(self):  # type: ignore[no-untyped-def]
        raise self.exc


@SOME
@given(st.sampled_from([OSError, RuntimeError, ValueError, KeyError, TimeoutError]), HOSTILE_TEXT)
def test_an_adapter_raising_anything_still_gives_a_clear_card_error(kind: type[Exception], text: str) -> None:
    with pytest.raises(CardError) as info:
        read_card_with_timeout(ExplodingReader(kind(text)), timeout=2.0)
    assert_clear(info.value)
