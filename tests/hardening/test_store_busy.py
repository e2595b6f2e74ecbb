"""A counter that has waited a while for the write lock is not starved by a counter that keeps writing.

SQLite's own busy handler backs off to 100 ms between tries, so a waiter that has waited a while
only rarely tries in the moment between another writer's commit and its next BEGIN;
``Store.transaction`` waits in short rounds instead (data/store.py ``BEGIN_ROUND_MS``). With
SQLite's backoff alone (``BEGIN_ROUND_MS`` set above the timeout) this test failed 4 runs out of 4:
"database is locked" after the whole 3 s, or a single BEGIN that SQLite left waiting for seconds. The
test looks at the cause: the waiter gets the lock every time, asking again in short rounds.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from data.store import open_store
from data.txn import next_txn_no

_WRITER = r"""
import sys, time
from datetime import date
from pathlib import Path
from data.store import open_store
from data.txn import next_txn_no

path, ready, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
store = open_store(path)
Path(ready).touch()
end = time.monotonic() + seconds
while time.monotonic() < end:
    with store.transaction():
        next_txn_no(store, date(2026, 11, 22))
        time.sleep(0.04)  # a busy counter's service under the lock
    time.sleep(0.0005)  # and it is back for the lock within a millisecond
"""


def test_a_long_waiting_counter_gets_the_lock_from_a_writer_that_keeps_coming_back(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    open_store(db).close()
    ready = tmp_path / "ready"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(db), str(ready), "8"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert time.monotonic() < deadline and writer.poll() is None
            time.sleep(0.01)
        time.sleep(0.2)
        store = open_store(db, busy_timeout_ms=3000)
        begins: list[str] = []  # every BEGIN IMMEDIATE the waiter tried, granted or busy
        store.conn.set_trace_callback(lambda sql: begins.append(sql) if sql == "BEGIN IMMEDIATE" else None)
        for _ in range(3):
            with store.transaction():  # StoreError ("database is locked") fails the test
                next_txn_no(store, date(2026, 11, 23))
            time.sleep(0.1)
        store.conn.set_trace_callback(None)
        store.close()
    finally:
        writer.kill()
        writer.communicate(timeout=30)
    # The cause, not a stopwatch: the waiter asked again in short rounds (several BEGINs for its three
    # transactions) instead of leaving one BEGIN to SQLite's backoff, which is what starves it.
    assert len(begins) > 3, begins
