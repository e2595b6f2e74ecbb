"""A real TCP printer on 127.0.0.1 (port 0): delivery, and the ways network printers fail.

Needs nothing but the loopback interface, so nothing here skips. Both printer modes: raster, and Big5
text with the printer's own QR command (and its raster fallback for a name outside Big5).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp

from data.accounts import create_account
from data.codes import issue_code, latest_code
from data.print_jobs import PrintJobState, get_job
from data.store import Store, open_store
from kiosk.core.clock import TAIPEI, FrozenClock
from kiosk.core.models import AccountState, Citizen
from kiosk.services.receipt_queue import PrintQueue
from printing.capability import PrinterCapability, PrintMode
from printing.escpos_encode import decode_raster
from printing.port import PrinterState
from printing.printers import NetworkPrinter
from printing.receipt import Receipt, ReceiptHeader, device_code_receipt
from printing.render import render_receipt
from tests.escpos_job import decode_job

AT = datetime(2022, 5, 3, 9, 50, 1, tzinfo=TAIPEI)
CITIZEN = Citizen("A123456789", "林喆", card_number="000012345678")
TIMEOUT = 1.0  # the printer's stall timeout in these tests
Behaviour = Callable[[socket.socket, threading.Event], bytes]


class LoopbackPrinter:
    """A one-thread TCP server standing in for a printer; ``behaviour`` decides what it does with a client."""

    def __init__(self, behaviour: Behaviour, *, rcvbuf: int | None = None) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # set before listen() so accepted sockets inherit the small window
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.05)  # closing a listener does not wake accept(): poll the stop flag
        self.port: int = self.listener.getsockname()[1]
        self.received: list[bytes] = []
        self._behaviour = behaviour
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self.received.append(self._behaviour(conn, self._stop))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.listener.close()


def read_all(conn: socket.socket, stop: threading.Event) -> bytes:
    conn.settimeout(10)
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def hang_up_after(n: int) -> Behaviour:
    def behaviour(conn: socket.socket, stop: threading.Event) -> bytes:
        conn.settimeout(10)
        got = b""
        while len(got) < n:
            got += conn.recv(n - len(got))
        time.sleep(0.1)  # let more of the job arrive unread, as in a printer switched off mid-job
        return got

    return behaviour


def never_reads(conn: socket.socket, stop: threading.Event) -> bytes:
    stop.wait(10)
    return b""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "kiosk.db") as s:
        create_account(s, CITIZEN.national_id, CITIZEN.name, state=AccountState.ACTIVE, now=AT)
        yield s


@pytest.fixture
def serve() -> Iterator[Callable[..., LoopbackPrinter]]:
    servers: list[LoopbackPrinter] = []

    def start(behaviour: Behaviour, **kw: int) -> LoopbackPrinter:
        servers.append(LoopbackPrinter(behaviour, **kw))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def code_receipt(store: Store, code: str = "E19k324F") -> Receipt:
    issue_code(store, CITIZEN.national_id, code, AT, AT + timedelta(minutes=10))
    stored = latest_code(store, CITIZEN.national_id, AT)
    assert stored is not None
    header = ReceiptHeader("臺北業務組", "3", "S0012", "T1110503-0042", AT)
    return device_code_receipt(header, CITIZEN, stored)


def queue_for(store: Store, port: int, mode: PrintMode = PrintMode.RASTER) -> PrintQueue:
    return PrintQueue(store, NetworkPrinter("127.0.0.1", port, timeout=TIMEOUT, connect_timeout=TIMEOUT),
                      FrozenClock(AT), width=576, capability=PrinterCapability(mode, True, 576))


def test_the_printer_receives_exactly_the_render(store: Store, serve: Callable[..., LoopbackPrinter]) -> None:
    printer = serve(read_all)
    receipt = code_receipt(store)
    job_id = queue_for(store, printer.port).submit(receipt)
    job = get_job(store, job_id)
    assert job is not None and job.state is PrintJobState.SENT, job and job.last_error
    assert printer.received == [job.payload]
    printed = decode_raster(printer.received[0])
    assert printed.tobytes() == render_receipt(receipt, 576).tobytes()
    stored = latest_code(store, CITIZEN.national_id, AT)
    assert stored is not None
    assert [b.text for b in zxingcpp.read_barcodes(printed.convert("L"))] == [stored.code]


def test_big5_mode_sends_text_and_a_native_qr_of_the_code(store: Store, serve: Serve) -> None:
    printer = serve(read_all)
    citizen = Citizen("B223456781", "陳美玲", card_number="000087654321")
    create_account(store, citizen.national_id, citizen.name, state=AccountState.ACTIVE, now=AT)
    issue_code(store, citizen.national_id, "Q5mP7x2K", AT, AT + timedelta(minutes=10))
    stored = latest_code(store, citizen.national_id, AT)
    assert stored is not None
    receipt = device_code_receipt(ReceiptHeader("臺北業務組", "3", "S0012", "T1110503-0043", AT), citizen, stored)
    job_id = queue_for(store, printer.port, PrintMode.BIG5).submit(receipt)
    job = get_job(store, job_id)
    assert job is not None and job.state is PrintJobState.SENT, job and job.last_error
    assert printer.received == [job.payload] and job.print_mode == "big5"
    sent = decode_job(printer.received[0])
    assert [q.payload for q in sent.qrs] == [stored.code]
    assert "陳○玲" in "\n".join(sent.kanji_runs) and b"B223456781" not in job.payload
    assert len(job.payload) <= 3 * 1024


def test_big5_mode_falls_back_to_raster_for_a_name_outside_big5(store: Store, serve: Serve) -> None:
    printer = serve(read_all)
    code_receipt(store)
    stored = latest_code(store, CITIZEN.national_id, AT)
    assert stored is not None
    rare = Citizen(CITIZEN.national_id, "王小堃", card_number="000012345678")  # 堃 has no Big5 code
    receipt = device_code_receipt(ReceiptHeader("臺北業務組", "3", "S0012", "T1110503-0044", AT), rare, stored)
    job_id = queue_for(store, printer.port, PrintMode.BIG5).submit(receipt)
    job = get_job(store, job_id)
    assert job is not None and job.state is PrintJobState.SENT
    assert job.print_mode is not None and "堃" in job.print_mode and job.print_mode.startswith("raster")
    assert decode_raster(printer.received[0]).tobytes() == render_receipt(receipt, 576).tobytes()


def assert_queued_with_error(store: Store, job_id: int, words: str) -> None:
    job = get_job(store, job_id)
    assert job is not None and job.state is PrintJobState.QUEUED
    assert job.last_error is not None and words in job.last_error, job.last_error


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_refused_connection_keeps_the_job(store: Store) -> None:
    queue = queue_for(store, closed_port())
    job_id = queue.submit(code_receipt(store))
    # "No answer" is the refusal itself, not the stall timeout ("停止接收資料") running out.
    assert_queued_with_error(store, job_id, "印表機沒有回應")
    assert queue.printer_state() is PrinterState.OFFLINE


def test_hang_up_mid_job_keeps_the_job(store: Store, serve: Callable[..., LoopbackPrinter]) -> None:
    printer = serve(hang_up_after(5000), rcvbuf=4096)
    queue = queue_for(store, printer.port)
    job_id = queue.submit(code_receipt(store))
    # The hang-up itself, not the stall timeout ("停止接收資料") running out.
    assert_queued_with_error(store, job_id, "中斷線")
    job = get_job(store, job_id)
    assert job is not None and 0 < len(printer.received[0]) < len(job.payload)


def test_printer_that_never_reads_times_out_and_keeps_the_job(store: Store,
                                                             serve: Callable[..., LoopbackPrinter]) -> None:
    printer = serve(never_reads, rcvbuf=4096)
    queue = queue_for(store, printer.port)
    receipt = code_receipt(store)
    job_id = queue.submit(receipt)
    assert_queued_with_error(store, job_id, "停止接收資料")  # the stall timeout fired


Serve = Callable[..., LoopbackPrinter]


def test_the_store_stays_usable_while_a_send_hangs(store: Store, serve: Serve) -> None:
    """The app sends from a worker; the status bar and other screens must still reach the store."""
    connected = threading.Event()

    def silent(conn: socket.socket, stop: threading.Event) -> bytes:
        connected.set()
        return never_reads(conn, stop)

    printer = serve(silent, rcvbuf=4096)
    queue = queue_for(store, printer.port)
    job_id = queue.enqueue(code_receipt(store))
    worker = threading.Thread(target=queue.send_job, args=(job_id,))
    worker.start()
    assert connected.wait(10)  # the send is on the wire, to a printer that never reads
    assert queue.count() == 1
    assert latest_code(store, CITIZEN.national_id, AT) is not None
    # Both answered while the send was still blocked: the store never waits for the printer.
    assert worker.is_alive()
    worker.join(5)
    assert not worker.is_alive()
    assert_queued_with_error(store, job_id, "停止接收資料")


def test_a_restart_keeps_the_queue_and_prints_it_later(tmp_path: Path,
                                                      serve: Callable[..., LoopbackPrinter]) -> None:
    path = tmp_path / "kiosk.db"
    with open_store(path) as first:
        create_account(first, CITIZEN.national_id, CITIZEN.name, state=AccountState.ACTIVE, now=AT)
        refused = queue_for(first, closed_port())
        job_id = refused.submit(code_receipt(first))
        payload = get_job(first, job_id).payload  # type: ignore[union-attr]
    printer = serve(read_all)
    with open_store(path) as again:
        queue = queue_for(again, printer.port)
        assert [j.id for j in queue.queued()] == [job_id]
        assert [(r.job_id, r.ok) for r in queue.send_pending()] == [(job_id, True)]
        assert printer.received == [payload]
        assert queue.count() == 0


def answer_status(online: int, paper: int) -> Behaviour:
    def behaviour(conn: socket.socket, stop: threading.Event) -> bytes:
        conn.settimeout(5)
        asked = b""
        for reply in (online, paper):
            request = conn.recv(3)
            if not request:
                break
            asked += request
            conn.sendall(bytes([reply]))
        return asked

    return behaviour


@pytest.mark.parametrize(("online", "paper", "state"), [
    (0x12, 0x12, PrinterState.READY),
    (0x1A, 0x12, PrinterState.OFFLINE),
    (0x12, 0x72, PrinterState.PAPER_OUT),
])
def test_status_query_on_a_printer_that_answers(serve: Serve, online: int, paper: int,
                                                state: PrinterState) -> None:
    server = serve(answer_status(online, paper))
    printer = NetworkPrinter("127.0.0.1", server.port, timeout=TIMEOUT, status_query=True)
    assert printer.state() is state


def test_status_query_on_a_silent_printer_is_short(serve: Callable[..., LoopbackPrinter]) -> None:
    gave_up: list[bool] = []

    def silent(conn: socket.socket, stop: threading.Event) -> bytes:
        conn.settimeout(10)
        asked = conn.recv(3)
        try:
            gave_up.append(conn.recv(1) == b"")  # end of stream: the kiosk stopped waiting and closed
        except TimeoutError:
            gave_up.append(False)  # the kiosk was still waiting when the printer's patience ran out
        except OSError:
            gave_up.append(True)  # reset by the kiosk: it stopped waiting too
        return asked

    server = serve(silent)
    # A job timeout far beyond the printer's 10 s: only the short status timeout can end the wait.
    printer = NetworkPrinter("127.0.0.1", server.port, timeout=60, status_query=True)
    assert printer.state() is PrinterState.UNKNOWN
    server.close()  # joins the server thread, so its verdict is in
    assert gave_up == [True]


def test_without_status_queries_a_listening_printer_is_unknown(serve: Callable[..., LoopbackPrinter]) -> None:
    server = serve(read_all)
    assert NetworkPrinter("127.0.0.1", server.port).state() is PrinterState.UNKNOWN
