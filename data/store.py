"""The kiosk's SQLite store: one file, WAL, foreign keys on, one transaction per service.

Every repository function takes a ``Store`` first. Writes go through ``Store.transaction()``, which
starts ``BEGIN IMMEDIATE`` so the write lock is taken up front: two counters (or the kiosk and a
``kiosk audit`` command) sharing one file then queue behind the busy timeout instead of failing
half-way through a service. A repository call made inside a service's transaction joins it, so the
change and its audit entry commit or roll back together.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.core.clock import TAIPEI
from kiosk.core.errors import KioskError, StoreError

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 5000
# SQLite's own busy handler sleeps longer the longer it has waited (up to 100 ms between tries), so a
# counter that has waited a while polls far less often than one that has just arrived and, with
# other counters writing steadily, can lose every race until its timeout: bench/concurrency (8
# counters, 2 cores) saw waits of seconds and a "database is locked" reaching a clerk. BEGIN IMMEDIATE
# therefore waits in short rounds of this many ms (SQLite sleeps 1 ms, tries, sleeps 1 ms, tries),
# so every waiter tries again within a millisecond of the lock coming free however long it has
# waited. That cut the longest wait several-fold at the same throughput; longer rounds left the lock
# idle between holders and cost throughput (figures: BENCHMARKS.md, concurrency).
BEGIN_ROUND_MS = 2

_LOCKED_MESSAGE = (
    "資料庫忙碌中（另一個櫃台或程式正在寫入），已等候逾時",
    "請稍候再試一次；若持續發生，請確認沒有其他程式長時間開啟資料庫檔案",
    "The database is busy (another counter or program is writing) and the wait timed out.",
    "Try again in a moment; if it keeps happening, make sure no other program holds the database open.",
)


class Store:
    """An open database. ``db`` is the sqlite-utils wrapper, ``path`` the file (None in memory)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self._conn = conn
        self.busy_timeout_ms = busy_timeout_ms
        self._db: sqlite_utils.Database | None = None
        self.path = path
        # One connection may serve the UI thread and worker threads; the lock keeps one thread's
        # transaction from swallowing another thread's statements.
        self._lock = threading.RLock()
        self._depth = 0

    @property
    def conn(self) -> sqlite3.Connection:
        return self._conn

    @property
    def db(self) -> sqlite_utils.Database:
        # sqlite-utils is slow to import; only migrations need it, so a kiosk opening an
        # up-to-date database reaches its login screen without loading it.
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self._conn, execute_plugins=False)
        return self._db

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception.

        Nested use joins the outer transaction: only the outermost block commits. An exception
        that escapes a nested block undoes that block's writes; one that escapes the outermost
        block rolls the whole service back.
        """
        with self._lock:
            if self._depth > 0:
                # A savepoint lets an inner block that fails (and whose caller recovers) undo only
                # its own writes; the outermost block still decides the commit.
                name = f"nested_{self._depth}"
                self.conn.execute(f"SAVEPOINT {name}")
                self._depth += 1
                try:
                    yield self
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                        self.conn.execute(f"RELEASE SAVEPOINT {name}")
                    raise
                else:
                    self.conn.execute(f"RELEASE SAVEPOINT {name}")
                finally:
                    self._depth -= 1
                return
            with translate_errors():
                self._begin_immediate()
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._depth = 0
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            try:
                with translate_errors():
                    self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def _begin_immediate(self) -> None:
        """``BEGIN IMMEDIATE``, waiting for another writer up to the busy timeout in short rounds."""
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        self.conn.execute(f"PRAGMA busy_timeout = {min(BEGIN_ROUND_MS, self.busy_timeout_ms)}")
        try:
            while True:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc) or time.monotonic() >= deadline:
                        raise
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement, turning sqlite's errors into ``StoreError``."""
        with self._lock, translate_errors():
            return self.conn.execute(sql, params)

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return list(self.execute(sql, params).fetchall())

    def schema_version(self) -> int:
        row = self.one("PRAGMA user_version")
        return int(row[0]) if row else 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def translate_errors() -> Iterator[None]:
    """Map sqlite3's exceptions to ``StoreError`` with a message that says what to do."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise _store_error(exc) from exc


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _store_error(exc: sqlite3.DatabaseError) -> StoreError:
    text = str(exc).lower()
    if "append-only" in text:
        return StoreError(
            "稽核紀錄只能新增，不可修改或刪除",
            "請勿嘗試變更稽核紀錄",
            message_en="The audit log is append-only; entries cannot be changed.",
            action_en="Do not try to change audit entries.",
        )
    if isinstance(exc, sqlite3.IntegrityError):
        # A rule the schema holds (one enabled device, a known ID) was about to break: a bug or a
        # stale screen, never something to write anyway.
        return StoreError(
            f"資料不符合資料庫規則，未儲存：{exc}",
            "請重新查詢後再試；若再次發生，請通知系統管理員",
            message_en=f"The change breaks a database rule and was not saved: {exc}",
            action_en="Look the record up again and retry; if it happens again, tell the administrator.",
        )
    if isinstance(exc, sqlite3.OperationalError):
        if _is_busy(exc):
            zh, zh_action, en, en_action = _LOCKED_MESSAGE
            return StoreError(zh, zh_action, message_en=en, action_en=en_action)
        return StoreError(
            f"資料庫作業失敗：{exc}",
            "請通知系統管理員",
            message_en=f"A database operation failed: {exc}",
            action_en="Tell the system administrator.",
        )
    return StoreError(
        "資料庫檔案無法讀取（可能不是本系統的資料庫或已損毀）",
        "請確認設定的資料庫路徑；必要時由備份還原",
        message_en="The database file cannot be read (not a kiosk database, or damaged).",
        action_en="Check the configured database path; restore from backup if needed.",
    )


def _connect(target: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    # isolation_level=None: the driver must not open implicit transactions, so ours are the only
    # ones; sqlite-utils' own writes then become savepoints inside them.
    conn = sqlite3.connect(
        target, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    return conn


def _configure(store: Store, *, wal: bool, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    with translate_errors():
        store.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if wal:
            mode = store.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(
                    "資料庫無法切換為 WAL 模式",
                    "請確認資料庫所在的磁碟可寫入（不可為網路磁碟）",
                    message_en="The database could not switch to WAL mode.",
                    action_en="Check the database's disk is local and writable.",
                )
        store.conn.execute("PRAGMA foreign_keys = ON")
        store.conn.execute("PRAGMA synchronous = NORMAL")


def open_store(path: str | Path, *, create: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Store:
    """Open (creating when allowed) the database at ``path`` and bring its schema up to date."""
    from data.migrations import migrate

    path = Path(path)
    if not path.exists():
        if not create:
            raise StoreError(
                f"找不到資料庫檔案：{path}",
                "請確認設定檔中的資料庫路徑",
                message_en=f"The database file does not exist: {path}",
                action_en="Check the database path in the configuration.",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created before sqlite touches it so the file is never readable by others, even briefly;
        # sqlite gives the -wal and -shm files the same mode.
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    store = Store(_connect(str(path), busy_timeout_ms), path, busy_timeout_ms)
    try:
        _configure(store, wal=True, busy_timeout_ms=busy_timeout_ms)
        migrate(store)
    except BaseException:
        store.close()
        raise
    return store


def open_memory_store() -> Store:
    """A migrated in-memory store for fast tests (no WAL, no file)."""
    from data.migrations import migrate

    store = Store(_connect(":memory:"), None)
    _configure(store, wal=False)
    migrate(store)
    return store


# --- value conversion shared by the repositories ---------------------------------------------


def ts(value: datetime) -> str:
    """Aware datetime → ISO-8601 text at +08:00 (naive values are taken as Taipei time).

    One offset for every row keeps text comparison in SQL equal to time order.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=TAIPEI)
    return value.astimezone(TAIPEI).isoformat()


def ts_or_none(value: datetime | None) -> str | None:
    return None if value is None else ts(value)


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def parse_ts_or_none(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def day(value: date) -> str:
    return value.isoformat()


def parse_day(text: str) -> date:
    return date.fromisoformat(text)


def not_found(what_zh: str, what_en: str) -> KioskError:
    """The error for a row that should be there and is not (a stale screen, a mistyped number)."""
    return KioskError(
        f"查無此{what_zh}",
        "請重新查詢後再試",
        message_en=f"No such {what_en}.",
        action_en="Look it up again and retry.",
    )


def now_or_system(now: datetime | None) -> datetime:
    """Services pass their injected clock's time; a bare repository call falls back to the system's."""
    return datetime.now(TAIPEI) if now is None else now
