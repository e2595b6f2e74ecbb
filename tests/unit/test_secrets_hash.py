import base64
import re
from datetime import datetime, timedelta

import pytest

from kiosk.core.clock import TAIPEI
from kiosk.core.codes import (
    VERIFICATION_CODE_ALPHABET,
    code_expiry,
    is_verification_code,
    new_authorization_code,
    new_verification_code,
)
from kiosk.core.errors import ValidationError
from kiosk.core.secrets_hash import hash_secret, validate_pin, verify_secret

STORED_RE = re.compile(r"scrypt\$16384\$8\$1\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)")


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_secret("Ab1!xyzw")


def test_format_and_salt(stored):
    match = STORED_RE.fullmatch(stored)
    assert match is not None
    assert len(base64.b64decode(match[1])) == 16
    assert len(base64.b64decode(match[2])) == 32
    assert "Ab1!xyzw" not in stored


def test_verify(stored):
    assert verify_secret("Ab1!xyzw", stored)
    assert not verify_secret("Ab1!xyzW", stored)
    assert not verify_secret("", stored)


def test_salt_differs_per_hash():
    a, b = hash_secret("1234"), hash_secret("1234")
    assert a != b
    assert verify_secret("1234", a) and verify_secret("1234", b)


def test_non_ascii_secret():
    stored = hash_secret("密碼")
    assert verify_secret("密碼", stored)
    assert not verify_secret("密码", stored)


def _with(stored: str, index: int, value: str) -> str:
    parts = stored.split("$")
    parts[index] = value
    return "$".join(parts)


@pytest.mark.parametrize("mangle", [
    lambda s: "",
    lambda s: "garbage",
    lambda s: s + "$extra",
    lambda s: s.rsplit("$", 1)[0],
    lambda s: s.replace("scrypt", "bcrypt"),
    lambda s: _with(s, 1, "abc"),
    lambda s: _with(s, 1, "1000"),  # not a power of two
    lambda s: _with(s, 1, str(2**30)),  # would take far too long and too much memory
    lambda s: _with(s, 1, "-16384"),
    lambda s: _with(s, 2, "0"),
    lambda s: _with(s, 2, "999"),
    lambda s: _with(s, 3, "0"),
    lambda s: _with(s, 4, "!!notbase64"),
    lambda s: _with(s, 4, ""),
    lambda s: _with(s, 5, "%%%"),
    lambda s: _with(s, 5, base64.b64encode(b"short").decode()),
    lambda s: _with(s, 5, base64.b64encode(bytes(32)).decode()),  # well-formed, wrong hash
])
def test_malformed_or_tampered_stored_strings_are_false_not_errors(stored, mangle):
    assert verify_secret("Ab1!xyzw", mangle(stored)) is False


def test_other_cost_parameters_still_verify():
    # A row written with cheaper parameters (or raised ones later) verifies by what it records.
    import hashlib

    salt = bytes(range(16))
    digest = hashlib.scrypt(b"2468", salt=salt, n=2**10, r=8, p=1, dklen=32)
    stored = f"scrypt$1024$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert verify_secret("2468", stored)
    assert not verify_secret("2469", stored)


@pytest.mark.parametrize("pin", ["1234", "12345678", " 0000 "])
def test_valid_pins(pin):
    assert validate_pin(pin) == pin.strip()


@pytest.mark.parametrize("pin", ["", "123", "123456789", "12a4", "12 34", "١٢٣٤"])
def test_invalid_pins(pin):
    with pytest.raises(ValidationError) as exc:
        validate_pin(pin)
    assert exc.value.field == "pin"


# --- one-time codes --------------------------------------------------------------------------


def test_verification_codes_have_the_seed_shape():
    for example in ["R17b63g9", "E19k324F", "De7242jZ"]:
        assert is_verification_code(example)
    for not_code in ["R17B63G9", "r17b63g9", "Abcdefgh", "1234567a", "R17b63g", "R17b63g9x", "R17b-3g9"]:
        assert not is_verification_code(not_code)
    codes = {new_verification_code() for _ in range(500)}
    assert all(is_verification_code(c) for c in codes)
    assert len(codes) == 500  # 62**8 possibilities: a repeat here means the generator is broken


def test_verification_codes_use_the_whole_alphabet():
    """Every letter and digit but the look-alikes (0/O/o, 1/l/I: issue 12 item 7) turns up."""
    seen = set("".join(new_verification_code() for _ in range(400)))
    assert seen == set(VERIFICATION_CODE_ALPHABET)
    assert len(seen) == 62 - len("0Oo1lI")


def test_code_expiry():
    now = datetime(2022, 5, 3, 10, 0, 1, tzinfo=TAIPEI)
    assert code_expiry(now) == now + timedelta(minutes=10)
    assert code_expiry(now, 3) == datetime(2022, 5, 3, 10, 3, 1, tzinfo=TAIPEI)
    for bad in (0, -1):
        with pytest.raises(ValueError):
            code_expiry(now, bad)


def test_authorization_codes():
    codes = [new_authorization_code() for _ in range(300)]
    assert all(re.fullmatch(r"[0-9]{6}", c) for c in codes)
    assert len(set(codes)) > 250
    assert len({c[0] for c in codes}) == 10  # leading zeros are kept, every first digit appears
