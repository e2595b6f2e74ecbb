"""Masks for personal data on receipts, screens turned to the public, and log lines.

Every function accepts anything (empty, short, malformed) and never raises: a mask is applied on
the way to a printer or a log, where an exception would lose the receipt or the entry. Odd input
is masked at least as hard as well-formed input.
"""

from __future__ import annotations

import re

from kiosk.core.contact import validate_mobile
from kiosk.core.errors import ValidationError

ID_MASK_CHAR = "*"
NAME_MASK_CHAR = "○"
_ID_LENGTH = 10
_CARD_NUMBER_LENGTH = 12

# Any national or resident ID shape, checksum or not: a mistyped ID is still someone's data.
_ID_IN_TEXT = re.compile(r"[A-Za-z][12A-Da-d89][0-9]{8}")
# Exactly 12 digits standing alone: the shape of an NHI card number.
_CARD_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def mask_id(national_id: str) -> str:
    """``A123456789`` → ``A123****89``: the first 4 and last 2 characters stay.

    The one rule for a national or resident ID on every screen, receipt and log line, the
    citizen's own or a grantee's.

    Anything that is not 10 characters long keeps only its first character, since the rule's
    positions mean nothing for it.
    """
    s = national_id.strip()
    if len(s) == _ID_LENGTH:
        return s[:4] + ID_MASK_CHAR * 4 + s[-2:]
    return s[:1] + ID_MASK_CHAR * (len(s) - 1)


def mask_name(name: str) -> str:
    """Keep the first and last character, mask the middle: ``甄環康`` → ``甄○康``, ``王明`` → ``王○``."""
    # The card pads names with NULs; one left in would be kept as the "last character".
    s = name.replace("\x00", "").strip()
    if len(s) <= 1:
        return s
    if len(s) == 2:
        return s[0] + NAME_MASK_CHAR
    return s[0] + NAME_MASK_CHAR * (len(s) - 2) + s[-1]


def mask_card_number(card_number: str) -> str:
    """``000012345678`` → ``********5678``; the last 4 stay because the app asks for them.

    A string that is not a 12-character card number is masked entirely.
    """
    s = card_number.strip()
    if len(s) == _CARD_NUMBER_LENGTH:
        return ID_MASK_CHAR * (len(s) - 4) + s[-4:]
    return ID_MASK_CHAR * len(s)


def mask_mobile(mobile: str) -> str:
    """``0912345678`` (any accepted form) → ``(0912)-***678``."""
    try:
        m = validate_mobile(mobile)
    except ValidationError:
        return ID_MASK_CHAR * len(mobile.strip())
    return f"({m[:4]})-{ID_MASK_CHAR * 3}{m[-3:]}"


def _mask_digits_but_last(text: str, keep: int) -> str:
    """Every digit but the last ``keep`` becomes ``*``; separators stay, so the shape is familiar."""
    total = sum(c.isdigit() for c in text)
    out, seen = [], 0
    for c in text:
        if c.isdigit():
            seen += 1
            out.append(c if seen > total - keep else ID_MASK_CHAR)
        else:
            out.append(c)
    return "".join(out)


def mask_landline(landline: str) -> str:
    """``(02)2345-6789#123`` → ``(02)****-*789#***``: the area code and the number's last 3 digits.

    The extension is masked whole. Anything not in the stored form ``(area)number[#ext]`` keeps at
    most its last 3 digits, and none when it has fewer than 6.
    """
    s = landline.strip()
    if s.startswith("(") and ")" in s:
        area, _, rest = s[1:].partition(")")
        number, sep, ext = rest.partition("#")
        if area.isdigit() and sum(c.isdigit() for c in number) > 3:
            return f"({area}){_mask_digits_but_last(number, 3)}{sep}{ID_MASK_CHAR * len(ext)}"
    digits = sum(c.isdigit() for c in s)
    return _mask_digits_but_last(s, 3 if digits >= 6 else 0)


def mask_household_no(household_no: str) -> str:
    """``FB123456`` → ``*****456``: the last 3 characters stay; 3 or fewer are masked whole."""
    s = household_no.strip()
    if len(s) <= 3:
        return ID_MASK_CHAR * len(s)
    return ID_MASK_CHAR * (len(s) - 3) + s[-3:]


def mask_email(email: str) -> str:
    """``abcdef@gmail.com`` → ``ab***@gmail.com``; the mask's length never reveals the name's."""
    s = email.strip()
    local, at, domain = s.rpartition("@")
    if not at:
        local, domain = s, ""
    if len(local) >= 4:
        shown = local[:2]
    elif len(local) >= 2:
        shown = local[:1]
    else:
        shown = ""
    return f"{shown}***{at}{domain}"


def mask_contact_field(field: str, value: str) -> str:
    """A ``Contact`` field's value masked by that kind's one rule, on screens and receipts alike.

    An unknown field is masked like a household number (only the last 3 characters stay).
    """
    if field == "mobile":
        return mask_mobile(value)
    if field in ("email", "backup_email"):
        return mask_email(value)
    if field == "landline":
        return mask_landline(value)
    return mask_household_no(value)


def scrub(text: str) -> str:
    """``text`` with every ID-shaped and card-number-shaped run replaced by its mask.

    Used on anything about to be logged, so a message built carelessly still leaks nothing.
    """
    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)
    return _CARD_IN_TEXT.sub(lambda m: mask_card_number(m.group(0)), text)
