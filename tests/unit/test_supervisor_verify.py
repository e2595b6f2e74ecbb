"""The fast chain walk (and its helper process) gives exactly the answer of the plain walk."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from data.audit import GENESIS_HASH, _entry_hash, canonical_json, chain_head, subject_key, verify_chain
from data.store import open_store, ts
from kiosk.core.clock import TAIPEI

N = 3000
START = datetime(2026, 11, 1, 8, 0, tzinfo=TAIPEI)


def _build(path: Path, n: int = N) -> None:
    open_store(path).close()
    rows, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        # Nulls, escapes and non-ASCII in turn, so every branch of the inline canonical text runs.
        staff_no = None if seq % 7 == 0 else f"S{seq % 5:03d}"
        role = None if seq % 11 == 0 else "clerk"
        counter = None if seq % 13 == 0 else "3"
        subject = '甄○康 "quoted" \\ back\ttab' if seq % 17 == 0 else "A123****89"
        key = None if seq % 3 == 0 else subject_key("A123456789")
        detail = None if seq % 4 == 0 else canonical_json({"n": seq, "note": "換行\n"})
        at = ts(START + timedelta(seconds=seq))
        digest = _entry_hash(prev, seq, at, staff_no, role, counter, "register", subject, key, "ok", detail)
        rows.append((seq, at, staff_no, role, counter, "register", subject, key, "ok", detail, prev, digest))
        prev = digest
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executemany("INSERT INTO audit_log (seq, at, staff_no, role, counter, action, subject, subject_key, "
                     "outcome, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()


def _tamper(path: Path, *sql: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for statement in sql:
        conn.execute(statement)
    conn.close()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "kiosk.db"
    _build(p)
    return p


def _both(path: Path, **kw: object):  # type: ignore[no-untyped-def]
    serial = verify_chain(path, parallel=False, **kw)  # type: ignore[arg-type]
    split = verify_chain(path, parallel=True, **kw)  # type: ignore[arg-type]
    assert split == serial
    return serial


def test_intact_log_verifies_the_same_both_ways_with_progress(path: Path) -> None:
    calls: list[tuple[int, int]] = []
    result = verify_chain(path, lambda d, t: calls.append((d, t)), parallel=True)
    assert result.ok and result.checked == N
    assert calls[-1] == (N, N)
    assert _both(path).ok


# The helper takes seq >= 1 + 2999 // 2 = 1500.
@pytest.mark.parametrize(
    ("statements", "bad_seq", "words"),
    [
        (["UPDATE audit_log SET outcome = 'refused' WHERE seq = 40"], 40, "altered"),
        (["UPDATE audit_log SET subject = 'B123****00' WHERE seq = 2500"], 2500, "altered"),
        (["UPDATE audit_log SET detail = '{\"n\": 1700}' WHERE seq = 1501"], 1501, "altered"),
        (["DELETE FROM audit_log WHERE seq = 1500"], 1500, "missing"),
        (["DELETE FROM audit_log WHERE seq = 1499"], 1499, "missing"),
        (["UPDATE audit_log SET prev_hash = 'x' || substr(prev_hash, 2) WHERE seq = 1500"], 1500, "follow"),
        (["UPDATE audit_log SET prev_hash = 'x' || substr(prev_hash, 2) WHERE seq = 2999"], 2999, "follow"),
        (["UPDATE audit_log SET at = 12345 WHERE seq = 2222"], 2222, "altered"),
        (["UPDATE audit_log SET action = 42 WHERE seq = 10"], 10, "altered"),
    ],
)
def test_tampering_is_found_at_the_same_entry_both_ways(path: Path, statements: list[str], bad_seq: int,
                                                         words: str) -> None:
    _tamper(path, *statements)
    result = _both(path)
    assert not result.ok and result.first_bad_seq == bad_seq
    assert words in result.reason_en
    assert result.checked == bad_seq - 1


def test_anchor_checks_agree_both_ways(path: Path) -> None:
    store = open_store(path)
    head = chain_head(store)
    store.close()
    assert _both(path, anchor=head).ok
    assert _both(path, anchor=(1800, head[1])).first_bad_seq == 1800  # anchor in the helper's part
    _tamper(path, f"DELETE FROM audit_log WHERE seq > {N - 5}")
    cut = _both(path, anchor=head)
    assert not cut.ok and "cut" in cut.reason_en


def test_a_helper_that_dies_is_replaced_by_walking_here(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import data.audit_verify as walker

    real: Callable[..., object] = walker.subprocess.Popen

    def broken(args: list[str], **kw: object) -> object:
        return real([args[0], "-c", "import sys; sys.exit(3)"], **kw)

    monkeypatch.setattr(walker.subprocess, "Popen", broken)
    result = verify_chain(path, parallel=True)
    assert result.ok and result.checked == N


def test_no_helper_at_all_still_verifies_here(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import data.audit_verify as walker

    def refuse(*_args: object, **_kw: object) -> object:
        raise OSError("no processes left")

    monkeypatch.setattr(walker.subprocess, "Popen", refuse)
    calls: list[int] = []
    result = verify_chain(path, lambda done, _total: calls.append(done), parallel=True)
    assert result.ok and result.checked == N and calls[-1] == N
