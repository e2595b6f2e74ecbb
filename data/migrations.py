"""Versioned schema migrations, tracked in ``PRAGMA user_version``.

``MIGRATIONS[n - 1]`` brings a database from version ``n - 1`` to ``n``. A migration that has
shipped never changes: a counter PC may hold a file made by any earlier release, so a fix is a new
migration. The DDL is written out in SQL rather than generated, so a library upgrade cannot change
what an old migration creates.

Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with the version bump, and
re-reads the version inside it: two programs opening the same old file at once apply it only once.
"""

from __future__ import annotations

from collections.abc import Callable

from data.store import Store
from kiosk.core.errors import StoreError

_V1 = [
    """CREATE TABLE staff (
        staff_no TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor')),
        pin_hash TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE accounts (
        national_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        state TEXT NOT NULL
            CHECK (state IN ('unregistered', 'pending', 'active', 'locked', 'deregistered')),
        password_hash TEXT,
        mobile TEXT,
        landline TEXT,
        email TEXT,
        backup_email TEXT,
        household_no TEXT,
        failed_passwords INTEGER NOT NULL DEFAULT 0,
        registered_at TEXT,
        registered_via TEXT,
        batch_unit TEXT,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE devices (
        id INTEGER PRIMARY KEY,
        national_id TEXT NOT NULL REFERENCES accounts (national_id),
        device_id TEXT NOT NULL,
        name TEXT NOT NULL,
        bound_at TEXT NOT NULL,
        last_used_at TEXT,
        enabled INTEGER NOT NULL DEFAULT 0,
        unbound_at TEXT
    )""",
    # The rule "only one device enabled per ID" (seed 004) held by the schema itself.
    """CREATE UNIQUE INDEX devices_one_enabled ON devices (national_id)
        WHERE enabled = 1 AND unbound_at IS NULL""",
    """CREATE UNIQUE INDEX devices_bound_once ON devices (national_id, device_id)
        WHERE unbound_at IS NULL""",
    """CREATE TABLE verification_codes (
        id INTEGER PRIMARY KEY,
        national_id TEXT NOT NULL REFERENCES accounts (national_id),
        code TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open'
            CHECK (state IN ('open', 'redeemed', 'voided', 'expired')),
        redeemed_at TEXT
    )""",
    # A new code voids the previous one: at most one open code per ID.
    "CREATE UNIQUE INDEX codes_one_open ON verification_codes (national_id) WHERE state = 'open'",
    """CREATE TABLE virtual_cards (
        id INTEGER PRIMARY KEY,
        national_id TEXT NOT NULL REFERENCES accounts (national_id),
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'revoked')),
        applied_at TEXT NOT NULL,
        decided_at TEXT,
        reject_reason TEXT,
        channel TEXT NOT NULL,
        photo BLOB
    )""",
    # A new application needs the old card revoked first (photo replacement, seed 002).
    """CREATE UNIQUE INDEX vcards_one_live ON virtual_cards (national_id)
        WHERE state IN ('pending', 'approved')""",
    """CREATE TABLE authorizations (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL CHECK (length(code) = 6 AND code NOT GLOB '*[^0-9]*'),
        grantor_id TEXT NOT NULL REFERENCES accounts (national_id),
        grantee_id TEXT NOT NULL REFERENCES accounts (national_id),
        starts_on TEXT NOT NULL,
        ends_on TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'cancelled', 'expired')),
        cancelled_at TEXT,
        CHECK (ends_on >= starts_on)
    )""",
    """CREATE TABLE print_jobs (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        staff_no TEXT,
        txn_no TEXT,
        payload BLOB NOT NULL,
        preview_png BLOB,
        state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at TEXT
    )""",
    """CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        staff_no TEXT,
        role TEXT,
        counter TEXT,
        action TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        subject_key TEXT,
        outcome TEXT NOT NULL,
        detail TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be updated'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted'); END""",
    """CREATE TABLE txn_counters (
        day TEXT PRIMARY KEY,
        last INTEGER NOT NULL
    )""",
]


def _v1_initial_schema(store: Store) -> None:
    for statement in _V1:
        store.execute(statement)


def _v2_viewer_indexes_and_deregistration_reason(store: Store) -> None:
    """Indexes for the audit viewer's filters and per-ID lookups; why an account was stopped.

    The reason matters later: after third-party misuse (rule 十一) staff must see why the account
    was stopped before registering it again.
    """
    db = store.db
    audit = db.table("audit_log")
    audit.create_index(["at"], index_name="audit_log_at", if_not_exists=True)
    for column in ("staff_no", "action", "outcome", "subject_key"):
        # (filter, seq) serves "WHERE filter = ? AND seq < ? ORDER BY seq DESC" straight from the index.
        audit.create_index([column, "seq"], index_name=f"audit_log_{column}", if_not_exists=True)
    db.table("devices").create_index(
        ["national_id", "bound_at"], index_name="devices_by_owner", if_not_exists=True
    )
    db.table("verification_codes").create_index(
        ["national_id", "created_at"], index_name="codes_by_owner", if_not_exists=True
    )
    db.table("virtual_cards").create_index(
        ["national_id", "applied_at"], index_name="vcards_by_owner", if_not_exists=True
    )
    db.table("authorizations").create_index(["grantor_id"], index_name="auth_by_grantor", if_not_exists=True)
    db.table("authorizations").create_index(["grantee_id"], index_name="auth_by_grantee", if_not_exists=True)
    db.table("print_jobs").create_index(["state", "id"], index_name="print_jobs_by_state", if_not_exists=True)
    store.execute("ALTER TABLE accounts ADD COLUMN deregistration_reason TEXT")


def _v3_print_job_preview_text(store: Store) -> None:
    """The receipt's (already masked) text lines with each job: a 576-pixel receipt is unreadable as
    terminal half-blocks, so the print queue screen previews the text; the PNG stays for the folder."""
    store.execute("ALTER TABLE print_jobs ADD COLUMN preview_text TEXT")


def _v4_print_job_counter_and_claim(store: Store) -> None:
    """Which counter's printer a receipt belongs to, and a 'sending' state for a job one counter has
    claimed. Several counters share one database: each prints only its own queue, and a job is
    claimed before it is sent so it never prints twice (jobs from before this version, counter NULL,
    go to whichever counter claims them first).

    SQLite cannot change a CHECK constraint, so the table is rebuilt (the documented 12-step way:
    new table, copy, drop, rename, indexes), inside the migration's transaction.
    """
    store.execute("""CREATE TABLE print_jobs_v4 (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        staff_no TEXT,
        txn_no TEXT,
        payload BLOB NOT NULL,
        preview_png BLOB,
        state TEXT NOT NULL DEFAULT 'queued'
            CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at TEXT,
        preview_text TEXT,
        counter TEXT
    )""")
    columns = ("id, created_at, kind, staff_no, txn_no, payload, preview_png, state, attempts, last_error, "
               "sent_at, preview_text")
    store.execute(f"INSERT INTO print_jobs_v4 ({columns}) SELECT {columns} FROM print_jobs")
    store.execute("DROP TABLE print_jobs")
    store.execute("ALTER TABLE print_jobs_v4 RENAME TO print_jobs")
    store.execute("CREATE INDEX print_jobs_by_state ON print_jobs (state, id)")
    store.execute("CREATE INDEX print_jobs_by_counter ON print_jobs (counter, state, id)")


def _v5_print_job_mode(store: Store) -> None:
    """How each job prints (printer.mode): 'raster', 'big5', or a raster fallback naming why, e.g.
    'raster (Big5 fallback: 堃)' for a receipt holding a character the printer's Big5 font lacks."""
    store.execute("ALTER TABLE print_jobs ADD COLUMN print_mode TEXT")


MIGRATIONS: list[Callable[[Store], None]] = [
    _v1_initial_schema,
    _v2_viewer_indexes_and_deregistration_reason,
    _v3_print_job_preview_text,
    _v4_print_job_counter_and_claim,
    _v5_print_job_mode,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(store: Store, *, target: int | None = None) -> int:
    """Apply pending migrations up to ``target`` (default: all). Returns the resulting version."""
    target = SCHEMA_VERSION if target is None else target
    current = store.schema_version()
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"資料庫結構版本為 {current}，比本程式支援的版本 {SCHEMA_VERSION} 新",
            "請將櫃台程式更新到最新版本後再開啟；請勿用舊版程式寫入此資料庫",
            message_en=f"The database schema is version {current}, newer than this program's "
            f"{SCHEMA_VERSION}.",
            action_en="Update the kiosk program before opening it; do not write to it with an old release.",
        )
    for version in range(current + 1, target + 1):
        with store.transaction():
            found = store.schema_version()
            if found >= version:
                continue  # another process got there first
            if found == 0:
                # Checked under the write lock: another kiosk process creating the schema right now
                # must not make this file look like someone else's.
                _refuse_foreign_database(store)
            MIGRATIONS[version - 1](store)
            store.execute(f"PRAGMA user_version = {version}")
    return store.schema_version()


def _refuse_foreign_database(store: Store) -> None:
    """A version-0 file with tables in it belongs to some other program: do not write into it."""
    row = store.one("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
    if row is not None and row[0] > 0:
        raise StoreError(
            "此檔案是其他程式的資料庫，不是櫃台系統的資料庫",
            "請確認設定檔中的資料庫路徑，不要指向其他程式的檔案",
            message_en="This file is another program's database, not a kiosk database.",
            action_en="Check the database path in the configuration.",
        )
