"""Verifying the audit chain fast: the walk behind ``data.audit.verify_chain``.

A long log is mostly the cost of turning rows into Python values (about 12 columns × ~150 ns
here), then SHA-256; so the loop does as little else as it can (the canonical text written inline,
``checked`` derived from ``seq``, small fetches, memory-mapped reads), and above
``PARALLEL_MIN_ENTRIES`` a helper process walks the second part on another core. Whatever is
unusual goes to ``_diagnose``, which applies the rules one by one and words the finding, so the
answer (first bad entry, reason, count checked) is the same as a plain entry-by-entry walk.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.audit import GENESIS_HASH, VerifyResult, _entry_hash, _string
from data.store import Store, translate_errors
from kiosk.core.errors import StoreError

# Above this many entries the walk is split with one helper process: turning rows into Python
# values costs more than hashing them, so a second core nearly halves a long check. Below it the
# helper's start-up (a fresh interpreter's imports) is not worth paying.
PARALLEL_MIN_ENTRIES = 300_000
# Small fetches keep each batch in the CPU cache (faster than large ones: bench/audit); progress every _TICK.
_BATCH, _TICK = 256, 4096
_SEQ_MIN, _SEQ_MAX = -(2**63), 2**63 - 1
_VERIFY_SQL = (
    "SELECT seq, at, staff_no, role, counter, action, subject, subject_key, outcome, detail, prev_hash, hash "
    "FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq"
)


@dataclass
class _Chain:
    """Where a walk stands: the entry it expects next, and what it has seen so far."""

    prev: str
    seq: int
    checked: int = 0
    anchor_seen: bool = False


@contextmanager
def _reader(store_or_path: Store | str | Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection of its own, so a long check never holds up the counter's writes."""
    path = _path_of(store_or_path)
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
        # Memory-mapped reads skip a copy per page: about a fifth off a long walk.
        conn.execute("PRAGMA mmap_size = 1073741824")
        yield conn
    finally:
        conn.close()


def _path_of(store_or_path: Store | str | Path) -> Path | None:
    return store_or_path.path if isinstance(store_or_path, Store) else Path(store_or_path)


def verify(
    store_or_path: Store | str | Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    anchor: tuple[int, str] | None = None,
    parallel: bool | None = None,
) -> VerifyResult:
    """``data.audit.verify_chain``: see there."""
    with translate_errors(), _reader(store_or_path) as conn:
        conn.execute("BEGIN")  # one snapshot for the count and the walk
        try:
            total, high = conn.execute("SELECT count(*), max(seq) FROM audit_log").fetchone()
            total = int(total)
            path = _path_of(store_or_path)
            if parallel is None:
                parallel = total >= PARALLEL_MIN_ENTRIES and (os.cpu_count() or 1) > 1
            chain = _Chain(GENESIS_HASH, 1)
            if parallel and path is not None and total >= 2:
                bad = _walk_split(conn, path, chain, int(high), total, progress, anchor)
            else:
                tick = None if progress is None else (lambda done: progress(done, total))
                bad = _walk(conn, _SEQ_MIN, _SEQ_MAX, chain, anchor, tick)
        finally:
            conn.execute("ROLLBACK")
    if bad is not None:
        return bad
    if anchor is not None and anchor[0] > 0 and not chain.anchor_seen:
        return _bad(
            chain.checked,
            chain.seq,
            f"紀錄只到第 {chain.seq - 1} 筆，但錨點為第 {anchor[0]} 筆：結尾的紀錄被刪除",
            f"The log ends at entry {chain.seq - 1} but the anchor is entry {anchor[0]}: "
            "entries were cut from the end.",
        )
    if progress is not None and total == 0:
        progress(0, 0)
    return VerifyResult(
        ok=True,
        checked=chain.checked,
        first_bad_seq=None,
        reason=f"稽核紀錄完整，共 {chain.checked} 筆",
        reason_en=f"The audit log is intact: {chain.checked} entries.",
    )


def _walk(
    conn: sqlite3.Connection,
    low: int,
    high: int,
    chain: _Chain,
    anchor: tuple[int, str] | None,
    tick: Callable[[int], None] | None,
) -> VerifyResult | None:
    """Check entries ``low..high`` continuing ``chain`` (updated as it goes); the first break, or None.

    The hot loop: the canonical text of ``_entry_hash`` is written inline (no call per field, no
    dict) and ``checked`` is derived from ``seq``; anything unusual goes to ``_diagnose``, which
    holds the exact rules and wording.
    """
    cursor = conn.execute(_VERIFY_SQL, (low, high))
    enc, sha = _string, hashlib.sha256
    anchor_seq, anchor_hash = anchor if anchor is not None else (None, "")
    expected_prev, expected_seq = chain.prev, chain.seq
    next_tick = chain.checked + _TICK
    row: Any = None
    try:
        while rows := cursor.fetchmany(_BATCH):
            for row in rows:
                (seq, at, staff_no, role, counter, action, subject, key, outcome, detail, prev_hash,
                 stored) = row
                if seq != expected_seq or prev_hash != expected_prev:
                    break
                computed = sha(
                    f'{prev_hash}{{"action":{enc(action)},"at":{enc(at)},'
                    f'"counter":{"null" if counter is None else enc(counter)},'
                    f'"detail":{"null" if detail is None else detail},"outcome":{enc(outcome)},'
                    f'"role":{"null" if role is None else enc(role)},"seq":{seq},'
                    f'"staff_no":{"null" if staff_no is None else enc(staff_no)},"subject":{enc(subject)},'
                    f'"subject_key":{"null" if key is None else enc(key)}}}'.encode()
                ).hexdigest()
                if computed != stored:
                    break
                if seq == anchor_seq:
                    if computed != anchor_hash:
                        break
                    chain.anchor_seen = True
                expected_prev, expected_seq = computed, seq + 1
            else:
                chain.checked += expected_seq - chain.seq
                chain.prev, chain.seq = expected_prev, expected_seq
                if tick is not None and chain.checked >= next_tick:
                    tick(chain.checked)
                    next_tick = chain.checked + _TICK
                continue
            # Every check above is one of _diagnose's, so it finds this entry broken and says why.
            chain.checked += expected_seq - chain.seq
            chain.prev, chain.seq = expected_prev, expected_seq
            return _diagnose(tuple(row), chain, anchor)
    except TypeError:
        # A value of the wrong type (text turned into a number, NULL where text belongs) cannot
        # have been written by append_audit.
        chain.checked += expected_seq - chain.seq
        seq = expected_seq if row is None else row[0]
        return _bad(chain.checked, seq, f"第 {seq} 筆紀錄內容已被修改", f"Entry {seq} was altered.")
    if tick is not None and chain.checked + _TICK != next_tick:
        tick(chain.checked)
    return None


def _diagnose(row: tuple[Any, ...], chain: _Chain, anchor: tuple[int, str] | None) -> VerifyResult | None:
    """The rules, in order, for one entry the fast loop stopped at; passes it on (None) if it is fine."""
    seq, at, staff_no, role, counter, action, subject, key, outcome, detail, prev_hash, stored = row
    checked = chain.checked
    if seq != chain.seq:
        return _bad(
            checked,
            chain.seq,
            f"第 {chain.seq} 筆紀錄遺失（下一筆為第 {seq} 筆）",
            f"Entry {chain.seq} is missing (the next one is {seq}).",
        )
    if prev_hash != chain.prev:
        return _bad(
            checked,
            seq,
            f"第 {seq} 筆的前一筆雜湊不符：其前的紀錄被刪除、調換或改寫",
            f"Entry {seq} does not follow the entry before it: an entry was removed, "
            "reordered or rewritten.",
        )
    computed = _entry_hash(prev_hash, seq, at, staff_no, role, counter, action, subject, key, outcome, detail)
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
        chain.anchor_seen = True
    chain.prev, chain.seq, chain.checked = computed, seq + 1, checked + 1
    return None


def _walk_split(
    conn: sqlite3.Connection,
    path: Path,
    chain: _Chain,
    high: int,
    total: int,
    progress: Callable[[int, int], None] | None,
    anchor: tuple[int, str] | None,
) -> VerifyResult | None:
    """This process checks the first part while a helper process checks the rest from where it
    claims to start; then the two must join: the helper's first entry has to follow our last.

    The helper is a fresh interpreter running only this module (not ``multiprocessing``, which
    would re-run the caller's main script, and not fork, which is unsafe in a threaded app). It
    starts late (its imports) but does nothing else, so an even split finishes together.
    """
    first = int(conn.execute("SELECT min(seq) FROM audit_log").fetchone()[0])
    split = first + (high - first) // 2
    root = str(Path(__file__).resolve().parent.parent)
    code = (f"import sys; sys.path.insert(0, {root!r}); from data.audit_verify import _verify_part; "
            "_verify_part(sys.argv[1:])")
    args = [str(path), str(split), str(high), *(map(str, anchor) if anchor else ())]
    try:
        helper = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE)
    except OSError:  # no interpreter to start (embedded, or out of processes): walk it all here
        tick_all = None if progress is None else (lambda done: progress(done, total))
        return _walk(conn, _SEQ_MIN, high, chain, anchor, tick_all)
    assert helper.stdout is not None
    fd = helper.stdout.fileno()
    os.set_blocking(fd, False)
    pending = b""
    helper_checked, result = 0, None

    def drain() -> None:
        nonlocal pending, helper_checked, result
        try:
            pending += os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.startswith(b"p "):
                helper_checked = int(line[2:])
            elif line.startswith(b"r "):
                result = json.loads(line[2:])

    def tick(done: int) -> None:
        drain()
        if progress is not None:
            progress(done + helper_checked, total)

    try:
        bad = _walk(conn, _SEQ_MIN, split - 1, chain, anchor, tick)
        if bad is not None:
            return bad
        os.set_blocking(fd, True)
        while result is None and helper.poll() is None:
            tick(chain.checked)
        drain()
    finally:
        if helper.poll() is None:
            helper.kill()
        helper.wait()
        helper.stdout.close()
    if result is None:
        # The helper died (killed, out of memory): finish the walk here rather than guess.
        return _walk(conn, split, high, chain, anchor, None if progress is None else tick)
    if result["start"] is None:  # nothing at or after the split point
        return None
    start_seq, start_prev = result["start"]
    if start_seq != chain.seq or start_prev != chain.prev:
        return _diagnose((start_seq, *(None,) * 9, start_prev, None), chain, None)
    if result["bad"] is not None:
        checked, seq, reason, reason_en = result["bad"]
        return _bad(chain.checked + checked, seq, reason, reason_en)
    chain.prev, chain.seq, checked, anchor_seen = result["end"]
    chain.checked += checked
    chain.anchor_seen = chain.anchor_seen or anchor_seen
    if progress is not None:
        progress(chain.checked, total)
    return None


def _verify_part(argv: list[str]) -> None:
    """The helper process: walk ``low..high`` trusting only its first entry's ``prev_hash``; report
    progress (``p N``) and the outcome (``r {json}``) on stdout."""
    path, low, high = argv[0], int(argv[1]), int(argv[2])
    anchor = (int(argv[3]), argv[4]) if len(argv) > 3 else None
    out = sys.stdout
    with _reader(path) as conn:
        conn.execute("BEGIN")
        head = conn.execute(
            "SELECT seq, prev_hash FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT 1",
            (low, high),
        ).fetchone()
        result: dict[str, Any] = {"start": None if head is None else [head[0], head[1]], "bad": None,
                                  "end": None}
        if head is not None:
            chain = _Chain(str(head[1]), int(head[0]))

            def tick(checked: int) -> None:
                out.write(f"p {checked}\n")
                out.flush()

            bad = _walk(conn, low, high, chain, anchor, tick)
            if bad is not None:
                result["bad"] = [bad.checked, bad.first_bad_seq, bad.reason, bad.reason_en]
            result["end"] = [chain.prev, chain.seq, chain.checked, chain.anchor_seen]
        conn.execute("ROLLBACK")
    out.write(f"r {json.dumps(result)}\n")
    out.flush()


def _bad(checked: int, seq: int, reason: str, reason_en: str) -> VerifyResult:
    return VerifyResult(ok=False, checked=checked, first_bad_seq=seq, reason=reason, reason_en=reason_en)
