"""Mobile devices bound to a national ID (行動裝置管理作業, seed 004).

One ID may bind many devices but only one is enabled at a time; enabling one disables the others in
the same transaction, and a partial unique index refuses any write that would leave two enabled.
Unbinding keeps the row (with ``unbound_at``): seed 004's list records every device ever bound, so
``device_history`` shows it with its state and when; ``list_devices`` gives the ones still bound.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from data.store import Store, not_found, now_or_system, parse_ts, parse_ts_or_none, ts, ts_or_none
from kiosk.core.errors import ValidationError
from kiosk.core.models import DeviceBinding

_COLUMNS = "id, national_id, device_id, name, bound_at, last_used_at, enabled, unbound_at"


def _binding(row: sqlite3.Row) -> DeviceBinding:
    return DeviceBinding(
        id=row["id"],
        national_id=row["national_id"],
        device_id=row["device_id"],
        name=row["name"],
        bound_at=parse_ts(row["bound_at"]),
        last_used_at=parse_ts_or_none(row["last_used_at"]),
        enabled=bool(row["enabled"]),
        unbound_at=parse_ts_or_none(row["unbound_at"]),
    )


def list_devices(store: Store, national_id: str) -> list[DeviceBinding]:
    """Every device still bound to the ID, enabled or not, newest binding first."""
    rows = store.all(
        f"SELECT {_COLUMNS} FROM devices WHERE national_id = ? AND unbound_at IS NULL "
        "ORDER BY bound_at DESC, id DESC",
        (national_id,),
    )
    return [_binding(r) for r in rows]


def device_history(store: Store, national_id: str) -> list[DeviceBinding]:
    """Every device ever bound to the ID (seed 004): the bound ones first, newest binding first,
    then the unbound ones, most recently unbound first."""
    rows = store.all(
        f"SELECT {_COLUMNS} FROM devices WHERE national_id = ? "
        "ORDER BY unbound_at IS NOT NULL, unbound_at DESC, bound_at DESC, id DESC",
        (national_id,),
    )
    return [_binding(r) for r in rows]


def get_device(store: Store, binding_id: int, *, include_unbound: bool = False) -> DeviceBinding | None:
    where = "id = ?" if include_unbound else "id = ? AND unbound_at IS NULL"
    row = store.one(f"SELECT {_COLUMNS} FROM devices WHERE {where}", (binding_id,))
    return None if row is None else _binding(row)


def _require(store: Store, binding_id: int) -> DeviceBinding:
    binding = get_device(store, binding_id)
    if binding is None:
        raise not_found("裝置綁定紀錄（可能已解除綁定）", "device binding (it may have been unbound)")
    return binding


def bind_device(
    store: Store,
    national_id: str,
    device_id: str,
    name: str,
    *,
    now: datetime,
    enabled: bool = True,
    last_used_at: datetime | None = None,
) -> DeviceBinding:
    """Bind a device; when ``enabled`` it becomes the ID's one enabled device."""
    with store.transaction():
        taken = store.one(
            "SELECT 1 FROM devices WHERE national_id = ? AND device_id = ? AND unbound_at IS NULL",
            (national_id, device_id),
        )
        if taken is not None:
            raise ValidationError(
                "device_id",
                "此裝置已綁定於這個身分證號",
                "請直接啟用該裝置",
                message_en="This device is already bound to this ID.",
                action_en="Enable that device instead.",
            )
        if enabled:
            _disable_all(store, national_id)
        cursor = store.execute(
            "INSERT INTO devices (national_id, device_id, name, bound_at, last_used_at, enabled) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (national_id, device_id, name, ts(now), ts_or_none(last_used_at), int(enabled)),
        )
        assert cursor.lastrowid is not None
        return _require(store, cursor.lastrowid)


def enable_device(store: Store, binding_id: int) -> DeviceBinding:
    """Enable one device and disable every other device of the same ID."""
    with store.transaction():
        binding = _require(store, binding_id)
        _disable_all(store, binding.national_id)
        store.execute("UPDATE devices SET enabled = 1 WHERE id = ?", (binding_id,))
        return _require(store, binding_id)


def disable_device(store: Store, binding_id: int) -> DeviceBinding:
    with store.transaction():
        _require(store, binding_id)
        store.execute("UPDATE devices SET enabled = 0 WHERE id = ?", (binding_id,))
        return _require(store, binding_id)


def unbind_device(store: Store, binding_id: int, *, now: datetime | None = None) -> DeviceBinding:
    """Unbind the device (the row stays, with ``unbound_at``); returns the binding as it was."""
    with store.transaction():
        binding = _require(store, binding_id)
        store.execute(
            "UPDATE devices SET enabled = 0, unbound_at = ? WHERE id = ?",
            (ts(now_or_system(now)), binding_id),
        )
        return binding


def disable_all_devices(store: Store, national_id: str) -> int:
    """Disable every device of the ID (deregistration); returns how many were enabled."""
    with store.transaction():
        return _disable_all(store, national_id)


def _disable_all(store: Store, national_id: str) -> int:
    cursor = store.execute(
        "UPDATE devices SET enabled = 0 WHERE national_id = ? AND enabled = 1", (national_id,)
    )
    return cursor.rowcount
