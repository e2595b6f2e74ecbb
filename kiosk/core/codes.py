"""One-time codes: device verification codes (裝置認證碼) and authorization codes (授權碼).

All randomness comes from ``secrets``: a guessable code would let anyone bind a device to
someone else's NHI account.
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import datetime, timedelta

VERIFICATION_CODE_LENGTH = 8
# Drawn without look-alikes (0/O/o, 1/l/I): a citizen typing the code from paper must not have to guess.
LOOK_ALIKES = frozenset("0Oo1lI")
VERIFICATION_CODE_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in LOOK_ALIKES)
DEFAULT_CODE_LIFETIME_MINUTES = 10
AUTHORIZATION_CODE_LENGTH = 6

_VERIFICATION_RE = re.compile(r"[A-Za-z0-9]{8}")


def is_verification_code(code: str) -> bool:
    """Whether ``code`` has the shape of a device verification code (``R17b63g9``)."""
    return (
        _VERIFICATION_RE.fullmatch(code) is not None
        and any(c.isupper() for c in code)
        and any(c.islower() for c in code)
        and any(c.isdigit() for c in code)
    )


def new_verification_code() -> str:
    """8 characters from ``[A-Za-z0-9]`` less the look-alikes ``0Oo1lI``, with at least one upper
    case letter, one lower, one digit.

    Drawn uniformly and redrawn until the mix holds, so every acceptable code is equally likely
    (about 3 draws in 4 succeed at once).
    """
    while True:
        code = "".join(secrets.choice(VERIFICATION_CODE_ALPHABET) for _ in range(VERIFICATION_CODE_LENGTH))
        if is_verification_code(code):
            return code


def code_expiry(now: datetime, minutes: int = DEFAULT_CODE_LIFETIME_MINUTES) -> datetime:
    """When a code made at ``now`` stops working; the lifetime is a setting, 10 minutes by default."""
    if minutes <= 0:
        raise ValueError(f"code lifetime must be positive, got {minutes} minutes")
    return now + timedelta(minutes=minutes)


def new_authorization_code() -> str:
    """6 digits, leading zeros kept."""
    return f"{secrets.randbelow(10**AUTHORIZATION_CODE_LENGTH):0{AUTHORIZATION_CODE_LENGTH}d}"
