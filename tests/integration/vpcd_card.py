"""A virtual NHI card that plugs into vsmartcard's vpcd driver over TCP, stdlib only.

vpcd, loaded by pcscd, listens on 127.0.0.1:PORT for reader ``Virtual PCD 00 00`` (PORT+1 for
``00 01``). The system's /etc/reader.conf.d says 35963; the tests' pcscd reads a reader.conf.d of its
own with a free port instead (``Pcscd.vpcd_port``), so nothing depends on or touches the system's.
A card connecting there is "inserted"; closing the
socket "removes" it. Both ways, each message is a 2-byte big-endian length and a payload. A
1-byte payload from vpcd is a control code (0 power off, 1 power on, 2 reset, 4 send the ATR);
anything longer is a command APDU, answered with data + SW.

The answers come from ``kiosk.reader.simulated.VirtualNhiCard.respond``, so the in-process fake
and this card speak the same bytes and have the same fault knobs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from kiosk.reader.simulated import VirtualNhiCard

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963  # the system configuration's port; the tests' own pcscd picks a free one
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"

# Where the pcscd started last put vpcd; a VpcdCard without an explicit port connects there.
_active_vpcd_port = VPCD_PORT
VPCD_READER = "Virtual PCD 00 00"

_CTRL_OFF, _CTRL_ON, _CTRL_RESET, _CTRL_ATR = 0, 1, 2, 4


def _quickack(sock: socket.socket) -> None:
    # Linux turns quick ACKs back off after a while; without them each APDU waits for the
    # delayed ACK (~40 ms) because vpcd writes length and payload separately.
    if hasattr(socket, "TCP_QUICKACK"):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        _quickack(sock)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


class VpcdCard:
    """Insert with ``insert()``, pull with ``remove()``; the conversation runs on a thread.

    ``pull_after``: after answering this many APDUs, the next one is never answered and the
    socket is closed, as when the citizen pulls the card in the middle of a read.
    """

    def __init__(
        self,
        card: VirtualNhiCard,
        *,
        host: str = VPCD_HOST,
        port: int | None = None,
        pull_after: int | None = None,
    ) -> None:
        self.card = card
        self.host = host
        self.port = port if port is not None else _active_vpcd_port
        self.pull_after = pull_after
        self.answered = 0
        self.atr_requests = 0
        self.error: BaseException | None = None  # anything unexpected on the card's thread
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def inserted(self) -> bool:
        with self._lock:
            return self._sock is not None

    def insert(self, timeout: float = 5.0) -> None:
        """Connect to vpcd; retries while pcscd is still loading the driver."""
        if self.inserted:
            raise RuntimeError("card already inserted")
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.answered = 0
        with self._lock:
            self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="vpcd-card", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Pull the card: close the socket, unblock a mute card, wait for the thread to end."""
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        # A mute card's thread sits in respond(); let it return so the thread can end.
        self.card.release()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def _send(self, sock: socket.socket, payload: bytes) -> None:
        sock.sendall(struct.pack(">H", len(payload)) + payload)

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                header = _recv_exact(sock, 2)
                if header is None:
                    return
                (length,) = struct.unpack(">H", header)
                payload = _recv_exact(sock, length)
                if payload is None:
                    return
                if length == 1:
                    self._control(sock, payload[0])
                    continue
                if self.pull_after is not None and self.answered >= self.pull_after:
                    self._pull_now()
                    return
                answer = self.card.respond(payload)
                if not self.inserted:  # pulled while the card was thinking
                    return
                self._send(sock, answer)
                self.answered += 1
        except OSError:
            return  # the socket was closed under us: that is what remove() does
        except BaseException as exc:  # surface fixture bugs to the test instead of losing them
            self.error = exc
            raise

    def _control(self, sock: socket.socket, code: int) -> None:
        if code == _CTRL_ATR:
            self.atr_requests += 1
            self._send(sock, self.card.atr)
        elif code in (_CTRL_OFF, _CTRL_ON, _CTRL_RESET):
            self.card.reset()
        # Unknown control codes get no answer, as vpcd expects none for them.

    def _pull_now(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def __enter__(self) -> VpcdCard:
        self.insert()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


# ---------------------------------------------------------------------------------------------
# pcscd, started and stopped by the tests (and by bench/card_read)

PCSCD = shutil.which("pcscd") or "/usr/sbin/pcscd"  # /usr/sbin is not on every PATH
PCSCD_DIR = Path("/run/pcscd")


def pcscd_pids() -> list[int]:
    """Every running pcscd, ours or not (from /proc, so no pgrep needed)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() == "pcscd":
                pids.append(int(comm.parent.name))
    return pids


def pcscd_installed() -> bool:
    return os.access(PCSCD, os.X_OK)


def can_run_pcscd() -> bool:
    """pcscd creates /run/pcscd; without root that needs a folder made for us beforehand."""
    return os.access(PCSCD_DIR, os.W_OK) if PCSCD_DIR.exists() else os.access(PCSCD_DIR.parent, os.W_OK)


def vpcd_installed() -> bool:
    return os.path.exists(VPCD_DRIVER)


def _free_port_pair() -> int:
    """A port P with P and P+1 free on loopback (vpcd opens one per virtual reader)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((VPCD_HOST, 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        with socket.socket() as second:
            try:
                second.bind((VPCD_HOST, port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two adjacent free TCP ports on loopback")


class Pcscd:
    """One ``pcscd --foreground`` we own, stopped by its PID. Its reader.conf.d is a folder of its
    own: by default one with vpcd on a free port (``vpcd_port``); ``config_dir`` names another, and
    an empty folder gives a pcscd with no reader at all (vpcd readers cannot be unplugged)."""

    def __init__(self, config_dir: str | os.PathLike[str] | None = None, log_path: str | None = None) -> None:
        self.config_dir = config_dir
        self.log_path = log_path
        self.vpcd_port: int | None = None
        self._own_config: tempfile.TemporaryDirectory[str] | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def _vpcd_config(self) -> str:
        """A reader.conf.d holding only vpcd, on a port pair free at the first start (a restart keeps
        it, as the system configuration's fixed port did)."""
        global _active_vpcd_port
        if self._own_config is None:
            self._own_config = tempfile.TemporaryDirectory(prefix="kiosk-pcscd-")
        port = self.vpcd_port if self.vpcd_port is not None else _free_port_pair()
        Path(self._own_config.name, "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x{port:X}\n'
            f"LIBPATH      {VPCD_DRIVER}\nCHANNELID    0x{port:X}\n"
        )
        self.vpcd_port = _active_vpcd_port = port
        return self._own_config.name

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 5.0) -> None:
        if self.running:
            return
        config = str(self.config_dir) if self.config_dir is not None else self._vpcd_config()
        argv = [PCSCD, "--foreground", "--error", "--config", config]
        if self.log_path:
            with open(self.log_path, "ab") as out:
                self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        else:
            self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        from smartcard import scard

        want_vpcd = self.config_dir is None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"pcscd exited at start with status {self.proc.returncode}")
            hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hr == 0:
                hr, readers = scard.SCardListReaders(ctx, [])
                scard.SCardReleaseContext(ctx)
                if not want_vpcd or (hr == 0 and VPCD_READER in readers):
                    return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"pcscd not ready within {timeout} s")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 5.0) -> None:
        """Stop by PID and wait for that PID to go, so the next pcscd can take the socket."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)

    def kill(self) -> None:
        """A crash: SIGKILL, leaving its socket and PID files behind as a crash would."""
        self.stop(signal.SIGKILL)
