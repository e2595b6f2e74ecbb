"""Online-service accounts, one row per national ID.

A person who never registered has no row: ``get_account`` returns None and the services treat that
as 未註冊. Registering again after deregistration reuses the person's row. Which state change is
allowed is decided by ``kiosk.core.models.account_transition`` in the service, not here.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from data.store import Store, not_found, now_or_system, parse_ts_or_none, ts, ts_or_none
from kiosk.core.errors import ValidationError
from kiosk.core.models import Account, AccountState, Contact, DeregistrationReason

_COLUMNS = (
    "national_id, name, state, mobile, landline, email, backup_email, household_no, "
    "failed_passwords, registered_at, registered_via, batch_unit"
)


def _account(row: sqlite3.Row) -> Account:
    return Account(
        national_id=row["national_id"],
        name=row["name"],
        state=AccountState(row["state"]),
        contact=Contact(
            mobile=row["mobile"],
            landline=row["landline"],
            email=row["email"],
            backup_email=row["backup_email"],
            household_no=row["household_no"],
        ),
        failed_passwords=row["failed_passwords"],
        registered_at=parse_ts_or_none(row["registered_at"]),
        registered_via=row["registered_via"],
        batch_unit=row["batch_unit"],
    )


def get_account(store: Store, national_id: str) -> Account | None:
    row = store.one(f"SELECT {_COLUMNS} FROM accounts WHERE national_id = ?", (national_id,))
    return None if row is None else _account(row)


def _require(store: Store, national_id: str) -> Account:
    account = get_account(store, national_id)
    if account is None:
        raise not_found("帳號", "account")
    return account


def create_account(
    store: Store,
    national_id: str,
    name: str,
    *,
    state: AccountState,
    now: datetime,
    password_hash: str | None = None,
    contact: Contact | None = None,
    registered_at: datetime | None = None,
    registered_via: str | None = None,
    batch_unit: str | None = None,
) -> Account:
    """Write a registration. A row left by an earlier deregistration is overwritten; any other
    existing row is refused, because that person is already registered or pending."""
    contact = contact or Contact()
    values = (
        name,
        AccountState(state).value,
        password_hash,
        contact.mobile,
        contact.landline,
        contact.email,
        contact.backup_email,
        contact.household_no,
        ts_or_none(registered_at),
        registered_via,
        batch_unit,
        ts(now),
    )
    with store.transaction():
        existing = get_account(store, national_id)
        if existing is None:
            store.execute(
                "INSERT INTO accounts (name, state, password_hash, mobile, landline, email, backup_email, "
                "household_no, registered_at, registered_via, batch_unit, updated_at, national_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, national_id),
            )
        elif existing.state in (AccountState.UNREGISTERED, AccountState.DEREGISTERED):
            store.execute(
                "UPDATE accounts SET name = ?, state = ?, password_hash = ?, mobile = ?, landline = ?, "
                "email = ?, backup_email = ?, household_no = ?, registered_at = ?, registered_via = ?, "
                "batch_unit = ?, updated_at = ?, failed_passwords = 0, deregistration_reason = NULL "
                "WHERE national_id = ?",
                (*values, national_id),
            )
        else:
            raise ValidationError(
                "national_id",
                "此身分證號已有註冊資料，不可重複註冊",
                "請改用帳號維護作業",
                message_en="This ID already has a registration.",
                action_en="Use account maintenance instead.",
            )
        return _require(store, national_id)


def _update(
    store: Store, national_id: str, assignments: str, params: tuple[object, ...], now: datetime | None
) -> Account:
    with store.transaction():
        _require(store, national_id)
        store.execute(
            f"UPDATE accounts SET {assignments}, updated_at = ? WHERE national_id = ?",
            (*params, ts(now_or_system(now)), national_id),
        )
        return _require(store, national_id)


def set_state(
    store: Store,
    national_id: str,
    state: AccountState,
    *,
    now: datetime | None = None,
    reason: DeregistrationReason | None = None,
) -> Account:
    """Store a new state; ``reason`` is kept only for deregistration and cleared otherwise."""
    kept_reason = (
        DeregistrationReason(reason).value if reason and state is AccountState.DEREGISTERED else None
    )
    return _update(
        store,
        national_id,
        "state = ?, deregistration_reason = ?",
        (AccountState(state).value, kept_reason),
        now,
    )


def deregistration_reason(store: Store, national_id: str) -> DeregistrationReason | None:
    row = store.one("SELECT deregistration_reason FROM accounts WHERE national_id = ?", (national_id,))
    if row is None or row[0] is None:
        return None
    return DeregistrationReason(row[0])


def set_password_hash(
    store: Store, national_id: str, password_hash: str, *, now: datetime | None = None
) -> Account:
    """A new password also clears the wrong-password count (the lockout's reason is gone)."""
    return _update(store, national_id, "password_hash = ?, failed_passwords = 0", (password_hash,), now)


def get_password_hash(store: Store, national_id: str) -> str | None:
    row = store.one("SELECT password_hash FROM accounts WHERE national_id = ?", (national_id,))
    return None if row is None or row[0] is None else str(row[0])


def set_failed_passwords(
    store: Store, national_id: str, count: int, *, now: datetime | None = None
) -> Account:
    return _update(store, national_id, "failed_passwords = ?", (count,), now)


def update_contact(
    store: Store, national_id: str, contact: Contact, *, now: datetime | None = None
) -> Account:
    return _update(
        store,
        national_id,
        "mobile = ?, landline = ?, email = ?, backup_email = ?, household_no = ?",
        (contact.mobile, contact.landline, contact.email, contact.backup_email, contact.household_no),
        now,
    )


def count_accounts(store: Store, state: AccountState | None = None) -> int:
    if state is None:
        row = store.one("SELECT count(*) FROM accounts")
    else:
        row = store.one("SELECT count(*) FROM accounts WHERE state = ?", (AccountState(state).value,))
    return int(row[0]) if row else 0
