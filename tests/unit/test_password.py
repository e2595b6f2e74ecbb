import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.errors import ValidationError
from kiosk.core.password import (
    FORBIDDEN,
    LENGTH,
    MISMATCH,
    NOT_ASCII,
    Strength,
    character_classes,
    check_passwords_match,
    password_problems,
    strength,
    validate_password,
)

ALLOWED = "".join(c for c in string.printable if "!" <= c <= "~" and c not in "<>'\"")


@pytest.mark.parametrize("pw", ["abcdef", "123456", "Ab1!Ab1!Ab1!", "~!@#$%", "a" * 12, "x;y:z|{}[]`\\"])
def test_acceptable_passwords_have_no_problems(pw):
    assert password_problems(pw) == []
    assert validate_password(pw) == pw


@pytest.mark.parametrize("pw", ["", "abcde", "a" * 13, "Ab1!Ab1!Ab1!x"])
def test_length_6_to_12(pw):
    assert password_problems(pw) == [LENGTH]


@pytest.mark.parametrize("bad", [" ", "<", ">", "'", '"'])
def test_forbidden_characters(bad):
    assert password_problems(f"abc{bad}def") == [FORBIDDEN]


@pytest.mark.parametrize("bad", ["密", "é", "\t", "\x00", "\x7f", "ａ"])
def test_non_ascii_and_control_characters_are_refused(bad):
    assert password_problems(f"abc{bad}def") == [NOT_ASCII]


def test_every_broken_rule_is_listed():
    assert password_problems("a <密") == [LENGTH, FORBIDDEN, NOT_ASCII]


def test_problem_texts_are_bilingual_and_use_the_seed_wording():
    assert LENGTH.zh == "註冊密碼長度必需6-12碼。"
    assert "(空白)" in FORBIDDEN.zh and "(大於>)" in FORBIDDEN.zh and "(小於<)" in FORBIDDEN.zh
    for p in (LENGTH, FORBIDDEN, NOT_ASCII, MISMATCH):
        assert p.zh and p.en and p.code


@pytest.mark.parametrize(("pw", "expected"), [
    ("abcdef", Strength.WEAK),
    ("ABCDEF", Strength.WEAK),
    ("123456", Strength.WEAK),
    ("!@#$%^", Strength.WEAK),
    ("", Strength.WEAK),
    ("abc123", Strength.MEDIUM),
    ("abcDEF", Strength.MEDIUM),
    ("abc!@#", Strength.MEDIUM),
    ("ABC123", Strength.MEDIUM),
    ("abcDE1", Strength.MEDIUM_STRONG),
    ("abc12;", Strength.MEDIUM_STRONG),
    ("Ab1!xyz", Strength.MEDIUM_STRONG),  # all four classes but only 7 long
    ("Ab1!xyzw", Strength.STRONG),
    ("Ab1~Ab1~Ab1~", Strength.STRONG),
    ("Ab1;xyzw", Strength.STRONG),  # any allowed symbol counts, not only ~!@#$%^&*
    ("Ab1 xyzw", Strength.MEDIUM_STRONG),  # a space is forbidden, so it is no symbol
])
def test_strength(pw, expected):
    assert strength(pw) is expected


def test_strength_labels():
    assert [s.zh for s in Strength] == ["弱", "中", "中強", "強"]
    assert [s.en for s in Strength] == ["Weak", "Medium", "Fairly strong", "Strong"]
    assert Strength.WEAK < Strength.MEDIUM < Strength.MEDIUM_STRONG < Strength.STRONG


@given(st.text(ALLOWED, max_size=12))
def test_strength_follows_the_class_count(pw):
    classes = character_classes(pw)
    expected = {0: Strength.WEAK, 1: Strength.WEAK, 2: Strength.MEDIUM, 3: Strength.MEDIUM_STRONG}.get(
        classes, Strength.STRONG if len(pw) >= 8 else Strength.MEDIUM_STRONG)
    assert strength(pw) is expected


@given(st.text(ALLOWED, min_size=1, max_size=11), st.sampled_from(ALLOWED))
def test_adding_a_character_never_weakens(pw, extra):
    assert strength(pw + extra) >= strength(pw)


def test_passwords_match():
    assert check_passwords_match("Ab1!xyzw", "Ab1!xyzw") is None
    assert check_passwords_match("Ab1!xyzw", "Ab1!xyzW") is MISMATCH
    assert check_passwords_match("密碼abc", "密碼abd") is MISMATCH
    assert check_passwords_match("", "") is None


def test_validate_password_reports_without_echoing_the_password():
    with pytest.raises(ValidationError) as exc:
        validate_password("Secret1!", confirm="Secret1?")
    assert exc.value.field == "password"
    assert MISMATCH.zh in exc.value.message
    assert "Secret1" not in exc.value.message and "Secret1" not in exc.value.message_en
    with pytest.raises(ValidationError) as exc:
        validate_password("ab<")
    assert LENGTH.zh in exc.value.message and FORBIDDEN.zh in exc.value.message
    assert "6–12" in exc.value.message_en
    assert validate_password("Secret1!", confirm="Secret1!") == "Secret1!"


@pytest.mark.parametrize("pw", ["Pw<12345", "Pw 12345", "Pw'12345", 'Pw"12345', "Pw>12345", "Pw密12345",
                                "Ab1!Ab1!Ab1!x"])
def test_a_forbidden_character_or_a_13th_is_refused_never_dropped(pw):
    """Issue 12 item 1: what was typed is checked as it is; nothing is filtered into a valid password."""
    with pytest.raises(ValidationError):
        validate_password(pw, pw)


@pytest.mark.parametrize(("pw", "confirm"), [("Secret1!", "Secret1?"), ("ab<", "ab<"), ("Pw<12345", "Pw<12345"),
                                             ("a" * 13, "a" * 13), ("a <密", "x")])
def test_the_refusal_reads_as_one_clean_sentence(pw, confirm):
    """Issue 12 item 17: never 「…請重新輸入。，請重新輸入註冊密碼」."""
    with pytest.raises(ValidationError) as exc:
        validate_password(pw, confirm)
    zh, en = exc.value.text("zh_TW"), exc.value.text("en")
    assert "。，" not in zh and "，，" not in zh and zh.count("請重新輸入") == 1 and zh.endswith("。")
    assert ". ;" not in en and ";" not in en and en.lower().count("again") == 1 and en.endswith(".")


def test_mismatch_message_in_both_languages():
    with pytest.raises(ValidationError) as exc:
        validate_password("Secret1!", "Secret1?")
    assert exc.value.text("zh_TW") == "兩次輸入的註冊密碼不一致。請重新輸入註冊密碼。"
    assert exc.value.text("en") == "The two passwords do not match. Type the password again."
