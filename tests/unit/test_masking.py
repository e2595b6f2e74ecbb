import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.masking import mask_card_number, mask_email, mask_id, mask_mobile, mask_name, scrub


def test_mask_id():
    assert mask_id("A123456789") == "A123****89"
    assert mask_id(" AC12345679 ") == "AC12****79"


@pytest.mark.parametrize(("raw", "masked"), [("", ""), ("A", "A"), ("A12", "A**"), ("A12345678", "A********"),
                                            ("A1234567890", "A**********")])
def test_mask_id_odd_input_keeps_only_the_first_character(raw, masked):
    assert mask_id(raw) == masked


@pytest.mark.parametrize(("name", "masked"), [
    ("甄環康", "甄○康"),
    ("王明", "王○"),
    ("林", "林"),
    ("", ""),
    ("歐陽小明", "歐○○明"),
    ("司馬相如如", "司○○○如"),
    ("John", "J○○n"),
    ("Li Na", "L○○○a"),
    ("  甄環康\x00 ", "甄○康"),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_card_number():
    assert mask_card_number("000012341234") == "********1234"
    assert mask_card_number("1234") == "****"
    assert mask_card_number("") == ""
    assert mask_card_number("12345678901") == "***********"


@pytest.mark.parametrize("typed", ["0912345678", "(0912)-345678", "+886912345678"])
def test_mask_mobile(typed):
    assert mask_mobile(typed) == "(0912)-***678"


@pytest.mark.parametrize("typed", ["", "123", "0223456789"])
def test_mask_mobile_odd_input_shows_no_digits(typed):
    assert not re.search(r"[0-9]", mask_mobile(typed))


@pytest.mark.parametrize(("email", "masked"), [
    ("abcdef@gmail.com", "ab***@gmail.com"),
    ("abcd@gmail.com", "ab***@gmail.com"),
    ("abc@gmail.com", "a***@gmail.com"),
    ("ab@gmail.com", "a***@gmail.com"),
    ("a@gmail.com", "***@gmail.com"),
    ("@gmail.com", "***@gmail.com"),
    ("nodomain", "no***"),
    ("", "***"),
])
def test_mask_email(email, masked):
    assert mask_email(email) == masked


def test_scrub_masks_ids_and_card_numbers_in_free_text():
    text = "deregistered A123456789 (card 000012341234) by clerk 0042 at 2022-05-03; old ac12345679"
    assert scrub(text) == ("deregistered A123****89 (card ********1234) by clerk 0042 at 2022-05-03; "
                           "old ac12****79")


def test_scrub_masks_invalid_ids_too_and_ids_glued_to_words():
    assert scrub("typed A223456789 by mistake") == "typed A223****89 by mistake"
    assert scrub("id=A123456789,x") == "id=A123****89,x"
    # Glued to a word the leftmost ID shape wins ("rA12345678"); what matters is the ID is not whole.
    glued = scrub("userA123456789")
    assert "A123456789" not in glued and glued.count("*") == 4


def test_scrub_leaves_other_text_alone():
    text = "民國111年05月03日 10:00:01 counter 3 code R17b63g9 tel (02)2345-6789 202205031000123"
    assert scrub(text) == text


id_like = st.builds(lambda a, b, c: a + b + c, st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
                    st.sampled_from("12ABCD89"), st.text("0123456789", min_size=8, max_size=8))


@given(st.text(max_size=20), id_like, st.text(max_size=20))
def test_scrub_never_lets_a_full_id_through(before, national_id, after):
    out = scrub(before + national_id + after)
    assert national_id not in out


@given(st.text(max_size=30))
def test_maskers_never_raise_and_never_lengthen_more_than_the_rule(s):
    for masker in (mask_id, mask_name, mask_card_number, mask_mobile, scrub):
        out = masker(s)
        assert isinstance(out, str)
    assert len(mask_id(s)) == len(s.strip())
    assert len(mask_name(s)) <= len(s)
    assert isinstance(mask_email(s), str)


# --- one rule per kind of value (issue 12 item 18) ----------------------------------------------

@pytest.mark.parametrize(("landline", "masked"), [
    ("(02)2345-6789", "(02)****-*789"),
    ("(02)2345-6789#123", "(02)****-*789#***"),
    ("(049)234-5678", "(049)***-*678"),
    ("(0836)22345", "(0836)**345"),
])
def test_mask_landline_keeps_the_area_code_and_the_last_3_digits(landline, masked):
    from kiosk.core.masking import mask_landline

    assert mask_landline(landline) == masked


@pytest.mark.parametrize("raw", ["0223456789", "23456789", "", "12"])
def test_mask_landline_odd_input_keeps_no_more_than_the_last_3_digits(raw):
    from kiosk.core.masking import mask_landline

    shown = mask_landline(raw)
    assert len(re.findall(r"[0-9]", shown)) <= min(3, max(len(raw) - 3, 0))


def test_mask_household_no():
    from kiosk.core.masking import mask_household_no

    assert mask_household_no("FB123456") == "*****456"
    assert mask_household_no("12") == "**"


def test_ids_are_masked_by_one_function_only():
    """Every place that shows an ID masks it with ``mask_id``: no hand-rolled second rule."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # A staff number is not a citizen's value: its log form is the staff service's own business.
    allowed = {"kiosk/core/masking.py", "kiosk/services/staff.py"}
    offenders = []
    for folder in ("kiosk", "printing", "data", "widgets"):
        for path in (root / folder).rglob("*.py"):
            name = str(path.relative_to(root))
            if name not in allowed and re.search(r"ID_MASK_CHAR|[\"']\*[\"'] (\*|if)",
                                                 path.read_text(encoding="utf-8")):
                offenders.append(name)
    assert offenders == []
