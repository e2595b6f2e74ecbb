"""Counter staff accounts: who may sign in, with which role, and their PIN lockout counter.

PINs arrive already hashed (salted, slow) from ``kiosk.core.secrets_hash``; this module only stores
the text it is given and never sees a PIN.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from data.store import Store, not_found, ts
from kiosk.core.errors import ValidationError
from kiosk.core.models import Role, Staff

_COLUMNS = "staff_no, name, role, enabled, failed_logins, locked"


def _staff(row: sqlite3.Row) -> Staff:
    return Staff(
        staff_no=row["staff_no"],
        name=row["name"],
        role=Role(row["role"]),
        enabled=bool(row["enabled"]),
        failed_logins=row["failed_logins"],
        locked=bool(row["locked"]),
    )


def _require(store: Store, staff_no: str) -> Staff:
    staff = get_staff(store, staff_no)
    if staff is None:
        raise not_found(f"員工編號 {staff_no}", f"staff number {staff_no}")
    return staff


def add_staff(store: Store, staff_no: str, name: str, role: Role, pin_hash: str, *, now: datetime) -> Staff:
    with store.transaction():
        if get_staff(store, staff_no) is not None:
            raise ValidationError(
                "staff_no",
                f"員工編號 {staff_no} 已存在",
                "請改用其他員工編號",
                message_en=f"Staff number {staff_no} already exists.",
                action_en="Choose another number.",
            )
        store.execute(
            "INSERT INTO staff (staff_no, name, role, pin_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (staff_no, name, Role(role).value, pin_hash, ts(now)),
        )
        return _require(store, staff_no)


def get_staff(store: Store, staff_no: str) -> Staff | None:
    row = store.one(f"SELECT {_COLUMNS} FROM staff WHERE staff_no = ?", (staff_no,))
    return None if row is None else _staff(row)


def get_pin_hash(store: Store, staff_no: str) -> str | None:
    row = store.one("SELECT pin_hash FROM staff WHERE staff_no = ?", (staff_no,))
    return None if row is None else str(row["pin_hash"])


def list_staff(store: Store) -> list[Staff]:
    return [_staff(r) for r in store.all(f"SELECT {_COLUMNS} FROM staff ORDER BY staff_no")]


def count_staff(store: Store, *, role: Role | None = None, enabled_only: bool = False) -> int:
    sql = "SELECT count(*) FROM staff WHERE 1 = 1"
    params: list[str] = []
    if role is not None:
        sql += " AND role = ?"
        params.append(Role(role).value)
    if enabled_only:
        sql += " AND enabled = 1"
    row = store.one(sql, params)
    return int(row[0]) if row else 0


def _update(store: Store, staff_no: str, assignments: str, params: tuple[object, ...]) -> Staff:
    with store.transaction():
        _require(store, staff_no)
        store.execute(f"UPDATE staff SET {assignments} WHERE staff_no = ?", (*params, staff_no))
        return _require(store, staff_no)


def set_enabled(store: Store, staff_no: str, enabled: bool) -> Staff:
    return _update(store, staff_no, "enabled = ?", (int(enabled),))


def set_role(store: Store, staff_no: str, role: Role) -> Staff:
    return _update(store, staff_no, "role = ?", (Role(role).value,))


def set_pin_hash(store: Store, staff_no: str, pin_hash: str) -> Staff:
    return _update(store, staff_no, "pin_hash = ?", (pin_hash,))


def record_login_failure(store: Store, staff_no: str, threshold: int) -> Staff:
    """Count a wrong PIN; the account locks when the count reaches ``threshold``."""
    return _update(
        store,
        staff_no,
        "failed_logins = failed_logins + 1, locked = CASE WHEN failed_logins + 1 >= ? THEN 1 ELSE locked END",
        (threshold,),
    )


def reset_login_failures(store: Store, staff_no: str) -> Staff:
    return _update(store, staff_no, "failed_logins = 0", ())


def unlock_staff(store: Store, staff_no: str) -> Staff:
    return _update(store, staff_no, "locked = 0, failed_logins = 0", ())
