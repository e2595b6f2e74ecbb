"""Device verification codes (裝置認證碼, seeds 002/004): single use, short-lived, one open per ID.

Expiry is a matter of time, not of a write: an open code whose ``expires_at`` has passed is
reported as expired without anyone having to sweep the table.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime

from data.store import Store, parse_ts, ts
from kiosk.core.errors import KioskError
from kiosk.core.models import CodeState, VerificationCode

_COLUMNS = "id, national_id, code, created_at, expires_at, state"


def _code(row: sqlite3.Row, now: datetime | None = None) -> VerificationCode:
    code = VerificationCode(
        id=row["id"],
        national_id=row["national_id"],
        code=row["code"],
        created_at=parse_ts(row["created_at"]),
        expires_at=parse_ts(row["expires_at"]),
        state=CodeState(row["state"]),
    )
    if now is not None and code.state is CodeState.OPEN and now >= code.expires_at:
        return dataclasses.replace(code, state=CodeState.EXPIRED)
    return code


def issue_code(
    store: Store, national_id: str, code: str, created_at: datetime, expires_at: datetime
) -> VerificationCode:
    """Store a new code, voiding any earlier open code of the ID in the same transaction."""
    with store.transaction():
        store.execute(
            "UPDATE verification_codes SET state = 'voided' WHERE national_id = ? AND state = 'open'",
            (national_id,),
        )
        cursor = store.execute(
            "INSERT INTO verification_codes (national_id, code, created_at, expires_at, state) "
            "VALUES (?, ?, ?, ?, 'open')",
            (national_id, code, ts(created_at), ts(expires_at)),
        )
        row = store.one(f"SELECT {_COLUMNS} FROM verification_codes WHERE id = ?", (cursor.lastrowid,))
        assert row is not None
        return _code(row)


def latest_code(store: Store, national_id: str, now: datetime) -> VerificationCode | None:
    """The ID's most recent code in whatever state it is, with lapsed open codes shown as expired."""
    row = store.one(
        f"SELECT {_COLUMNS} FROM verification_codes WHERE national_id = ? "
        "ORDER BY created_at DESC, id DESC LIMIT 1",
        (national_id,),
    )
    return None if row is None else _code(row, now)


def current_code(store: Store, national_id: str, now: datetime) -> VerificationCode | None:
    """The ID's usable code, or None when there is none (never an expired or voided one)."""
    code = latest_code(store, national_id, now)
    return code if code is not None and code.is_valid_at(now) else None


_REFUSALS: dict[CodeState, tuple[str, str]] = {
    CodeState.REDEEMED: ("此裝置認證碼已使用過", "This device code has already been used."),
    CodeState.VOIDED: (
        "此裝置認證碼已作廢（已產生新的認證碼）",
        "This device code was voided (a newer code was issued).",
    ),
    CodeState.EXPIRED: ("此裝置認證碼已逾期", "This device code has expired."),
}


def redeem_code(store: Store, national_id: str, code: str, now: datetime) -> VerificationCode:
    """Use a code once. Unknown, used, voided or expired codes raise ``KioskError``.

    Codes are mixed case (``R17b63g9``), so the comparison is exact.
    """
    with store.transaction():
        row = store.one(
            f"SELECT {_COLUMNS} FROM verification_codes WHERE national_id = ? AND code = ? "
            "ORDER BY created_at DESC, id DESC LIMIT 1",
            (national_id, code),
        )
        if row is None:
            raise KioskError(
                "查無此裝置認證碼",
                "請確認大小寫後重新輸入，或重新產生認證碼",
                message_en="No such device code for this ID.",
                action_en="Check upper and lower case, or issue a new code.",
            )
        found = _code(row, now)
        if found.state is not CodeState.OPEN:
            zh, en = _REFUSALS[found.state]
            raise KioskError(zh, "請重新產生裝置認證碼", message_en=en, action_en="Issue a new device code.")
        store.execute(
            "UPDATE verification_codes SET state = 'redeemed', redeemed_at = ? WHERE id = ?",
            (ts(now), found.id),
        )
        return dataclasses.replace(found, state=CodeState.REDEEMED)


def void_codes(store: Store, national_id: str) -> int:
    """Void every open code of the ID (deregistration); returns how many."""
    with store.transaction():
        cursor = store.execute(
            "UPDATE verification_codes SET state = 'voided' WHERE national_id = ? AND state = 'open'",
            (national_id,),
        )
        return cursor.rowcount
