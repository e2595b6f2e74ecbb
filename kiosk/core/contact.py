"""Contact data typed at the counter: mobile, landline, e-mail, and the one contact policy.

Every validator returns the one canonical form the store keeps, so the same number typed three
ways is stored, compared and printed once. ``check_contact_field`` is the policy both counter forms
follow (registration F2 and contact update F7): which fields are required, which only advised, and
that the backup e-mail differs from the primary one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kiosk.core.errors import ValidationError
from kiosk.core.ids import validate_household_number

_MOBILE_RE = re.compile(r"09[0-9]{8}")
# Separators people type between digit groups; anything else is an error, not noise.
_MOBILE_SEPARATORS = re.compile(r"[\s\-().]")

_MAX_EXTENSION_DIGITS = 6

# Seed 000/001 wording, shown beside the e-mail field when a Microsoft address is typed.
MICROSOFT_MAIL_WARNING = (
    "因與微軟郵件伺服器連線異常，建議不要填寫微軟e-mail信箱(如hotmail, livemail...)，"
    "以免無法收到本署寄發的信件。"
)
MICROSOFT_MAIL_WARNING_EN = (
    "Mail to Microsoft servers often fails to arrive; we advise not using a Microsoft address "
    "(hotmail, live, outlook…), or NHIA mail may never reach you."
)
# Brand names that Microsoft runs under many country suffixes (hotmail.com.tw, live.co.uk, ...).
_MICROSOFT_BRANDS = frozenset({"hotmail", "live", "livemail", "outlook"})
_MICROSOFT_DOMAINS = frozenset({"msn.com", "windowslive.com", "passport.com"})

_EMAIL_LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_LABEL_RE = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_EMAIL_TLD_RE = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


def _nfkc(s: str) -> str:
    # Chinese input methods often produce full-width digits and brackets (０９１２, （０２）).
    return unicodedata.normalize("NFKC", s).strip()


# --- mobile ----------------------------------------------------------------------------------


def validate_mobile(s: str) -> str:
    """A Taiwanese mobile number as 10 digits ``09xxxxxxxx``.

    Accepts ``0912345678``, ``0912-345678``, ``(0912)-345678``, ``+886912345678``, ``+886 912 345 678``.
    """
    raw = _MOBILE_SEPARATORS.sub("", _nfkc(s))
    if raw.startswith("+886"):
        raw = "0" + raw[4:]
    elif raw.startswith("886") and len(raw) == 12:
        raw = "0" + raw[3:]
    if raw.startswith("00"):
        raw = raw[1:]  # "+886 0912..." leaves a doubled trunk zero
    if not _MOBILE_RE.fullmatch(raw):
        raise ValidationError(
            "mobile", "行動電話格式錯誤：應為 09 開頭的 10 碼數字", "例如 (0912)-345678",
            message_en="The mobile number must be 10 digits starting with 09.",
            action_en="For example (0912)-345678.",
        )
    return raw


def format_mobile(digits: str) -> str:
    """The seeds' display form ``(0912)-345678``."""
    m = validate_mobile(digits)
    return f"({m[:4]})-{m[4:]}"


# --- landline --------------------------------------------------------------------------------


def _landline_error(message: str, message_en: str) -> ValidationError:
    return ValidationError(
        "landline", message, "請輸入區碼、電話號碼，分機請接在 # 之後，例如 (02)2345-6789#123",
        message_en=message_en,
        action_en="Type the area code, the number and any extension after #, e.g. (02)2345-6789#123.",
    )


def validate_landline(s: str) -> str:
    """A landline in the display form ``(02)2345-6789#123``, validated by ``phonenumbers`` (region TW).

    The display form is the area code in brackets, then the subscriber number grouped the way
    libphonenumber groups Taiwanese numbers joined by ``-``, then ``#`` and the extension if any.
    It is also what the store keeps, because the counter never dials it.
    """
    text = _nfkc(s)
    number_part, sep, ext = text.partition("#")
    ext = ext.strip()
    if sep and not ext:
        sep = ""  # a trailing '#' with nothing after it is a slip, not an extension
    if sep and (not ext.isascii() or not ext.isdigit() or len(ext) > _MAX_EXTENSION_DIGITS):
        raise _landline_error(
            f"分機號碼應為 1–{_MAX_EXTENSION_DIGITS} 位數字",
            f"The extension must be 1–{_MAX_EXTENSION_DIGITS} digits.",
        )
    # Imported here: phonenumbers is slow to import (``python -X importtime``) and only this field needs it.
    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType

    landline_types = {
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.VOIP,  # 070 numbers are sold as home phones
    }
    compact = re.sub(r"[\s\-().]", "", number_part)
    if compact and compact[0] not in "0+" and not compact.startswith("886"):
        raise _landline_error("市話請加上區碼", "Add the area code to the landline number.")
    try:
        parsed = phonenumbers.parse(number_part, "TW")
    except phonenumbers.NumberParseException:
        raise _landline_error("市話號碼格式錯誤", "The landline number is not a phone number.") from None
    kind = phonenumbers.number_type(parsed)
    if parsed.country_code != 886 or not phonenumbers.is_valid_number(parsed):
        raise _landline_error("市話號碼格式錯誤，查無此區碼或號碼長度不符",
                              "The landline number is not valid: unknown area code or wrong length.")
    if kind == PhoneNumberType.MOBILE:
        raise _landline_error("這是行動電話號碼，請填在「行動電話」欄",
                              "This is a mobile number: type it in the mobile field.")
    if kind not in landline_types:
        raise _landline_error(
            "此號碼不是一般市話（例如免付費電話），請輸入住家或公司電話",
            "This is not an ordinary landline (e.g. toll-free); give a home or work number.",
        )
    area, *groups = phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL).split()
    display = f"({area}){'-'.join(groups)}"
    return f"{display}#{ext}" if sep else display


# --- e-mail ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactForm:
    """Contact data as the clerk typed it at the counter (F2 and F7), each field as text ('' = left
    empty), before checking."""

    mobile: str = ""
    landline: str = ""
    email: str = ""
    backup_email: str = ""
    household_no: str = ""


@dataclass(frozen=True, slots=True)
class EmailCheck:
    """A syntactically acceptable address, with advice the clerk should pass on if any."""

    address: str
    warning: str | None = None
    warning_en: str | None = None


def is_microsoft_domain(domain: str) -> bool:
    domain = domain.lower().rstrip(".")
    if domain in _MICROSOFT_DOMAINS or any(domain.endswith("." + d) for d in _MICROSOFT_DOMAINS):
        return True
    brand, _, suffix = domain.partition(".")
    # Only brand + a public suffix (hotmail.com, live.com.tw, outlook.co.uk) is Microsoft's;
    # live.nhi.gov.tw or outlook.example.com belong to someone else.
    parts = suffix.split(".")
    return brand in _MICROSOFT_BRANDS and 1 <= len(parts) <= 2 and all(1 <= len(p) <= 3 for p in parts)


def _email_error(field: str, message: str, message_en: str) -> ValidationError:
    return ValidationError(
        field, message, "請確認後重新輸入，例如 name@example.com.tw",
        message_en=message_en, action_en="Check it and type it again, e.g. name@example.com.tw.",
    )


def validate_email(s: str, field: str = "email") -> EmailCheck:
    """Syntax check (no DNS): ASCII local part and domain, a dot in the domain, a letter TLD.

    Returns the address with the domain lower-cased (the local part is kept as typed, since it
    may be case-sensitive), plus the seeds' warning for Microsoft domains. ``field`` lets the
    backup address report errors as ``backup_email``.
    """
    address = _nfkc(s)
    if not address:
        raise _email_error(field, "請輸入電子郵件信箱", "Enter an e-mail address.")
    if not address.isascii() or any(c.isspace() for c in address):
        raise _email_error(field, "電子郵件信箱只能使用英文字母、數字及符號，不可有空白",
                           "The e-mail address may only use ASCII letters, digits and symbols, no spaces.")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise _email_error(field, "電子郵件信箱格式錯誤：缺少 @ 或帳號、網域",
                           "The e-mail address needs a name, an @ and a domain.")
    domain = domain.lower()
    labels = domain.split(".")
    if (len(local) > 64 or len(address) > 254 or not _EMAIL_LOCAL_RE.fullmatch(local)
            or len(labels) < 2 or not all(_EMAIL_LABEL_RE.fullmatch(label) for label in labels)
            or not _EMAIL_TLD_RE.fullmatch(labels[-1])):
        raise _email_error(field, "電子郵件信箱格式錯誤", "The e-mail address is not valid.")
    normalised = f"{local}@{domain}"
    if is_microsoft_domain(domain):
        return EmailCheck(normalised, MICROSOFT_MAIL_WARNING, MICROSOFT_MAIL_WARNING_EN)
    return EmailCheck(normalised)


# --- the contact policy (F2 and F7) ----------------------------------------------------------

# (zh, en) advice to pass on to the citizen; never a reason to refuse.
Advice = tuple[str, str]

# Seed 000: 本項行動電話將作為未來行動裝置之認證使用，請務必輸入 — advised, not required.
MOBILE_ADVICE: Advice = ("未填行動電話：行動電話將作為未來行動裝置之認證使用，建議填寫",
                         "No mobile number: it is used later to verify mobile devices; we advise giving one.")


def _email_advice(check: EmailCheck) -> Advice | None:
    return (check.warning, check.warning_en or check.warning) if check.warning else None


def check_backup_email(primary: str, backup: str) -> None:
    """``ValidationError`` on ``backup_email`` when the backup address is the primary one again."""
    if backup.strip() and primary.strip() and _nfkc(backup).lower() == _nfkc(primary).lower():
        raise ValidationError("backup_email", "備用電子郵件與主要電子郵件相同",
                              "請填寫另一個信箱，或留空",
                              message_en="The backup e-mail is the same as the primary one.",
                              action_en="Give a different address or leave it empty.")


def check_contact_field(name: str, value: str, *, primary_email: str = "") -> tuple[str | None, Advice | None]:
    """One field's canonical value (None when left empty) and its advice, or ``ValidationError``.

    The primary e-mail is required; everything else may be left empty. An empty mobile number and
    a Microsoft address are advised against (seeds 000/001) but never refused. The backup e-mail
    must differ from ``primary_email``.
    """
    text = value.strip()
    if name == "mobile":
        return (validate_mobile(text), None) if text else (None, MOBILE_ADVICE)
    if name == "landline":
        return (validate_landline(text) if text else None), None
    if name == "email":
        if not _nfkc(text):
            raise ValidationError("email", "請輸入電子郵件信箱（主要信箱必填）", "例如 name@example.com.tw",
                                  message_en="The primary e-mail address is required.",
                                  action_en="For example name@example.com.tw.")
        check = validate_email(text, "email")
        return check.address, _email_advice(check)
    if name == "backup_email":
        if not text:
            return None, None
        check = validate_email(text, "backup_email")
        check_backup_email(primary_email, check.address)
        return check.address, _email_advice(check)
    if name == "household_no":
        return (validate_household_number(text) if text else None), None
    raise ValueError(f"unknown contact field {name!r}")
