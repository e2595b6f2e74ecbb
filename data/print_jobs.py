"""The receipt print queue. A job is stored before it is sent, so a printer that is off, out of
paper or hangs up loses nothing: the job stays queued with its attempts and last error until it is
sent or a clerk cancels it. ``payload`` is the finished ESC/POS bytes; ``preview_png`` the image.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from data.store import Store, not_found, parse_ts, parse_ts_or_none, ts
from kiosk.core.errors import KioskError


class PrintJobState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by one counter and on its way to the printer
    SENT = "sent"
    FAILED = "failed"  # given up on; ``mark_failed(..., final=True)``
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PrintJob:
    id: int
    created_at: datetime
    kind: str
    staff_no: str | None
    txn_no: str | None
    payload: bytes
    preview_png: bytes | None
    preview_text: str | None
    counter: str | None
    state: PrintJobState
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    print_mode: str | None = None  # 'raster', 'big5' or 'raster (Big5 fallback: …)'; None before v5


_COLUMNS = (
    "id, created_at, kind, staff_no, txn_no, payload, preview_png, preview_text, counter, state, attempts, "
    "last_error, sent_at, print_mode"
)


def _job(row: sqlite3.Row) -> PrintJob:
    return PrintJob(
        id=row["id"],
        created_at=parse_ts(row["created_at"]),
        kind=row["kind"],
        staff_no=row["staff_no"],
        txn_no=row["txn_no"],
        payload=bytes(row["payload"]),
        preview_png=None if row["preview_png"] is None else bytes(row["preview_png"]),
        preview_text=row["preview_text"],
        counter=row["counter"],
        state=PrintJobState(row["state"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        sent_at=parse_ts_or_none(row["sent_at"]),
        print_mode=row["print_mode"],
    )


def enqueue_job(
    store: Store,
    kind: str,
    staff_no: str | None,
    txn_no: str | None,
    payload: bytes,
    preview_png: bytes | None = None,
    *,
    now: datetime,
    preview_text: str | None = None,
    counter: str | None = None,
    print_mode: str | None = None,
) -> int:
    with store.transaction():
        cursor = store.execute(
            "INSERT INTO print_jobs (created_at, kind, staff_no, txn_no, payload, preview_png, preview_text, "
            "counter, state, print_mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
            (ts(now), kind, staff_no, txn_no, payload, preview_png, preview_text, counter, print_mode),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


def get_job(store: Store, job_id: int) -> PrintJob | None:
    row = store.one(f"SELECT {_COLUMNS} FROM print_jobs WHERE id = ?", (job_id,))
    return None if row is None else _job(row)


def _counter_clause(counter: str | None) -> tuple[str, tuple[str, ...]]:
    # A counter prints its own jobs, and those from before jobs had a counter (NULL).
    if counter is None:
        return "", ()
    return " AND (counter = ? OR counter IS NULL)", (counter,)


def queued_jobs(store: Store, *, counter: str | None = None) -> list[PrintJob]:
    """Jobs waiting for the printer (of ``counter``, if given), oldest first: the order they print."""
    where, params = _counter_clause(counter)
    return [_job(r) for r in store.all(
        f"SELECT {_COLUMNS} FROM print_jobs WHERE state = 'queued'{where} ORDER BY id", params)]


def count_queued(store: Store, *, counter: str | None = None) -> int:
    """Receipts not printed yet: waiting, or on their way to the printer right now."""
    where, params = _counter_clause(counter)
    row = store.one(f"SELECT count(*) FROM print_jobs WHERE state IN ('queued', 'sending'){where}", params)
    return int(row[0]) if row else 0


def claim_job(store: Store, job_id: int) -> PrintJob | None:
    """Take a queued job for sending, atomically: of two counters (or a retry racing a send) only
    one gets it, so a receipt never prints twice. ``None`` if it is no longer queued."""
    with store.transaction():
        cursor = store.execute("UPDATE print_jobs SET state = 'sending' WHERE id = ? AND state = 'queued'",
                               (job_id,))
        return get_job(store, job_id) if cursor.rowcount == 1 else None


def release_claims(store: Store, *, counter: str | None = None) -> int:
    """Put back jobs left 'sending' by a kiosk that stopped mid-send (at start-up). Such a receipt
    may print twice; that is better than one that never prints."""
    where, params = _counter_clause(counter)
    with store.transaction():
        return store.execute(f"UPDATE print_jobs SET state = 'queued' WHERE state = 'sending'{where}",
                             params).rowcount


def last_sent_job(store: Store, *, kind: str | None = None, counter: str | None = None) -> PrintJob | None:
    """The most recently printed job (for 補印 / reprint), at ``counter`` if given."""
    where, params = _counter_clause(counter)
    sql = f"SELECT {_COLUMNS} FROM print_jobs WHERE state = 'sent'{where}"
    if kind is not None:
        sql += " AND kind = ?"
        params = (*params, kind)
    row = store.one(sql + " ORDER BY sent_at DESC, id DESC LIMIT 1", params)
    return None if row is None else _job(row)


def _require_queued(store: Store, job_id: int, *, sending_ok: bool = False) -> PrintJob:
    job = get_job(store, job_id)
    if job is None:
        raise not_found("列印工作", "print job")
    allowed = (PrintJobState.QUEUED, PrintJobState.SENDING) if sending_ok else (PrintJobState.QUEUED,)
    if job.state not in allowed:
        raise KioskError(
            "此列印工作已不在佇列中",
            "請重新整理列印佇列",
            message_en=f"This print job is no longer queued ({job.state.value}).",
            action_en="Refresh the print queue.",
        )
    return job


def mark_sent(store: Store, job_id: int, now: datetime) -> PrintJob:
    with store.transaction():
        _require_queued(store, job_id, sending_ok=True)
        store.execute(
            "UPDATE print_jobs SET state = 'sent', sent_at = ?, attempts = attempts + 1, "
            "last_error = NULL WHERE id = ?",
            (ts(now), job_id),
        )
        job = get_job(store, job_id)
        assert job is not None
        return job


def mark_failed(store: Store, job_id: int, error: str, *, final: bool = False) -> PrintJob:
    """Count a failed attempt (its time is not stored). The job stays queued for a retry unless ``final``."""
    with store.transaction():
        _require_queued(store, job_id, sending_ok=True)
        store.execute(
            "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?, state = ? WHERE id = ?",
            (error, PrintJobState.FAILED.value if final else PrintJobState.QUEUED.value, job_id),
        )
        job = get_job(store, job_id)
        assert job is not None
        return job


def cancel_job(store: Store, job_id: int) -> PrintJob:
    with store.transaction():
        _require_queued(store, job_id)
        store.execute("UPDATE print_jobs SET state = 'cancelled' WHERE id = ?", (job_id,))
        job = get_job(store, job_id)
        assert job is not None
        return job
