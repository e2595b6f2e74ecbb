"""The append-only, hash-chained audit log.

Each entry's ``hash`` is ``sha256(prev_hash || canonical_json(entry))`` (hex, UTF-8), where the
entry is ``{seq, at, staff_no, role, counter, action, subject, subject_key, outcome, detail}``
serialised with sorted keys, no whitespace and ``ensure_ascii=False``; the first entry's
``prev_hash`` is 64 zeros. ``subject_key`` is in the hash as well, so nobody can quietly re-point an
entry at another person's ID search. Triggers refuse UPDATE and DELETE, and the chain catches what
gets past them (someone who drops the triggers or edits the file): an edited, deleted or reordered
entry breaks the chain at the first entry that differs from what was written.

What the chain cannot show: entries cut off the *end* of the log leave a shorter chain that is still
valid. The remedy is an anchor kept outside the database: ``chain_head()`` gives ``(seq, hash)`` to
print on the daily summary or copy elsewhere, and ``verify_chain(..., anchor=...)`` then proves the
log still reaches that entry unchanged.

Entries are appended inside the transaction of the change they record (``BEGIN IMMEDIATE`` holds
the write lock), so two processes appending at once still form one unbroken chain.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from data.store import Store, parse_ts, ts
from kiosk.core.masking import scrub

GENESIS_HASH = "0" * 64

_canonical_encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_string = json.encoder.encode_basestring

# Keys that would put a secret in the log. The log is read by supervisors and exported; a password,
# PIN or hash of one must never reach it, even by a careless caller.
_SECRET_KEY = re.compile(r"(^|_)(pass(word|wd)?|pwd|pin|secret|hash)($|_)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    staff_no: str | None
    role: str | None
    counter: str | None
    action: str
    subject: str  # masked, e.g. A123****89
    outcome: str
    detail: dict[str, Any] | None
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int  # entries found intact before the first bad one (all of them when ok)
    first_bad_seq: int | None
    reason: str  # Traditional Chinese, for the screen
    reason_en: str = ""


def subject_key(national_id: str) -> str:
    """The searchable stand-in for a full ID: SHA-256 of the ID, upper-cased.

    Unsalted on purpose, so a supervisor can type an ID and find its entries. It keeps full IDs out
    of the log text and its exports; it is not secrecy: the ID space is small enough to enumerate.
    """
    return hashlib.sha256(national_id.strip().upper().encode("ascii", "replace")).hexdigest()


def canonical_json(entry: dict[str, Any]) -> str:
    return _canonical_encoder.encode(entry)


def _reject_secrets(value: Any, path: str = "detail") -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if _SECRET_KEY.search(str(key)):
                raise ValueError(f"audit {path} must not carry secrets, got key {key!r}")
            _reject_secrets(inner, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_secrets(item, path)


def _scrubbed(value: Any) -> Any:
    """``value`` with every full ID or card number in its text masked (file names typed by a
    supervisor, device names a citizen chose: anything free-form may hold one)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def _opt(value: str | None) -> str:
    return "null" if value is None else str(_string(value))


def _entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    staff_no: str | None,
    role: str | None,
    counter: str | None,
    action: str,
    subject: str,
    key: str | None,
    outcome: str,
    detail_text: str | None,
) -> str:
    # Written out by hand, in sorted key order, because this runs once per entry during
    # verification. ``detail_text`` is already canonical JSON (it was stored that way), so splicing
    # it in equals serialising the whole entry with ``canonical_json``; a test holds the two equal.
    text = (
        f'{{"action":{_string(action)},"at":{_string(at)},"counter":{_opt(counter)},'
        f'"detail":{"null" if detail_text is None else detail_text},"outcome":{_string(outcome)},'
        f'"role":{_opt(role)},"seq":{seq},"staff_no":{_opt(staff_no)},"subject":{_string(subject)},'
        f'"subject_key":{_opt(key)}}}'
    )
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def append_audit(
    store: Store,
    *,
    at: datetime,
    staff_no: str | None,
    role: str | None,
    counter: str | None,
    action: str,
    subject: str,
    outcome: str,
    detail: dict[str, Any] | None = None,
    subject_id: str | None = None,
) -> int:
    """Append one entry and return its ``seq``.

    Call it inside the service's ``store.transaction()`` so the entry and the change commit
    together; called alone it opens its own transaction. ``subject_id`` is the full ID, stored only
    as ``subject_key``; ``subject`` is the masked text people read.
    """
    if detail is not None:
        _reject_secrets(detail)
        detail = _scrubbed(detail)
    # The log is append-only: a full ID that got in could never be taken out again.
    subject = scrub(subject)
    staff_no = None if staff_no is None else scrub(staff_no)
    detail_text = None if detail is None else canonical_json(detail)
    key = None if subject_id is None else subject_key(subject_id)
    role_text = None if role is None else str(role)
    at_text = ts(at)
    with store.transaction():
        last = store.one("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        seq, prev_hash = (1, GENESIS_HASH) if last is None else (int(last[0]) + 1, str(last[1]))
        digest = _entry_hash(
            prev_hash, seq, at_text, staff_no, role_text, counter, action, subject, key, outcome, detail_text
        )
        store.execute(
            "INSERT INTO audit_log (seq, at, staff_no, role, counter, action, subject, subject_key, outcome, "
            "detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                at_text,
                staff_no,
                role_text,
                counter,
                action,
                subject,
                key,
                outcome,
                detail_text,
                prev_hash,
                digest,
            ),
        )
        return seq


def chain_head(store: Store) -> tuple[int, str]:
    """``(seq, hash)`` of the newest entry, ``(0, GENESIS_HASH)`` for an empty log: the anchor."""
    row = store.one("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def count_audit(store: Store) -> int:
    row = store.one("SELECT count(*) FROM audit_log")
    return int(row[0]) if row else 0


_ENTRY_COLUMNS = "seq, at, staff_no, role, counter, action, subject, outcome, detail, prev_hash, hash"


def _entry(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        seq=row["seq"],
        at=parse_ts(row["at"]),
        staff_no=row["staff_no"],
        role=row["role"],
        counter=row["counter"],
        action=row["action"],
        subject=row["subject"],
        outcome=row["outcome"],
        detail=None if row["detail"] is None else json.loads(row["detail"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def query_audit(
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    staff_no: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    subject_id: str | None = None,
    before_seq: int | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    """One page of entries, newest first. ``since`` is inclusive, ``until`` exclusive; the next page
    is ``before_seq=page[-1].seq`` (keyset paging: stable while new entries arrive)."""
    where: list[str] = []
    params: list[Any] = []
    for clause, value in (
        ("at >= ?", None if since is None else ts(since)),
        ("at < ?", None if until is None else ts(until)),
        ("staff_no = ?", staff_no),
        ("action = ?", action),
        ("outcome = ?", outcome),
        ("subject_key = ?", None if subject_id is None else subject_key(subject_id)),
        ("seq < ?", before_seq),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = f"SELECT {_ENTRY_COLUMNS} FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    params.append(limit)
    return [_entry(r) for r in store.all(sql + " ORDER BY seq DESC LIMIT ?", params)]


# --- verification -----------------------------------------------------------------------------


def verify_chain(
    store_or_path: Store | str | Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    anchor: tuple[int, str] | None = None,
    parallel: bool | None = None,
) -> VerifyResult:
    """Walk the log in ``seq`` order and report the first entry that breaks the chain.

    ``progress(done, total)`` is called every few thousand entries and at the end. ``anchor`` is a
    ``chain_head()`` recorded earlier: with it, a log cut short (or rebuilt) after that point is
    caught too. ``parallel`` forces the helper process on or off (default: on for long logs on a
    machine with more than one core); the answer is the same either way. The walk itself lives in
    ``data.audit_verify`` (a hot loop and a helper process; imported here lazily).
    """
    from data.audit_verify import verify

    return verify(store_or_path, progress, anchor=anchor, parallel=parallel)
