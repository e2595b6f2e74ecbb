"""The correction rules and service: the corrected ID must pass its checksum, the name must be readable,
the card's values are kept, one audit entry, masked."""

from __future__ import annotations

import pytest

from data.audit import query_audit
from kiosk.core.correction import CardCorrection, correct
from kiosk.core.errors import ValidationError
from kiosk.services.card_correction import correct_card


def test_a_corrected_id_must_pass_its_checksum() -> None:
    with pytest.raises(ValidationError, match="檢查碼"):
        correct("C120000008", "王小明", national_id="C120000008", name="")


def test_an_invalid_card_id_must_be_corrected() -> None:
    with pytest.raises(ValidationError) as err:
        correct("C120000008", "王小明", national_id="", name="")
    assert err.value.field == "national_id"


def test_an_unreadable_name_cannot_stay() -> None:
    with pytest.raises(ValidationError) as err:
        correct("A123456789", "周\ufffd\ufffd萍", national_id="", name="周\ufffd萍", name_suspect=True)
    assert err.value.field == "name"
    with pytest.raises(ValidationError):
        correct("A123456789", "周\ufffd\ufffd萍", national_id="", name="", name_suspect=True)


def test_the_card_values_are_kept_beside_the_corrected_ones() -> None:
    fix = correct("c120000008", "王小明", national_id=" c120000009 ", name="")
    assert fix == CardCorrection(card_id="c120000008", card_name="王小明", national_id="C120000009",
                                 name="王小明", fields=("national_id",))


def test_the_service_audits_masked(service_ctx) -> None:  # type: ignore[no-untyped-def]
    fix = correct_card(service_ctx, card_id="C120000008", card_name="王小明", national_id="C120000009",
                       name="王大明", card_number="000012345678")
    assert fix.correction.national_id == "C120000009" and fix.account_state == "unregistered"
    (entry,) = query_audit(service_ctx.store, action="card_corrected")
    text = repr(entry)
    assert "C120000009" not in text and "C120000008" not in text and "000012345678" not in text
    assert "王大明" not in text and "王小明" not in text
    assert entry.detail["fields"] == ["national_id", "name"]


def test_a_masked_card_name_still_shows_what_could_not_be_read() -> None:
    from kiosk.core.correction import mask_card_name

    assert mask_card_name("周\ufffd\ufffd萍") == "周\ufffd\ufffd萍"
    assert mask_card_name("周大美萍") == "周○○萍"
    assert mask_card_name("周\ufffd美萍") == "周\ufffd○萍"
