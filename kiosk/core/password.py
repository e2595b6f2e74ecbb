"""Registration password rules (seeds 000 and 002).

The same password logs into the web site and the app, so the counter applies the web site's rules
exactly: 6–12 characters; letters, digits and specials; never a space, ``<``, ``>``, ``'`` or ``"``.
Strength is advice shown while typing, never a reason to refuse.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import IntEnum

from kiosk.core.errors import ValidationError

MIN_LENGTH = 6
MAX_LENGTH = 12
FORBIDDEN_CHARS = frozenset(" <>'\"")
# The specials the seeds name; any other printable ASCII symbol that is not forbidden counts too.
SUGGESTED_SPECIALS = "~!@#$%^&*"
STRONG_MIN_LENGTH = 8


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule. ``code`` is stable for tests and screens; the texts are for people."""

    code: str
    zh: str
    en: str


LENGTH = Problem("length", f"註冊密碼長度必需{MIN_LENGTH}-{MAX_LENGTH}碼。",
                 f"The password must be {MIN_LENGTH}–{MAX_LENGTH} characters long.")
FORBIDDEN = Problem("forbidden_char", "特殊符號不可為(空白)、(大於>)、(小於<)、(單引號')、(雙引號\")符號。",
                    "The password may not contain a space, <, >, ' or \".")
NOT_ASCII = Problem("not_ascii",
                    "註冊密碼只能使用英文字母、數字及鍵盤上的特殊符號，不可使用中文、全形字或控制字元。",
                    "Use only English letters, digits and keyboard symbols: no Chinese, full-width or "
                    "control characters.")
MISMATCH = Problem("mismatch", "兩次輸入的註冊密碼不一致。", "The two passwords do not match.")


class Strength(IntEnum):
    WEAK = 1
    MEDIUM = 2
    MEDIUM_STRONG = 3
    STRONG = 4

    @property
    def zh(self) -> str:
        return _STRENGTH_ZH[self]

    @property
    def en(self) -> str:
        return _STRENGTH_EN[self]


_STRENGTH_ZH = {Strength.WEAK: "弱", Strength.MEDIUM: "中", Strength.MEDIUM_STRONG: "中強",
                Strength.STRONG: "強"}
_STRENGTH_EN = {Strength.WEAK: "Weak", Strength.MEDIUM: "Medium", Strength.MEDIUM_STRONG: "Fairly strong",
                Strength.STRONG: "Strong"}

STRONG_HINT = "※強式密碼包含英文大寫、英文小寫、數字、特殊符號(如~!@#$%^&*)混合並且長度8碼以上"
STRONG_HINT_EN = ("A strong password mixes upper-case and lower-case letters, digits and a symbol "
                  "(such as ~!@#$%^&*) and is at least 8 characters long.")


def _is_allowed_char(c: str) -> bool:
    # Printable ASCII is U+0021..U+007E once the space is excluded.
    return "!" <= c <= "~" and c not in FORBIDDEN_CHARS


def password_problems(pw: str) -> list[Problem]:
    """Every rule the password breaks, in the order the screen lists them; empty when acceptable."""
    problems: list[Problem] = []
    if not MIN_LENGTH <= len(pw) <= MAX_LENGTH:
        problems.append(LENGTH)
    if any(c in FORBIDDEN_CHARS for c in pw):
        problems.append(FORBIDDEN)
    if any(not (" " <= c <= "~") for c in pw):
        problems.append(NOT_ASCII)
    return problems


def character_classes(pw: str) -> int:
    """How many of upper case, lower case, digit and symbol the password uses (0–4)."""
    has_upper = any("A" <= c <= "Z" for c in pw)
    has_lower = any("a" <= c <= "z" for c in pw)
    has_digit = any("0" <= c <= "9" for c in pw)
    has_special = any(_is_allowed_char(c) and not c.isalnum() for c in pw)
    return has_upper + has_lower + has_digit + has_special


def strength(pw: str) -> Strength:
    """The meter's reading: 1 class 弱, 2 中, 3 中強, all 4 and at least 8 characters 強."""
    classes = character_classes(pw)
    if classes == 4:
        return Strength.STRONG if len(pw) >= STRONG_MIN_LENGTH else Strength.MEDIUM_STRONG
    if classes == 3:
        return Strength.MEDIUM_STRONG
    if classes == 2:
        return Strength.MEDIUM
    return Strength.WEAK


def check_passwords_match(a: str, b: str) -> Problem | None:
    """``MISMATCH`` when the confirmation differs from the password, else ``None``."""
    # Constant-time so that how long the comparison took says nothing about the typed password.
    if hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8")):
        return None
    return MISMATCH


def typing_problems(pw: str) -> list[Problem]:
    """The rules already broken while the citizen is still typing: a forbidden or non-ASCII
    character, or a 13th character. "Too short" waits until the field is left."""
    return [p for p in password_problems(pw) if p is not LENGTH or len(pw) > MAX_LENGTH]


def password_error(problems: list[Problem]) -> ValidationError:
    """One refusal naming every broken rule, then what to do: one clean sentence per language."""
    return ValidationError(
        "password", "".join(p.zh for p in problems), "請重新輸入註冊密碼。",
        message_en=" ".join(p.en for p in problems), action_en="Type the password again.",
    )


def validate_password(pw: str, confirm: str | None = None) -> str:
    """The password exactly as typed, or ``ValidationError(field="password")`` listing what is wrong.

    Nothing is ever dropped or shortened: a password the rules refuse is refused, never changed
    into one they accept. The message names the rules broken, never the password itself.
    """
    problems = password_problems(pw)
    if confirm is not None and (mismatch := check_passwords_match(pw, confirm)) is not None:
        problems.append(mismatch)
    if problems:
        raise password_error(problems)
    return pw
