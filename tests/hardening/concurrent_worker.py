"""One counter among several sharing a database file: runs its planned services, times each.

Usage: ``python tests/hardening/concurrent_worker.py DB COUNTER PLAN OUT READY GO``. Reads its
operations from the JSON file PLAN (``[[kind, i, nid, arg], ...]``), warms up, touches READY, waits
for GO to exist (so every counter starts at the same moment), then runs each operation and, like the
app after a service, sends the receipt(s) it just queued to its own printer. Writes to OUT a JSON
list of ``[kind, i, nid, outcome, seconds, message, arg]`` with outcome ``ok``, ``refused`` (already
registered), ``store_error`` (a ``StoreError`` such as "database is locked" that would have reached
the clerk) or ``error``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from data.staff import get_staff
from data.store import open_store, ts
from kiosk.core.errors import KioskError, StoreError
from kiosk.core.models import Role, Staff
from kiosk.services.registration import AlreadyRegistered
from printing.port import CapturePrinter
from tests.hardening.workload import Item, make_context, run_op, sample_photo


def main(argv: list[str]) -> int:
    db, counter, plan_path, out_path, ready, go = argv[1:7]
    items = [Item.from_json(x) for x in json.loads(Path(plan_path).read_text())]
    store = open_store(db, create=False)
    if os.environ.get("HARDENING_SQLITE_BACKOFF"):
        # bench/concurrency --sqlite-backoff: SQLite's own busy handler for the whole timeout, as
        # data/store.py waited before its short rounds, to compare the two.
        import data.store

        data.store.BEGIN_ROUND_MS = store.busy_timeout_ms
    staff = get_staff(store, "S001") or Staff("S001", "clerk", Role.CLERK)
    printer = CapturePrinter(f"counter-{counter}")
    ctx = make_context(store, staff, printer, counter=counter)
    photo = sample_photo()
    from kiosk.core.models import Citizen
    from printing.receipt import ReceiptHeader, pending_cancelled_receipt

    ctx.queue.encode(pending_cancelled_receipt(ReceiptHeader("warm", counter, "S001", "0", ctx.clock.now()),
                                               Citizen("A123456789", "陳大文")))
    Path(ready).touch()
    deadline = time.monotonic() + 120
    while not Path(go).exists():
        if time.monotonic() > deadline:
            return 2
        time.sleep(0.001)
    records: list[list[object]] = []
    for item in items:
        outcome, message = "ok", ""
        started = time.perf_counter()
        try:
            run_op(ctx, item, photo)
        except AlreadyRegistered as exc:
            outcome, message = "refused", exc.message
        except StoreError as exc:
            outcome, message = "store_error", exc.message
        except KioskError as exc:
            outcome, message = "error", f"{type(exc).__name__}: {exc.message}"
        except Exception as exc:
            outcome = "error"
            message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        records.append([item.kind, item.i, item.nid, outcome, time.perf_counter() - started, message, item.arg])
        if outcome != "ok":
            continue
        # What the app does after a service: print what it queued, on this counter's printer.
        for row in store.all("SELECT id FROM print_jobs WHERE created_at = ? AND state = 'queued' ORDER BY id",
                             (ts(item.at),)):
            send = Item("receipt_send", item.i, item.nid, int(row["id"]))
            started = time.perf_counter()
            try:
                run_op(ctx, send, photo)
                sent, message = "ok", ""
            except StoreError as exc:
                sent, message = "store_error", exc.message
            except Exception as exc:
                sent, message = "error", f"{type(exc).__name__}: {exc}"
            records.append([send.kind, send.i, send.nid, sent, time.perf_counter() - started, message, send.arg])
    Path(out_path).write_text(json.dumps(records, ensure_ascii=False))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
