"""Two real kiosk processes registering the same citizen at the same moment on one database file.

Exactly one registers; the other is told the citizen is already registered (never "database is
locked"), and each process's other registration is kept.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from data import accounts
from data.audit import query_audit, verify_chain
from data.print_jobs import queued_jobs
from data.store import open_store
from kiosk.core.ids import check_digit
from kiosk.core.models import AccountState

_COUNTER = r"""
import json, sys, time
from dataclasses import replace
from pathlib import Path

from data.store import open_store
from kiosk.config import Config
from kiosk.core.clock import SystemClock
from kiosk.core.errors import KioskError
from kiosk.core.models import Citizen, Contact, IdDocument, Role, Staff
from kiosk.factory import make_queue
from kiosk.services.context import ServiceContext
from kiosk.services.registration import AlreadyRegistered, Application, ContactForm, register_at_counter
from printing.port import CapturePrinter
from printing.receipt import ReceiptHeader, registration_receipt

path, counter, shared_id, own_id, go = sys.argv[1:]
config = Config()
config = replace(config, centre=replace(config.centre, counter=counter))
clock = SystemClock()
store = open_store(path)
ctx = ServiceContext(store, clock, config, Staff("S00" + counter, "clerk " + counter, Role.CLERK),
                     make_queue(config, store, CapturePrinter(), clock))

def application(national_id):
    return Application(Citizen(national_id, "測試" + national_id[-3:]), IdDocument.NATIONAL_ID_CARD,
                       "Ab1x@yz9", "Ab1x@yz9", ContactForm(email=f"c{counter}@example.com"))

# Import and warm everything (fonts, renderer) before the start line, so both really race.
ctx.queue.encode(registration_receipt(ReceiptHeader("warm-up", counter, "S", "0", clock.now()),
                                     application(own_id).citizen, Contact(), IdDocument.PASSPORT))
Path(path + ".ready" + counter).touch()
deadline = time.monotonic() + 60
while not Path(go).exists() and time.monotonic() < deadline:
    time.sleep(0.001)
results = []
for national_id in (shared_id, own_id):
    try:
        results.append(["ok", register_at_counter(ctx, application(national_id)).txn_no])
    except AlreadyRegistered as exc:
        results.append(["refused", exc.message])
    except KioskError as exc:
        results.append(["error", exc.message])
print(json.dumps(results, ensure_ascii=False))
store.close()
"""


def _valid_id(prefix: str) -> str:
    return prefix + check_digit(prefix)


def test_two_counters_cannot_register_one_citizen_twice(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    open_store(path).close()  # schema first: the race under test is the registration, not migration
    go = tmp_path / "go"
    shared = _valid_id("A12345670")
    own = {"1": _valid_id("B22222222"), "2": _valid_id("C13333333")}
    counters = {
        c: subprocess.Popen([sys.executable, "-c", _COUNTER, str(path), c, shared, own[c], str(go)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for c in ("1", "2")
    }
    deadline = time.monotonic() + 60
    while not all(Path(f"{path}.ready{c}").exists() for c in counters):
        assert time.monotonic() < deadline, "counters did not start"
        assert all(p.poll() is None for p in counters.values()), [p.communicate() for p in counters.values()]
        time.sleep(0.01)
    go.touch()
    results = {}
    for c, process in counters.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        results[c] = json.loads(out)

    shared_outcomes = sorted(results[c][0][0] for c in counters)
    assert shared_outcomes == ["ok", "refused"], results
    refused = next(results[c][0][1] for c in counters if results[c][0][0] == "refused")
    assert "不可重複註冊" in refused
    assert all(results[c][1][0] == "ok" for c in counters), results  # each counter's other write
    assert "locked" not in json.dumps(results) and "忙碌" not in json.dumps(results, ensure_ascii=False)

    store = open_store(path)
    for national_id in (shared, *own.values()):
        account = accounts.get_account(store, national_id)
        assert account is not None and account.state is AccountState.ACTIVE
    entries = query_audit(store, action="register", limit=10)
    assert sorted(e.outcome for e in entries) == ["ok", "ok", "ok", "refused"]
    assert {e.counter for e in entries if e.outcome == "ok"} == {"1", "2"}
    assert verify_chain(path).ok
    jobs = queued_jobs(store)
    assert len(jobs) == 3 and len({j.txn_no for j in jobs}) == 3
