"""`kiosk audit verify` as a supervisor runs it: exit 0 on an intact log, 1 naming the first bad entry."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from data.audit import append_audit
from data.store import open_store
from tests.conftest import FROZEN_AT


def _kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.db"
    store = open_store(path)
    with store.transaction():
        for n in range(1, 6):
            append_audit(store, at=FROZEN_AT, staff_no="S001", role="clerk", counter="01", action="login",
                         subject=f"staff S001 #{n}", outcome="ok")
    store.close()
    return path


def _tamper(path: Path, *statements: str) -> None:
    # Behind the kiosk's back, as someone with the sqlite3 shell would: drop the guards, then edit.
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_intact_log_exits_0(logged: Path) -> None:
    result = _kiosk("--db", str(logged), "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "5 entries verified" in result.stdout


@pytest.mark.parametrize(("statements", "bad_seq"), [
    (("UPDATE audit_log SET outcome = 'refused' WHERE seq = 3",), 3),
    (("DELETE FROM audit_log WHERE seq = 2",), 2),  # named as missing
    (("UPDATE audit_log SET subject = 'x' WHERE seq = 1",), 1),
])
def test_tampered_log_exits_1_naming_the_first_bad_entry(logged: Path, statements: tuple[str, ...],
                                                         bad_seq: int) -> None:
    _tamper(logged, *statements)
    result = _kiosk("--db", str(logged), "audit", "verify")
    assert result.returncode == 1
    assert f"BROKEN at entry {bad_seq}" in result.stdout


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = _kiosk("--db", str(tmp_path / "none.db"), "audit", "verify")
    assert result.returncode == 1
    assert "database not found" in result.stderr
    assert not (tmp_path / "none.db").exists()
