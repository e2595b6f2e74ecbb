"""The kiosk against a real TCP printer on 127.0.0.1 that hangs up mid-job: count the connections.

One R press is one attempt on one job, over one connection; opening the queue screen sends nothing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

from data.demo import DEMO_CITIZENS
from data.print_jobs import get_job, queued_jobs
from kiosk.screens.print_queue import PrintQueueScreen
from printing.printers import NetworkPrinter
from printing.receipt import ReceiptHeader, password_reset_receipt
from tests.conftest import TERMINAL, sign_in, wait_until, workers_done
from tests.integration.test_printer_loopback import LoopbackPrinter, serve  # noqa: F401

Serve = Callable[..., LoopbackPrinter]


def hang_up_after(n: int) -> Callable[[socket.socket, threading.Event], bytes]:
    """Takes ``n`` bytes of a job and hangs up; a status look (connect, then close) gets b""."""
    def behaviour(conn: socket.socket, stop: threading.Event) -> bytes:
        conn.settimeout(10)
        got = b""
        while len(got) < n and (chunk := conn.recv(n - len(got))):
            got += chunk
        if got:
            time.sleep(0.1)  # let more of the job arrive unread, as in a printer switched off mid-job
        return got

    return behaviour


def jobs_received(server: LoopbackPrinter) -> int:
    return sum(1 for r in server.received if r)


async def _idle(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        await workers_done(pilot)
        await pilot.pause()


async def test_one_r_press_is_one_connection_and_one_attempt(make_kiosk, serve: Serve) -> None:  # noqa: F811
    server = serve(hang_up_after(5000), rcvbuf=4096)
    app = make_kiosk(printer=NetworkPrinter("127.0.0.1", server.port, timeout=1.0, connect_timeout=1.0))
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        for n in range(7):
            header = ReceiptHeader("測試中心", "01", "S001", f"20261122-{n + 1:04d}", app.equipment.clock.now())
            app.equipment.queue.enqueue(password_reset_receipt(header, DEMO_CITIZENS[1]))
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: isinstance(app.screen, PrintQueueScreen) and app.screen.view is not None)
        await _idle(pilot)
        assert jobs_received(server) == 0  # opening the queue sends nothing
        first = queued_jobs(app.equipment.store)[0].id
        await pilot.press("r")
        await wait_until(pilot, lambda: get_job(app.equipment.store, first).attempts == 1)
        await wait_until(pilot, lambda: "中斷線" in str(app.screen.query_one("#service-message").render()))
        await _idle(pilot)
        assert jobs_received(server) == 1  # one connection with data, one partial receipt
        assert [j.attempts for j in queued_jobs(app.equipment.store)] == [1, 0, 0, 0, 0, 0, 0]
        # The screen shows the attempt it made.
        await wait_until(pilot, lambda: "×1" in str(app.screen.query_one("DataTable").get_row_at(0)[1]))
