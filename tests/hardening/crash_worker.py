"""A counter process to be killed: runs one kind of service over many citizens until SIGKILLed.

Usage: ``python tests/hardening/crash_worker.py DB``. The process imports everything and warms the
receipt renderer once, prints ``ready``, then reads one JSON command per line on stdin:
``{"items": [[kind, i, nid, arg], ...]}``. For each command it forks a child that opens the
database itself (nothing is open in this parent before the fork), prints ``started PID``, and for
every item prints ``begin I``, runs the service (printing ``txn`` each time it takes the write lock),
prints ``done I``; at the end ``finished``. Any
exception prints ``error I …`` and ends the child. When the child is gone (normally SIGKILLed by
the test), this process prints ``exit PID STATUS``. ``quit`` on stdin ends it.

Forking from a warmed process keeps each of the test's 100 kills at tens of milliseconds instead
of the ~0.6 s a fresh interpreter needs to import and load the receipt font; the child is still a
separate process with its own connection, killed while it holds (or is about to take) the write
lock, which is what a counter PC losing power or its kiosk being killed looks like to SQLite.
Lines are written with one ``os.write`` each (shorter than PIPE_BUF), so child and parent lines
never interleave mid-line.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from data.staff import get_staff
from data.store import open_store
from kiosk.core.models import Role, Staff
from printing.port import CapturePrinter
from tests.hardening.workload import Item, make_context, run_op, sample_photo

# A receipt printer takes real time per job; without it a receipt-send run would empty the queue
# before the kill could land.
PRINT_SECONDS = 0.01


class SlowPrinter(CapturePrinter):
    def send(self, payload: bytes) -> None:
        time.sleep(PRINT_SECONDS)
        super().send(payload)


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def child(db: str, items: list[Item], photo: Any) -> int:
    store = open_store(db, create=False)
    staff = get_staff(store, "S001") or Staff("S001", "clerk", Role.CLERK)
    ctx = make_context(store, staff, SlowPrinter())
    begin_immediate = store._begin_immediate

    def traced_begin() -> None:
        # Tells the test the write lock is held, so it can count kills that land inside a transaction.
        begin_immediate()
        say("txn")

    store._begin_immediate = traced_begin  # type: ignore[method-assign]
    say(f"started {os.getpid()}")
    for item in items:
        say(f"begin {item.i}")
        try:
            run_op(ctx, item, photo)
        except BaseException as exc:
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip().replace("\n", " | ")
            say(f"error {item.i} {detail[:400]}")
            return 3
        say(f"done {item.i}")
    say("finished")
    return 0


def warm_up() -> Any:
    """Load the font and the renderer, and make the photo, before any fork."""
    import kiosk.services.account
    import kiosk.services.devices
    import kiosk.services.registration
    import kiosk.services.virtual_card  # noqa: F401
    from kiosk.config import Config
    from kiosk.core.clock import SystemClock
    from kiosk.core.models import Citizen
    from kiosk.factory import make_queue
    from printing.receipt import ReceiptHeader, pending_cancelled_receipt

    clock = SystemClock()
    queue = make_queue(Config(), None, CapturePrinter(), clock)  # type: ignore[arg-type]
    queue.encode(pending_cancelled_receipt(ReceiptHeader("warm", "1", "S001", "0", clock.now()),
                                           Citizen("A123456789", "陳大文")))
    return sample_photo()


def main(argv: list[str]) -> int:
    db = argv[1]
    photo = warm_up()
    say("ready")
    for line in sys.stdin:
        command = json.loads(line)
        if command == "quit":
            break
        items = [Item.from_json(x) for x in command["items"]]
        pid = os.fork()
        if pid == 0:
            code = 4
            try:
                code = child(db, items, photo)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        say(f"exit {pid} {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
