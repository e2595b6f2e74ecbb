"""The store itself: file creation, pragmas, transactions, errors and migrations, on real files."""

from __future__ import annotations

import contextlib
import sqlite3
import stat
import threading
from datetime import datetime
from pathlib import Path

import pytest
import sqlite_utils

from data import accounts, migrations, staff
from data.store import Store, open_memory_store, open_store, parse_ts, ts
from kiosk.core.clock import TAIPEI
from kiosk.core.errors import KioskError, StoreError
from kiosk.core.models import AccountState, Role

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=TAIPEI)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "kiosk.db")
    yield s
    s.close()


def test_open_creates_parent_dir_and_file_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "kiosk.db"
    s = open_store(path)
    staff.add_staff(s, "S001", "陳專員", Role.CLERK, "h", now=NOW)  # forces the -wal file into being
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    wal = path.with_name(path.name + "-wal")
    assert wal.exists()
    assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    assert s.path == path
    s.close()


def test_pragmas_are_set(store: Store) -> None:
    assert store.one("PRAGMA journal_mode")[0] == "wal"
    assert store.one("PRAGMA foreign_keys")[0] == 1
    assert store.one("PRAGMA busy_timeout")[0] == 5000
    assert store.one("PRAGMA synchronous")[0] == 1  # NORMAL
    assert isinstance(store.db, sqlite_utils.Database)


def test_create_false_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as err:
        open_store(tmp_path / "missing.db", create=False)
    assert "找不到" in err.value.message and "does not exist" in err.value.message_en
    assert not (tmp_path / "missing.db").exists()


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    with open_store(path) as s:
        staff.add_staff(s, "S001", "陳專員", Role.CLERK, "h", now=NOW)
    with open_store(path, create=False) as s:
        assert staff.get_staff(s, "S001") is not None
        assert s.schema_version() == migrations.SCHEMA_VERSION


def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is a text file, not a database\n" * 200)
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert "無法讀取" in err.value.message
    assert err.value.action and err.value.action_en
    assert path.read_bytes().startswith(b"this is a text file")


def test_another_programs_database_is_not_written_into(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert "其他程式" in err.value.message
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert tables == {"recipes"}


def test_a_newer_schema_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert "更新" in err.value.action
    assert "newer" in err.value.message_en


def test_a_locked_database_raises_store_error(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    open_store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        s = open_store(path, busy_timeout_ms=100)
        with pytest.raises(StoreError) as err, s.transaction():
            pass
        assert "忙碌" in err.value.message and "busy" in err.value.message_en
        assert "再試" in err.value.action
        s.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_transaction_commits_and_rolls_back(store: Store) -> None:
    with store.transaction():
        staff.add_staff(store, "S001", "陳專員", Role.CLERK, "h", now=NOW)
    with pytest.raises(RuntimeError), store.transaction():
        staff.add_staff(store, "S002", "王專員", Role.CLERK, "h", now=NOW)
        raise RuntimeError("service failed half-way")
    assert [s.staff_no for s in staff.list_staff(store)] == ["S001"]
    assert not store.conn.in_transaction


def test_the_rollback_is_visible_to_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    s = open_store(path)
    with pytest.raises(RuntimeError), s.transaction():
        staff.add_staff(s, "S002", "王專員", Role.CLERK, "h", now=NOW)
        raise RuntimeError
    other = open_store(path)
    assert staff.count_staff(other) == 0
    other.close()
    s.close()


def test_nested_transactions_join_the_outer_one(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        with store.transaction():
            staff.add_staff(store, "S001", "陳專員", Role.CLERK, "h", now=NOW)
        assert store.in_transaction  # the inner block did not commit
        raise RuntimeError
    assert staff.count_staff(store) == 0


def test_a_failed_nested_block_undoes_only_its_own_writes(store: Store) -> None:
    with store.transaction():
        staff.add_staff(store, "S001", "陳專員", Role.CLERK, "h", now=NOW)
        with pytest.raises(RuntimeError), store.transaction():
            staff.add_staff(store, "S002", "王專員", Role.CLERK, "h", now=NOW)
            raise RuntimeError
    assert [s.staff_no for s in staff.list_staff(store)] == ["S001"]


def test_a_writer_thread_waits_for_another_threads_transaction(store: Store) -> None:
    started = threading.Event()
    release = threading.Event()

    def service() -> None:
        with store.transaction():
            staff.add_staff(store, "S001", "陳專員", Role.CLERK, "h", now=NOW)
            started.set()
            release.wait(5)
            raise RuntimeError("rolled back")

    def run() -> None:
        with contextlib.suppress(RuntimeError):
            service()

    worker = threading.Thread(target=run)
    worker.start()
    started.wait(5)
    done: list[int] = []
    other = threading.Thread(target=lambda: done.append(staff.count_staff(store)))
    other.start()
    other.join(0.2)
    assert other.is_alive()  # blocked, not reading the half-done service
    release.set()
    worker.join(5)
    other.join(5)
    assert done == [0]


def test_memory_store_is_migrated() -> None:
    s = open_memory_store()
    assert s.path is None
    assert s.schema_version() == migrations.SCHEMA_VERSION
    s.close()


def test_timestamps_are_stored_at_taipei_offset() -> None:
    from datetime import UTC

    assert ts(datetime(2026, 11, 22, 1, 30, tzinfo=UTC)) == "2026-11-22T09:30:00+08:00"
    assert ts(datetime(2026, 11, 22, 9, 30)) == "2026-11-22T09:30:00+08:00"  # naive = Taipei
    assert parse_ts("2026-11-22T09:30:00+08:00") == NOW


def _open_v1(path: Path) -> Store:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    s = Store(sqlite_utils.Database(conn), path)
    migrations.migrate(s, target=1)
    return s


def test_a_version_1_database_upgrades_with_its_rows_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = _open_v1(path)
    assert old.schema_version() == 1
    old.execute(
        "INSERT INTO staff (staff_no, name, role, pin_hash, created_at) "
        "VALUES ('S001', '陳專員', 'clerk', 'h', ?)",
        (ts(NOW),),
    )
    old.execute(
        "INSERT INTO accounts (national_id, name, state, email, updated_at) "
        "VALUES ('F223456786', '林美華', 'active', 'm@example.com', ?)",
        (ts(NOW),),
    )
    old.execute(
        "INSERT INTO devices (national_id, device_id, name, bound_at, enabled) "
        "VALUES ('F223456786', 'dev-1', 'Phone', ?, 1)",
        (ts(NOW),),
    )
    old.close()

    s = open_store(path, create=False)
    assert s.schema_version() == migrations.SCHEMA_VERSION == 5
    account = accounts.get_account(s, "F223456786")
    assert account is not None and account.state is AccountState.ACTIVE
    assert account.contact.email == "m@example.com"
    assert staff.get_staff(s, "S001") is not None
    assert s.one("SELECT count(*) FROM devices")[0] == 1
    # What version 2 brought: the reason column and the audit viewer's indexes.
    assert accounts.deregistration_reason(s, "F223456786") is None
    indexes = {r[0] for r in s.all("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"audit_log_at", "audit_log_subject_key", "audit_log_staff_no", "devices_by_owner"} <= indexes
    s.close()


def test_a_version_2_database_keeps_its_print_jobs(tmp_path: Path) -> None:
    """The previous schema version (2) opens, and a job queued before the upgrade still prints."""
    from data import print_jobs

    path = tmp_path / "v2.db"
    s = open_store(path)
    s.close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE print_jobs DROP COLUMN preview_text")
    conn.execute("PRAGMA user_version = 2")
    conn.execute(
        "INSERT INTO print_jobs (created_at, kind, staff_no, txn_no, payload, state) "
        "VALUES (?, 'password_reset', 'S001', '20261122-0001', x'1b40', 'queued')",
        (ts(NOW),),
    )
    conn.commit()
    conn.close()
    s = open_store(path, create=False)
    assert s.schema_version() == migrations.SCHEMA_VERSION
    [job] = print_jobs.queued_jobs(s, counter="03")  # a job from before counters belongs to any counter
    assert job.payload == b"\x1b@" and job.preview_text is None and job.counter is None
    assert print_jobs.claim_job(s, job.id) is not None
    s.close()


def test_each_counter_sends_only_its_own_jobs_and_a_claim_is_taken_once(tmp_path: Path) -> None:
    """Counters share the database: counter 01 never prints 02's receipt, and no job prints twice."""
    from data import print_jobs

    s = open_store(tmp_path / "k.db")
    mine = print_jobs.enqueue_job(s, "password_reset", "S001", "T-1", b"a", now=NOW, counter="01")
    theirs = print_jobs.enqueue_job(s, "password_reset", "S002", "T-2", b"b", now=NOW, counter="02")
    assert [j.id for j in print_jobs.queued_jobs(s, counter="01")] == [mine]
    assert print_jobs.count_queued(s, counter="02") == 1
    claimed = print_jobs.claim_job(s, mine)
    assert claimed is not None and claimed.state is print_jobs.PrintJobState.SENDING
    assert print_jobs.claim_job(s, mine) is None  # the second sender gets nothing
    assert print_jobs.count_queued(s, counter="01") == 1  # still not printed
    with pytest.raises(KioskError):
        print_jobs.cancel_job(s, mine)  # on the wire: too late to cancel
    # A kiosk killed mid-send: its claim goes back in line at the next start.
    assert print_jobs.release_claims(s, counter="01") == 1
    assert print_jobs.get_job(s, mine).state is print_jobs.PrintJobState.QUEUED  # type: ignore[union-attr]
    assert print_jobs.get_job(s, theirs).state is print_jobs.PrintJobState.QUEUED  # type: ignore[union-attr]
    s.close()


def test_a_failing_migration_leaves_the_old_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.db"
    _open_v1(path).close()

    def broken(store: Store) -> None:
        store.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(migrations, "MIGRATIONS", [migrations.MIGRATIONS[0], broken])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 2)
    with pytest.raises(RuntimeError):
        open_store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    conn.close()


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    s = open_store(path)
    before = s.all("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    assert migrations.migrate(s) == migrations.SCHEMA_VERSION
    after = s.all("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    assert [tuple(r) for r in before] == [tuple(r) for r in after]
    s.close()
