"""Connections to real receipt printers. Each moves one finished ESC/POS job and nothing else.

Every failure leaves as a ``PrinterFault`` saying what happened and what to do, in Chinese and
English; the print queue keeps the job. Nothing here may block for long: a printer that is off, out
of paper or jammed simply stops taking data, so every wait has a short limit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import select
import socket
import stat
import subprocess
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from kiosk.core.errors import ConfigError, PrinterError
from printing.faults import PrinterFault, _missing_package, _os_fault, hung_up, no_answer, stalled
from printing.port import PrinterState, ReceiptPrinter

_T = TypeVar("_T")
CHUNK = 4096  # sent one at a time, so the timeout measures a stall, not the whole job
SEND_BUFFER = 16384  # small, so a printer that stops reading is noticed rather than buffered for
STATUS_TIMEOUT = 0.5  # seconds a status look may take: it runs while the clerk waits


def _within(seconds: float, fn: Callable[[], _T]) -> _T | None:
    """``fn()``, or ``None`` when it takes longer: escpos status reads can block for a minute."""
    box: list[_T] = []
    worker = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    return box[0] if box else None


class NetworkPrinter:
    """Raw TCP (port 9100). Sends in chunks with a stall timeout, then waits for the printer to close."""

    def __init__(self, host: str, port: int = 9100, timeout: float = 5.0, *, connect_timeout: float = 2.0,
                 drain_timeout: float = 1.0, status_query: bool = False) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.connect_timeout, self.drain_timeout = connect_timeout, drain_timeout
        self.status_query = status_query

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"

    def _connect(self, timeout: float) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except OSError as e:
            raise no_answer(self.name) from e
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        return sock

    def send(self, payload: bytes) -> None:
        with self._connect(self.connect_timeout) as sock:
            try:
                sock.settimeout(self.timeout)
                for start in range(0, len(payload), CHUNK):
                    sock.sendall(payload[start:start + CHUNK])
                sock.shutdown(socket.SHUT_WR)
                self._drain(sock)
            except OSError as e:
                raise _os_fault(self.name, e) from e

    def _drain(self, sock: socket.socket) -> None:
        # A printer that resets the connection now dropped bytes it had not printed; one that closes
        # cleanly, or stays silent, took them all.
        sock.settimeout(self.drain_timeout)
        with contextlib.suppress(TimeoutError):
            while sock.recv(256):
                pass

    def state(self) -> PrinterState:
        try:
            sock = self._connect(min(self.connect_timeout, STATUS_TIMEOUT * 2))
        except PrinterError:
            return PrinterState.OFFLINE
        with sock:
            if not self.status_query:
                return PrinterState.UNKNOWN
            sock.settimeout(STATUS_TIMEOUT)
            try:
                return _decode_status(sock.sendall, lambda: sock.recv(1))
            except OSError:
                return PrinterState.UNKNOWN


def _decode_status(write: Callable[[bytes], Any], read: Callable[[], bytes]) -> PrinterState:
    """DLE EOT 1 (printer) and DLE EOT 4 (paper roll), as ESC/POS defines their bits."""
    write(b"\x10\x04\x01")
    online = read()
    if not online:
        return PrinterState.UNKNOWN
    if online[0] & 0x08:
        return PrinterState.OFFLINE
    write(b"\x10\x04\x04")
    paper = read()
    if paper and paper[0] & 0x60 == 0x60:
        return PrinterState.PAPER_OUT
    return PrinterState.READY


class _EscposConnection:
    """USB and serial go through python-escpos's own connection classes, imported on first use."""

    kind = ""
    package = ""

    def __init__(self, timeout: float, profile: str | None, status_query: bool) -> None:
        self.timeout, self.profile, self.status_query = timeout, profile or None, status_query

    @property
    def name(self) -> str:
        raise NotImplementedError

    def _make(self) -> Any:
        raise NotImplementedError

    def _usable(self) -> bool:
        raise NotImplementedError

    def _open(self) -> Any:
        from escpos.exceptions import DeviceNotFoundError

        # Asked first: an escpos object built without its library raises again when collected.
        if not self._usable():
            raise _missing_package(self.package, self.kind)
        try:
            printer = self._make()
            printer.open()
        except DeviceNotFoundError as e:
            raise no_answer(self.name) from e
        except OSError as e:
            raise _os_fault(self.name, e) from e
        return printer

    def send(self, payload: bytes) -> None:
        printer = self._open()
        try:
            printer._raw(payload)
        except Exception as e:  # pyusb's USBError / pyserial's SerialException are not OSErrors
            if isinstance(e, OSError):
                raise _os_fault(self.name, e) from e
            if "timeout" in type(e).__name__.lower() or "timed out" in str(e).lower():
                raise stalled(self.name) from e
            raise hung_up(self.name) from e
        finally:
            with contextlib.suppress(Exception):
                printer.close()

    def state(self) -> PrinterState:
        def look() -> PrinterState:
            try:
                printer = self._open()
            except PrinterError:
                return PrinterState.OFFLINE
            try:
                if not self.status_query:
                    return PrinterState.UNKNOWN
                return _decode_status(printer._raw, printer._read)
            except Exception:
                return PrinterState.UNKNOWN
            finally:
                with contextlib.suppress(Exception):
                    printer.close()

        return _within(STATUS_TIMEOUT * 2, look) or PrinterState.UNKNOWN


class UsbPrinter(_EscposConnection):
    kind, package = "USB ", "pyusb"

    def __init__(self, vendor_id: int, product_id: int, timeout: float = 5.0, *, profile: str | None = None,
                 status_query: bool = False) -> None:
        super().__init__(timeout, profile, status_query)
        self.vendor_id, self.product_id = vendor_id, product_id

    @property
    def name(self) -> str:
        return f"USB {self.vendor_id:04x}:{self.product_id:04x}"

    def _usable(self) -> bool:
        from escpos.printer import Usb

        return bool(Usb.is_usable())

    def _make(self) -> Any:
        from escpos.printer import Usb

        return Usb(self.vendor_id, self.product_id, timeout=int(self.timeout * 1000), profile=self.profile)


class SerialPrinter(_EscposConnection):
    kind, package = "序列埠", "pyserial"

    def __init__(self, device: str, baudrate: int = 9600, timeout: float = 5.0, *, profile: str | None = None,
                 status_query: bool = False) -> None:
        super().__init__(timeout, profile, status_query)
        self.device, self.baudrate = device, baudrate

    @property
    def name(self) -> str:
        return self.device

    def _usable(self) -> bool:
        from escpos.printer import Serial

        return bool(Serial.is_usable())

    def _make(self) -> Any:
        return _bounded_serial_class()(devfile=self.device, baudrate=self.baudrate, timeout=self.timeout,
                                       profile=self.profile, write_timeout=self.timeout)


def _bounded_serial_class() -> Any:
    from escpos.printer import Serial

    class BoundedSerial(Serial):  # type: ignore[misc]
        # With DSR/DTR flow control a switched-off printer makes pyserial's write wait forever.
        def __init__(self, *args: Any, write_timeout: float, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._write_timeout = write_timeout

        def open(self, raise_not_found: bool = True) -> None:
            super().open(raise_not_found)
            if self.device:
                self.device.write_timeout = self._write_timeout

    return BoundedSerial


class FilePrinter:
    """A device node (``/dev/usb/lp0``, a FIFO) or a plain file that receives each job."""

    def __init__(self, path: str, timeout: float = 5.0) -> None:
        self.path, self.timeout = path, timeout

    @property
    def name(self) -> str:
        return self.path

    def send(self, payload: bytes) -> None:
        try:
            mode = os.stat(self.path).st_mode if os.path.exists(self.path) else 0
            if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
                Path(self.path).write_bytes(payload)
                return
            # Non-blocking, so a printer that stops taking data is a stall after ``timeout``, not a hang.
            fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            raise _os_fault(self.name, e) from e
        try:
            view = memoryview(payload)
            while view:
                if not select.select([], [fd], [], self.timeout)[1]:
                    raise stalled(self.name)
                try:
                    view = view[os.write(fd, view[:CHUNK]):]
                except BlockingIOError:
                    continue
        except OSError as e:
            raise _os_fault(self.name, e) from e
        finally:
            os.close(fd)

    def state(self) -> PrinterState:
        if os.path.exists(self.path):
            return PrinterState.UNKNOWN if not os.path.isfile(self.path) else PrinterState.READY
        folder = os.path.dirname(self.path) or "."
        return PrinterState.READY if os.path.isdir(folder) else PrinterState.OFFLINE


class CupsPrinter:
    """A CUPS queue fed raw bytes with ``lp -d NAME -o raw``; CUPS then owns the retrying."""

    def __init__(self, printer_name: str, timeout: float = 5.0) -> None:
        self.printer_name, self.timeout = printer_name, timeout

    @property
    def name(self) -> str:
        return f"CUPS {self.printer_name}"

    def send(self, payload: bytes) -> None:
        try:
            done = subprocess.run(["lp", "-d", self.printer_name, "-o", "raw"], input=payload,
                                  capture_output=True, timeout=self.timeout, check=False)
        except FileNotFoundError as e:
            raise _missing_package("cups-client", "CUPS ") from e
        except subprocess.TimeoutExpired as e:
            raise no_answer(self.name) from e
        if done.returncode != 0:
            from kiosk.core.masking import scrub  # only on a CUPS failure: off the start-up path

            detail = scrub(done.stderr.decode(errors="replace").strip())[:200]
            raise PrinterFault(f"CUPS 拒絕列印（{self.name}）：{detail}",
                               "請確認設定檔 printer.cups_name 與 CUPS 服務後在列印佇列（Ctrl+E）按 R 重印",
                               message_en=f"CUPS refused the job ({self.name}): {detail}",
                               action_en="Check printer.cups_name and the CUPS service, "
                                         "then press R (Retry) in the print queue (Ctrl+E).")

    def state(self) -> PrinterState:
        try:
            done = subprocess.run(["lpstat", "-p", self.printer_name], capture_output=True,
                                  timeout=STATUS_TIMEOUT * 2, check=False, text=True)
        except (OSError, subprocess.TimeoutExpired):
            return PrinterState.UNKNOWN
        if done.returncode != 0 or "disabled" in done.stdout:
            return PrinterState.OFFLINE
        return PrinterState.READY


def printer_from_config(config: Mapping[str, Any] | Any, *, preview_folder: str | Path | None = None
                        ) -> ReceiptPrinter:
    """The connection ``config`` names (a mapping or the app's ``PrinterConfig`` dataclass).

    Keys: ``kind`` (network, usb, serial, file, cups, preview), ``host``, ``port``, ``timeout_seconds``,
    ``vendor_id``, ``product_id``, ``device``, ``baudrate``, ``cups_name``, ``folder``, ``profile``, and
    ``status_query`` (default false: most counter printers never answer status queries).
    """
    c: Mapping[str, Any] = config
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        c = dataclasses.asdict(config)
    kind = c.get("kind", "preview")
    timeout = float(c.get("timeout_seconds", 5.0))
    profile = c.get("profile") or None
    query = bool(c.get("status_query", False))
    if kind == "network":
        return NetworkPrinter(c["host"], int(c.get("port", 9100)), timeout, status_query=query)
    if kind == "usb":
        return UsbPrinter(int(c["vendor_id"]), int(c["product_id"]), timeout, profile=profile,
                          status_query=query)
    if kind == "serial":
        return SerialPrinter(c["device"], int(c.get("baudrate", 9600)), timeout, profile=profile,
                             status_query=query)
    if kind == "file":
        return FilePrinter(c["device"], timeout)
    if kind == "cups":
        return CupsPrinter(c["cups_name"], timeout)
    if kind == "preview":
        from printing.preview import PreviewPrinter

        folder = c.get("folder") or preview_folder
        if not folder:
            raise ConfigError("printer.folder", "printer.folder: required when printer.kind = 'preview'")
        width = 384 if int(c.get("paper_width_mm", 80)) == 58 else 576
        return PreviewPrinter(Path(folder).expanduser(), width=width)
    raise ConfigError("printer.kind", f"printer.kind: unknown printer kind {kind!r}")
