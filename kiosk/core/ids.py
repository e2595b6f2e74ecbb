"""Identifiers: national ID, resident certificate numbers, NHI card number, household number.

The checksum catches most typing slips, so the counter refuses an ID before any lookup instead of
searching for a person who cannot exist.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from kiosk.core.errors import ValidationError

IdKind = Literal["national", "resident_old", "resident_new"]

# The letter codes are not alphabetical: I, O, W..Z were added after the others were assigned.
LETTER_CODES: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34,
    "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25,
    "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}

# Old resident certificates put a letter where the sex digit goes; it counts as its code's units.
_OLD_RESIDENT_SECOND = {"A": 0, "B": 1, "C": 2, "D": 3}

_NATIONAL_RE = re.compile(r"[A-Z][12][0-9]{8}")
_RESIDENT_OLD_RE = re.compile(r"[A-Z][A-D][0-9]{8}")
_RESIDENT_NEW_RE = re.compile(r"[A-Z][89][0-9]{8}")

# Weights for: letter tens, letter units, second character, the seven middle digits, check digit.
_WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)

_CARD_NUMBER_RE = re.compile(r"[0-9]{12}")
_HOUSEHOLD_RE = re.compile(r"[A-Z][A-Z0-9]{7}")

_ID_ACTION = "請核對身分證明文件後重新輸入"
_ID_ACTION_EN = "Check the identity document and type it again."


def _normalise(s: str) -> str:
    # NFKC because Chinese input methods may type full-width letters and digits (Ａ１２３).
    return unicodedata.normalize("NFKC", s).strip().upper()


def _kind_of_format(s: str) -> IdKind | None:
    if _NATIONAL_RE.fullmatch(s):
        return "national"
    if _RESIDENT_OLD_RE.fullmatch(s):
        return "resident_old"
    if _RESIDENT_NEW_RE.fullmatch(s):
        return "resident_new"
    return None


def _checksum_ok(s: str) -> bool:
    """Weighted sum over an ID already known to match one of the three formats."""
    code = LETTER_CODES[s[0]]
    second = _OLD_RESIDENT_SECOND[s[1]] if s[1] in _OLD_RESIDENT_SECOND else int(s[1])
    digits = [code // 10, code % 10, second, *(int(c) for c in s[2:])]
    return sum(w * d for w, d in zip(_WEIGHTS, digits, strict=True)) % 10 == 0


def check_digit(prefix: str) -> str:
    """The check digit completing a 9-character ID prefix (used by demo data and tests)."""
    prefix = _normalise(prefix)
    for digit in "0123456789":
        candidate = prefix + digit
        if _kind_of_format(candidate) is not None and _checksum_ok(candidate):
            return digit
    raise ValueError(f"no valid check digit for prefix {prefix!r}")


def validate_national_id(s: str) -> str:
    """The ID normalised (stripped, upper case), or ``ValidationError`` naming the failed rule.

    Accepts national IDs and both resident certificate formats, because the same field takes
    whatever number the citizen's document carries.
    """
    norm = _normalise(s)
    if not norm:
        raise ValidationError(
            "national_id", "請輸入身分證號或居留證號", _ID_ACTION,
            message_en="Enter the national ID or resident certificate number.", action_en=_ID_ACTION_EN,
        )
    if _kind_of_format(norm) is None:
        raise ValidationError(
            "national_id",
            "身分證號格式錯誤：應為 1 個英文字母加 9 個數字（居留證第 2 碼可為 A–D 或 8、9）",
            _ID_ACTION,
            message_en=(
                "The ID number has the wrong format: one letter then 9 digits "
                "(resident certificates may have A–D, 8 or 9 as the 2nd character)."
            ),
            action_en=_ID_ACTION_EN,
        )
    if not _checksum_ok(norm):
        raise ValidationError(
            "national_id", "身分證號檢查碼錯誤，此號碼不存在", _ID_ACTION,
            message_en="The ID number fails its checksum: no such number exists.", action_en=_ID_ACTION_EN,
        )
    return norm


def is_valid_id(s: str) -> bool:
    try:
        validate_national_id(s)
    except ValidationError:
        return False
    return True


def id_kind(s: str) -> IdKind:
    """Which document family a valid ID belongs to; ``ValidationError`` if it is not valid."""
    kind = _kind_of_format(validate_national_id(s))
    assert kind is not None  # validate_national_id already refused every other format
    return kind


def validate_card_number(s: str) -> str:
    """An NHI card number: 12 ASCII digits. It has no public checksum, so only the shape is checked."""
    norm = unicodedata.normalize("NFKC", s).strip()
    if not _CARD_NUMBER_RE.fullmatch(norm):
        raise ValidationError(
            "card_number", "健保卡號應為 12 位數字", "請核對健保卡正面的卡號",
            message_en="The NHI card number must be 12 digits.",
            action_en="Check the number printed on the front of the card.",
        )
    return norm


def validate_household_number(s: str) -> str:
    """A household number (戶號): 8 characters, a letter first, then letters or digits; upper case."""
    norm = _normalise(s)
    if not _HOUSEHOLD_RE.fullmatch(norm):
        raise ValidationError(
            "household_no", "戶號格式錯誤：應為 8 碼，第 1 碼為英文字母，其餘為英文字母或數字",
            "請參考戶口名簿封面左上角的號碼",
            message_en="The household number must be 8 characters: a letter, then letters or digits.",
            action_en="It is printed at the top left of the household certificate's cover.",
        )
    return norm
