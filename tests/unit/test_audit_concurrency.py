"""Two real processes appending to one audit log at once still make one unbroken chain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from data.audit import count_audit, query_audit, verify_chain
from data.store import open_store

_WRITER = """
import sys
from datetime import datetime
from data.audit import append_audit
from data.store import open_store
from kiosk.core.clock import TAIPEI

import time
from pathlib import Path

path, counter = sys.argv[1], sys.argv[2]
store = open_store(path)
# Start together, so the appends really contend for the write lock.
Path(path + ".ready" + counter).touch()
deadline = time.monotonic() + 30
while not all(Path(path + ".ready" + c).exists() for c in "12") and time.monotonic() < deadline:
    time.sleep(0.005)
for i in range(200):
    with store.transaction():
        append_audit(store, at=datetime.now(TAIPEI), staff_no="S00" + counter, role="clerk",
                     counter=counter, action="register", subject="F223****86",
                     subject_id="F223456786", outcome="ok", detail={"i": i})
store.close()
"""


def test_two_processes_appending_keep_the_chain_intact(tmp_path: Path) -> None:
    # Both start on a file that does not exist yet, so creating the schema races too.
    path = tmp_path / "shared" / "kiosk.db"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), counter],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for counter in ("1", "2")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    result = verify_chain(path)
    assert result.ok, result.reason_en
    assert result.checked == 400
    store = open_store(path)
    assert count_audit(store) == 400
    entries = query_audit(store, limit=400)
    assert [e.seq for e in entries] == list(range(400, 0, -1))
    by_counter = {c: sorted(e.detail["i"] for e in entries if e.counter == c) for c in ("1", "2")}
    assert by_counter == {"1": list(range(200)), "2": list(range(200))}
    store.close()
