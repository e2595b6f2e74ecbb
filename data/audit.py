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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from data.store import Store, parse_ts, translate_errors, ts
from kiosk.core.errors import StoreError

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


@contextmanager
def _reader(store_or_path: Store | str | Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection of its own, so a long check never holds up the counter's writes."""
    path = store_or_path.path if isinstance(store_or_path, Store) else Path(store_or_path)
    if path is None:
        assert isinstance(store_or_path, Store)
        yield store_or_path.conn  # in-memory store: there is no file to open twice
        return
    if not path.exists():
        raise StoreError(
            f"找不到資料庫檔案：{path}",
            "請確認資料庫路徑",
            message_en=f"The database file does not exist: {path}",
            action_en="Check the database path.",
        )
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def verify_chain(
    store_or_path: Store | str | Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    anchor: tuple[int, str] | None = None,
) -> VerifyResult:
    """Walk the log in ``seq`` order and report the first entry that breaks the chain.

    ``progress(done, total)`` is called every few thousand entries and at the end. ``anchor`` is a
    ``chain_head()`` recorded earlier: with it, a log cut short (or rebuilt) after that point is
    caught too.
    """
    with translate_errors(), _reader(store_or_path) as conn:
        conn.execute("BEGIN")  # one snapshot for the count and the walk
        try:
            return _walk(conn, progress, anchor)
        finally:
            conn.execute("ROLLBACK")


def _walk(
    conn: sqlite3.Connection, progress: Callable[[int, int], None] | None, anchor: tuple[int, str] | None
) -> VerifyResult:
    total = int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    cursor = conn.execute(
        "SELECT seq, at, staff_no, role, counter, action, subject, subject_key, outcome, "
        "detail, prev_hash, hash FROM audit_log ORDER BY seq"
    )
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    anchor_seen = False
    entry_hash = _entry_hash
    while rows := cursor.fetchmany(4096):
        for (
            seq,
            at,
            staff_no,
            role,
            counter,
            action,
            subject,
            key,
            outcome,
            detail,
            prev_hash,
            stored,
        ) in rows:
            if seq != expected_seq:
                return _bad(
                    checked,
                    expected_seq,
                    f"第 {expected_seq} 筆紀錄遺失（下一筆為第 {seq} 筆）",
                    f"Entry {expected_seq} is missing (the next one is {seq}).",
                )
            if prev_hash != expected_prev:
                return _bad(
                    checked,
                    seq,
                    f"第 {seq} 筆的前一筆雜湊不符：其前的紀錄被刪除、調換或改寫",
                    f"Entry {seq} does not follow the entry before it: an entry was removed, "
                    "reordered or rewritten.",
                )
            computed = entry_hash(
                prev_hash, seq, at, staff_no, role, counter, action, subject, key, outcome, detail
            )
            if computed != stored:
                return _bad(checked, seq, f"第 {seq} 筆紀錄內容已被修改", f"Entry {seq} was altered.")
            if anchor is not None and seq == anchor[0]:
                if computed != anchor[1]:
                    return _bad(
                        checked,
                        seq,
                        f"第 {seq} 筆與先前記下的錨點不符：紀錄已被重建",
                        f"Entry {seq} differs from the recorded anchor: the log was rebuilt.",
                    )
                anchor_seen = True
            expected_prev, expected_seq = computed, seq + 1
            checked += 1
        if progress is not None:
            progress(checked, total)
    if anchor is not None and anchor[0] > 0 and not anchor_seen:
        return _bad(
            checked,
            expected_seq,
            f"紀錄只到第 {expected_seq - 1} 筆，但錨點為第 {anchor[0]} 筆：結尾的紀錄被刪除",
            f"The log ends at entry {expected_seq - 1} but the anchor is entry {anchor[0]}: "
            "entries were cut from the end.",
        )
    if progress is not None and total == 0:
        progress(0, 0)
    return VerifyResult(
        ok=True,
        checked=checked,
        first_bad_seq=None,
        reason=f"稽核紀錄完整，共 {checked} 筆",
        reason_en=f"The audit log is intact: {checked} entries.",
    )


def _bad(checked: int, seq: int, reason: str, reason_en: str) -> VerifyResult:
    return VerifyResult(ok=False, checked=checked, first_bad_seq=seq, reason=reason, reason_en=reason_en)
