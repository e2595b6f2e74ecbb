"""Salted slow hashes for staff PINs and citizen passwords; nothing else about a secret is stored.

Format: ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``, so the cost can be raised later while old
hashes still verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from kiosk.core.errors import ValidationError

SCHEME = "scrypt"
N = 2**14
R = 8
P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# Bounds on parameters read back from storage: a corrupted or hostile row must not make
# verification allocate gigabytes or spin for minutes.
_MAX_N = 2**20
_MAX_R = 32
_MAX_P = 16
_MAXMEM = 256 * 1024 * 1024

_PIN_RE = re.compile(r"[0-9]{4,8}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=dklen)


def hash_secret(secret: str) -> str:
    """A fresh salted scrypt hash of ``secret`` in the stored format."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(secret, salt, N, R, P, HASH_BYTES)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    """Whether ``secret`` matches ``stored``; ``False`` for anything malformed, never an exception."""
    try:
        scheme, n_s, r_s, p_s, salt_s, hash_s = stored.split("$")
        if scheme != SCHEME:
            return False
        n, r, p = int(n_s), int(r_s), int(p_s)
        if not (1 < n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
            return False
        salt = base64.b64decode(salt_s, validate=True)
        expected = base64.b64decode(hash_s, validate=True)
        if not salt or not 16 <= len(expected) <= 64:
            return False
        actual = _scrypt(secret, salt, n, r, p, len(expected))
    except (ValueError, TypeError, binascii.Error, MemoryError, AttributeError):
        return False
    return hmac.compare_digest(actual, expected)


def validate_pin(pin: str) -> str:
    """A staff PIN: 4–8 ASCII digits."""
    norm = pin.strip()
    if not _PIN_RE.fullmatch(norm):
        raise ValidationError(
            "pin", "密碼（PIN）應為 4–8 位數字", "請重新輸入",
            message_en="The PIN must be 4–8 digits.", action_en="Type it again.",
        )
    return norm
