import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.contact import (
    MICROSOFT_MAIL_WARNING,
    EmailCheck,
    format_mobile,
    is_microsoft_domain,
    validate_email,
    validate_landline,
    validate_mobile,
)
from kiosk.core.errors import ValidationError


@pytest.mark.parametrize("typed", ["0912345678", "0912-345678", "(0912)-345678", "+886912345678",
                                   "+886 912 345 678", "0912 345 678", "０９１２３４５６７８", "886912345678",
                                   "+886-0912-345678"])
def test_mobile_forms_normalise_to_digits(typed):
    assert validate_mobile(typed) == "0912345678"


@pytest.mark.parametrize("typed", ["", "091234567", "09123456789", "0812345678", "0223456789",
                                   "0912a45678", "+1912345678", "09-1234-5678x", "0912/345678"])
def test_bad_mobiles_are_refused(typed):
    with pytest.raises(ValidationError) as exc:
        validate_mobile(typed)
    assert exc.value.field == "mobile"
    assert "09" in exc.value.message and "09" in exc.value.message_en


def test_format_mobile():
    assert format_mobile("0912345678") == "(0912)-345678"
    assert format_mobile("+886912345678") == "(0912)-345678"
    with pytest.raises(ValidationError):
        format_mobile("12345")


@given(st.text("0123456789", min_size=8, max_size=8))
def test_every_09_mobile_round_trips(rest):
    digits = "09" + rest
    assert validate_mobile(format_mobile(digits)) == digits


@pytest.mark.parametrize(("typed", "shown"), [
    ("02-2345-6789#123", "(02)2345-6789#123"),
    ("(02)23456789", "(02)2345-6789"),
    ("(04)22345678", "(04)2234-5678"),
    ("04-2234-5678 #9", "(04)2234-5678#9"),
    ("(03)9251234", "(03)925-1234"),
    ("(049)2345678", "(049)234-5678"),
    ("(089)310150", "(089)310-150"),
    ("0836-22345", "(0836)22-345"),
    ("+886-2-2345-6789", "(02)2345-6789"),
    ("（０２）２３４５６７８９＃１２", "(02)2345-6789#12"),
    ("02-2345-6789#", "(02)2345-6789"),
    ("070-1234-5678", "(070)1234-5678"),
])
def test_landline_display_form(typed, shown):
    assert validate_landline(typed) == shown


def test_landline_display_form_is_a_fixed_point():
    for typed in ["02-2345-6789#123", "(049)2345678", "0836-22345"]:
        shown = validate_landline(typed)
        assert validate_landline(shown) == shown


@pytest.mark.parametrize(("typed", "zh_fragment", "en_fragment"), [
    ("0912345678", "行動電話", "mobile"),
    ("(0912)-345678", "行動電話", "mobile"),
    ("23456789", "區碼", "area code"),
    ("0800-030-598", "市話", "toll-free"),
    ("02-1234-5678", "格式錯誤", "not valid"),
    ("03-1234567", "格式錯誤", "not valid"),
    ("02-2345-6789#12a", "分機", "extension"),
    ("02-2345-6789#1234567", "分機", "extension"),
    ("+1 212 555 0100", "格式錯誤", "not valid"),
    ("hello", "", ""),
    ("", "", ""),
])
def test_bad_landlines_are_refused_with_the_reason(typed, zh_fragment, en_fragment):
    with pytest.raises(ValidationError) as exc:
        validate_landline(typed)
    assert exc.value.field == "landline"
    assert zh_fragment in exc.value.message
    assert en_fragment in exc.value.message_en


@given(st.text(max_size=30))
def test_landline_raises_only_validation_error(s):
    try:
        out = validate_landline(s)
    except ValidationError:
        return
    assert out.startswith("(0")


@pytest.mark.parametrize("address", ["ab@gmail.com", "first.last+tag@nhi.gov.tw", "x_y-z@mail.example.com.tw",
                                     "elaine9@nhi.gov.tw", "o'brien@example.ie"])
def test_ordinary_addresses_pass_without_warning(address):
    assert validate_email(address) == EmailCheck(address)


def test_email_domain_is_lower_cased_local_part_kept():
    assert validate_email("  Ab.C@Gmail.COM ").address == "Ab.C@gmail.com"


@pytest.mark.parametrize("address", ["a@hotmail.com", "a@Hotmail.com.tw", "a@live.com", "a@live.co.uk",
                                     "a@outlook.com", "a@outlook.jp", "a@msn.com", "a@windowslive.com",
                                     "a@passport.com", "a@livemail.tw", "a@email.msn.com"])
def test_microsoft_domains_warn_but_pass(address):
    check = validate_email(address)
    assert check.address == address.lower()
    assert check.warning == MICROSOFT_MAIL_WARNING
    assert "hotmail" in check.warning
    assert check.warning_en is not None and "Microsoft" in check.warning_en


@pytest.mark.parametrize("domain", ["live.nhi.gov.tw", "outlook.example.com", "gmail.com", "hotmail-fans.org",
                                    "livestream.com", "notmsn.com"])
def test_lookalike_domains_do_not_warn(domain):
    assert not is_microsoft_domain(domain)
    assert validate_email(f"a@{domain}").warning is None


@pytest.mark.parametrize("address", ["", "plain", "@nhi.gov.tw", "a@", "a@b", "a@@b.com", "a b@c.com",
                                     "a..b@c.com", ".a@c.com", "a.@c.com", "a@-c.com", "a@c-.com", "a@c..com",
                                     "a@c.c0m", "a@c.1", "王@example.com", "a@例子.tw", "a(b)@c.com",
                                     "x" * 65 + "@c.com", "a@" + "b" * 64 + ".com"])
def test_bad_addresses_are_refused(address):
    with pytest.raises(ValidationError) as exc:
        validate_email(address)
    assert exc.value.field == "email"
    assert exc.value.message and exc.value.message_en


def test_backup_email_reports_its_own_field():
    with pytest.raises(ValidationError) as exc:
        validate_email("nope", field="backup_email")
    assert exc.value.field == "backup_email"
