"""Hostile PC/SC result codes and pyscard exceptions: the adapter's translation always gives a
``CardError`` with a message in both languages, whatever the code, the exception's type or its
text (which may quote a reader name from a USB descriptor). 10,000 derandomised cases.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.hardening.test_hostile_codec import HOSTILE_TEXT, MANY, assert_clear

pcsc = pytest.importorskip("kiosk.reader.pcsc")
pytest.importorskip("smartcard.scard")

hresults = st.one_of(
    st.integers(-(2**31), 2**32 - 1),
    st.integers(-(2**80), 2**80),
    st.sampled_from([0x80100001 + n for n in range(0x70)]),
)


@MANY
@given(hresults, st.one_of(st.none(), HOSTILE_TEXT), st.booleans())
def test_error_for_any_result_code_is_clear(hresult: int, reader_filter: str | None, during_read: bool) -> None:
    err = pcsc.error_for(hresult, reader_filter, during_read=during_read)
    assert_clear(err)


KINDS = ["EstablishContextException", "NoReadersException", "InvalidReaderException", "ReaderException",
         "NoCardException", "CardConnectionException", "SmartcardException", "SWIGError", "OSError",
         "RuntimeError"]


@MANY
@given(st.sampled_from(KINDS), HOSTILE_TEXT, st.one_of(st.none(), hresults, st.just(True)))
def test_translate_exception_for_anything_pyscard_raises(kind: str, text: str, hresult: object) -> None:
    exc_type = type(kind, (Exception,), {})
    exc = exc_type(text)
    if hresult is not None:
        exc.hresult = hresult  # type: ignore[attr-defined]
    assert_clear(pcsc.translate_exception(exc))
