"""One counter among several sharing a database file: runs its planned services, times each.

Usage: ``python tests/hardening/concurrent_worker.py DB COUNTER PLAN OUT READY GO``. Reads its
operations from the JSON file PLAN (``[[kind, i, nid, arg], ...]``), warms up, touches READY, waits
for GO to exist (so every counter starts at the same moment), then runs each operation and, like the
app after a service, sends the receipt(s) it just queued to its own printer. Writes to OUT a JSON
object: ``records``, a list of ``[kind, i, nid, outcome, seconds, message, arg]`` with outcome
``ok``, ``refused`` (already registered), ``store_error`` (a ``StoreError`` such as "database is
locked" that would have reached the clerk) or ``error``; ``own_jobs``, the print jobs its services
queued; ``printed``, with HARDENING_APP_SEND set: the counter then sends as ``KioskApp.print_pending``
does (``PrintQueue.send_pending``, every queued job in the file) and this lists
``[job id, marked sent here]`` for each job its printer got.
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
from kiosk.core.photo import PreparedPhoto
from kiosk.services.context import ServiceContext
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
    own_jobs: list[int] = []  # print jobs this counter's services queued
    printed: list[list[object]] = []  # [job id, marked sent by this counter] (--app-send)
    app_send = bool(os.environ.get("HARDENING_APP_SEND"))
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
        own = [int(r["id"]) for r in store.all("SELECT id FROM print_jobs WHERE created_at = ? ORDER BY id",
                                               (ts(item.at),))]
        own_jobs += own
        if app_send:
            started = time.perf_counter()
            results = ctx.queue.send_pending()
            records.append(["send_pending", item.i, item.nid, "ok", time.perf_counter() - started, "", None])
            # ok with an error: it printed here, but another counter had already marked it sent.
            printed += [[r.job_id, r.error is None] for r in results if r.ok]
        else:
            records += [_send_own(ctx, Item("receipt_send", item.i, item.nid, job), photo) for job in own]
    Path(out_path).write_text(json.dumps({"records": records, "own_jobs": own_jobs, "printed": printed},
                                         ensure_ascii=False))
    store.close()
    return 0


def _send_own(ctx: ServiceContext, send: Item, photo: PreparedPhoto) -> list[object]:
    """Print one job this counter queued, on its own printer."""
    started = time.perf_counter()
    outcome, message = "ok", ""
    try:
        run_op(ctx, send, photo)
    except StoreError as exc:
        outcome, message = "store_error", exc.message
    except Exception as exc:
        outcome, message = "error", f"{type(exc).__name__}: {exc}"
    return [send.kind, send.i, send.nid, outcome, time.perf_counter() - started, message, send.arg]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
