import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.errors import ValidationError
from kiosk.core.ids import (
    LETTER_CODES,
    check_digit,
    id_kind,
    is_valid_id,
    validate_card_number,
    validate_household_number,
    validate_national_id,
)

# Reference implementation written straight from DOMAIN.md, independent of kiosk.core.ids.
CODES = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))
WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 1, 1]  # for the 9 characters after the letter


def ref_sum(s: str) -> int:
    code = CODES[s[0]]
    rest = [("ABCD".index(c) if c in "ABCD" else int(c)) for c in s[1:]]
    return code // 10 + 9 * (code % 10) + sum(w * d for w, d in zip(WEIGHTS, rest, strict=True))


def test_reference_letter_codes_match_the_domain_table():
    table = ("A10 B11 C12 D13 E14 F15 G16 H17 I34 J18 K19 L20 M21 N22 O35 P23 Q24 R25 S26 T27 U28 V29 W32 "
             "X30 Y31 Z33")
    from_domain = {item[0]: int(item[1:]) for item in table.split()}
    assert from_domain == CODES
    assert from_domain == LETTER_CODES


VALID_NATIONAL = ["A123456789", "F223456786", "B120000008", "H220001110", "K128765433", "S224567895"]
# Resident certificates, each sum worked by hand and by ref_sum:
#   AC12345679: 1+0 + 2*8 + 1*7+2*6+3*5+4*4+5*3+6*2+7*1 + 9 = 110
#   FA12345670: 1+45 + 0 + 84 + 0 = 130;  AD00000005: 1 + 3*8 + 5 = 30
#   A800000014: 1 + 64 + 1 + 4 = 70;      A880000018: 1 + 64 + 56 + 1 + 8 = 130
#   B912345674: 10 + 72 + 84 + 4 = 170
VALID_RESIDENT_OLD = ["AC12345679", "FA12345670", "AD00000005"]
VALID_RESIDENT_NEW = ["A800000014", "A880000018", "B912345674"]


@pytest.mark.parametrize("s", VALID_NATIONAL + VALID_RESIDENT_OLD + VALID_RESIDENT_NEW)
def test_valid_vectors(s):
    assert ref_sum(s) % 10 == 0
    assert validate_national_id(s) == s
    assert is_valid_id(s)


@pytest.mark.parametrize("s", VALID_NATIONAL)
def test_national_kind(s):
    assert id_kind(s) == "national"


@pytest.mark.parametrize("s", VALID_RESIDENT_OLD)
def test_resident_old_kind(s):
    assert id_kind(s) == "resident_old"


@pytest.mark.parametrize("s", VALID_RESIDENT_NEW)
def test_resident_new_kind(s):
    assert id_kind(s) == "resident_new"


@pytest.mark.parametrize("s", ["G123456789", "A223456789", "A123456788", "AC12345678", "A800000015"])
def test_seed_and_off_by_one_ids_fail_the_checksum(s):
    assert not is_valid_id(s)
    with pytest.raises(ValidationError) as exc:
        validate_national_id(s)
    assert exc.value.field == "national_id"
    assert "檢查碼" in exc.value.message
    assert "checksum" in exc.value.message_en


@pytest.mark.parametrize("s", ["", "A12345678", "A1234567890", "1123456789", "A323456789", "AE12345678",
                               "A12345678X", "A7123456789", "AA1234567Z", "A12345 6789"])
def test_bad_formats_say_format(s):
    with pytest.raises(ValidationError) as exc:
        validate_national_id(s)
    assert exc.value.field == "national_id"
    assert "checksum" not in exc.value.message_en
    assert "檢查碼" not in exc.value.message


def test_normalises_case_space_and_full_width():
    assert validate_national_id("  a123456789 \n") == "A123456789"
    assert validate_national_id("Ａ１２３４５６７８９") == "A123456789"
    assert validate_national_id("ac12345679") == "AC12345679"


def test_id_kind_refuses_invalid():
    with pytest.raises(ValidationError):
        id_kind("A223456789")


def test_check_digit_completes_prefixes():
    assert check_digit("A12345678") == "9"
    assert check_digit("AC1234567") == "9"
    assert check_digit("a80000001") == "4"
    with pytest.raises(ValueError):
        check_digit("A3")


id_prefixes = st.builds(
    lambda letter, second, middle: letter + second + middle,
    st.sampled_from(sorted(CODES)),
    st.sampled_from("12ABCD89"),
    st.text("0123456789", min_size=7, max_size=7),
)


@given(id_prefixes)
def test_exactly_one_check_digit_completes_any_prefix(prefix):
    completions = [d for d in "0123456789" if is_valid_id(prefix + d)]
    assert completions == [check_digit(prefix)]
    assert ref_sum(prefix + completions[0]) % 10 == 0


@given(id_prefixes, st.integers(2, 9), st.integers(1, 9))
def test_single_digit_change_is_caught_unless_weight_times_delta_is_a_multiple_of_ten(prefix, pos, delta):
    """The checksum's weights 6, 5, 4, 2 share factors with 10, so not every change is caught.

    A change at weight w by delta keeps the sum's last digit exactly when w*delta % 10 == 0; the
    positions weighted 7, 3 and 1 (and the check digit) catch every change.
    """
    valid = prefix + check_digit(prefix)
    old = int(valid[pos])
    new = (old + delta) % 10
    changed = valid[:pos] + str(new) + valid[pos + 1:]
    weight = WEIGHTS[pos - 1]
    assert is_valid_id(changed) == ((weight * (new - old)) % 10 == 0)
    if weight in (7, 3, 1, 9):
        assert not is_valid_id(changed)


@given(id_prefixes, st.integers(1, 9))
def test_changing_the_check_digit_always_invalidates(prefix, delta):
    valid = prefix + check_digit(prefix)
    changed = valid[:9] + str((int(valid[9]) + delta) % 10)
    assert not is_valid_id(changed)


def test_checksum_blind_spot_is_real_not_a_bug():
    # A123456789 with its weight-6 digit moved by 5: 6*5 = 30 leaves the sum's last digit alone.
    assert is_valid_id("A128456789")


@given(st.text(max_size=12))
def test_validate_never_raises_anything_but_validation_error(s):
    try:
        out = validate_national_id(s)
    except ValidationError:
        return
    assert len(out) == 10 and ref_sum(out) % 10 == 0


def test_card_number():
    assert validate_card_number(" 000012345678 ") == "000012345678"
    assert validate_card_number("０００012345678") == "000012345678"
    for bad in ["", "00001234567", "0000123456789", "00001234567a", "0000 1234 5678", "٠٠٠٠12345678"]:
        with pytest.raises(ValidationError) as exc:
            validate_card_number(bad)
        assert exc.value.field == "card_number"


def test_household_number():
    assert validate_household_number("FB123456") == "FB123456"
    assert validate_household_number(" fb12345z ") == "FB12345Z"
    assert validate_household_number("A1234567") == "A1234567"
    for bad in ["", "1B123456", "FB12345", "FB1234567", "FB12-456", "FB 23456"]:
        with pytest.raises(ValidationError) as exc:
            validate_household_number(bad)
        assert exc.value.field == "household_no"
