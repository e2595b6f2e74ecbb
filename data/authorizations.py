"""Authorizations a virtual-card holder grants to family or carers (授權, seed 002).

Many-to-many between IDs. An active authorization past its end date is shown as expired when the
caller passes ``today``; the row itself is not rewritten by a read.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date, datetime

from data.store import Store, day, not_found, now_or_system, parse_day, ts
from kiosk.core.errors import KioskError
from kiosk.core.models import Authorization, AuthorizationState

_COLUMNS = "id, code, grantor_id, grantee_id, starts_on, ends_on, state"


def _authorization(row: sqlite3.Row, today: date | None) -> Authorization:
    auth = Authorization(
        id=row["id"],
        code=row["code"],
        grantor_id=row["grantor_id"],
        grantee_id=row["grantee_id"],
        starts_on=parse_day(row["starts_on"]),
        ends_on=parse_day(row["ends_on"]),
        state=AuthorizationState(row["state"]),
    )
    if today is not None and auth.state is AuthorizationState.ACTIVE and auth.ends_on < today:
        return dataclasses.replace(auth, state=AuthorizationState.EXPIRED)
    return auth


def get_authorization(store: Store, auth_id: int, *, today: date | None = None) -> Authorization | None:
    row = store.one(f"SELECT {_COLUMNS} FROM authorizations WHERE id = ?", (auth_id,))
    return None if row is None else _authorization(row, today)


def list_granted(store: Store, national_id: str, *, today: date | None = None) -> list[Authorization]:
    rows = store.all(
        f"SELECT {_COLUMNS} FROM authorizations WHERE grantor_id = ? ORDER BY starts_on DESC, id DESC",
        (national_id,),
    )
    return [_authorization(r, today) for r in rows]


def list_received(store: Store, national_id: str, *, today: date | None = None) -> list[Authorization]:
    rows = store.all(
        f"SELECT {_COLUMNS} FROM authorizations WHERE grantee_id = ? ORDER BY starts_on DESC, id DESC",
        (national_id,),
    )
    return [_authorization(r, today) for r in rows]


def create_authorization(
    store: Store, code: str, grantor_id: str, grantee_id: str, starts_on: date, ends_on: date
) -> Authorization:
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise ValueError(f"authorization code must be 6 digits, got {code!r}")
    with store.transaction():
        cursor = store.execute(
            "INSERT INTO authorizations (code, grantor_id, grantee_id, starts_on, ends_on, state) "
            "VALUES (?, ?, ?, ?, ?, 'active')",
            (code, grantor_id, grantee_id, day(starts_on), day(ends_on)),
        )
        assert cursor.lastrowid is not None
        auth = get_authorization(store, cursor.lastrowid)
        assert auth is not None
        return auth


def cancel_authorization(store: Store, auth_id: int, *, now: datetime | None = None) -> Authorization:
    """Cancel one active authorization; anything else raises ``KioskError``."""
    with store.transaction():
        auth = get_authorization(store, auth_id)
        if auth is None:
            raise not_found("授權", "authorization")
        if auth.state is not AuthorizationState.ACTIVE:
            raise KioskError(
                "此授權已非生效中，無需取消",
                "請重新查詢授權清單",
                message_en=f"This authorization is already {auth.state.value}.",
                action_en="Refresh the list of authorizations.",
            )
        store.execute(
            "UPDATE authorizations SET state = 'cancelled', cancelled_at = ? WHERE id = ?",
            (ts(now_or_system(now)), auth_id),
        )
        return dataclasses.replace(auth, state=AuthorizationState.CANCELLED)


def cancel_all_granted(store: Store, national_id: str, *, now: datetime | None = None) -> int:
    """Cancel every active authorization the ID granted (card revoked, deregistration)."""
    return _cancel_where(store, "grantor_id", national_id, now)


def cancel_all_received(store: Store, national_id: str, *, now: datetime | None = None) -> int:
    """Cancel every active authorization the ID received (its holder can no longer act on them)."""
    return _cancel_where(store, "grantee_id", national_id, now)


def _cancel_where(store: Store, column: str, national_id: str, now: datetime | None) -> int:
    with store.transaction():
        cursor = store.execute(
            f"UPDATE authorizations SET state = 'cancelled', cancelled_at = ? "
            f"WHERE {column} = ? AND state = 'active'",
            (ts(now_or_system(now)), national_id),
        )
        return cursor.rowcount
