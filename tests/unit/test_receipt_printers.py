"""Printer adapters other than the network one: file and device nodes, CUPS, USB, serial, config."""

from __future__ import annotations

import dataclasses
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from kiosk.core.errors import ConfigError, PrinterError
from printing.port import PrinterState
from printing.preview import PreviewPrinter
from printing.printers import (
    CupsPrinter,
    FilePrinter,
    NetworkPrinter,
    PrinterFault,
    SerialPrinter,
    UsbPrinter,
    printer_from_config,
)

JOB = b"\x1b@" + bytes(range(256)) * 200 + b"\x1dV\x00"


def test_file_printer_writes_the_job(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    printer = FilePrinter(str(target))
    assert printer.state() is PrinterState.READY
    printer.send(JOB)
    assert target.read_bytes() == JOB


def test_file_printer_in_a_missing_folder_is_offline(tmp_path: Path) -> None:
    printer = FilePrinter(str(tmp_path / "nowhere" / "lp0"))
    assert printer.state() is PrinterState.OFFLINE
    with pytest.raises(PrinterError) as caught:
        printer.send(JOB)
    assert "重印" in caught.value.action


def test_device_node_nobody_reads_is_no_answer(tmp_path: Path) -> None:
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    with pytest.raises(PrinterFault) as caught:  # ENXIO: a FIFO without a reader, like a printer that is off
        FilePrinter(str(fifo), timeout=0.5).send(JOB)
    assert caught.value.state is PrinterState.OFFLINE


def test_device_node_that_stops_taking_data_stalls_within_the_timeout(tmp_path: Path) -> None:
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    opened = threading.Event()

    def stuck_printer() -> None:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        opened.set()
        time.sleep(2)  # holds the device open and reads nothing, like a jammed printer
        os.close(fd)

    reader = threading.Thread(target=stuck_printer)
    reader.start()
    opened.wait(2)
    started = time.monotonic()
    with pytest.raises(PrinterFault) as caught:
        FilePrinter(str(fifo), timeout=0.5).send(JOB * 4)
    assert time.monotonic() - started < 1.5
    assert caught.value.state is PrinterState.PAPER_OUT and "缺紙" in caught.value.message
    reader.join()


def fake_lp(folder: Path, script: str) -> None:
    for name in ("lp", "lpstat"):
        tool = folder / name
        tool.write_text("#!/bin/sh\n" + script)
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)


def test_cups_printer_feeds_lp_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_lp(tmp_path, f'echo "$@" > {tmp_path}/args\ncat > {tmp_path}/job\n'
                      'echo "printer counter1 is idle."\n')
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    printer = CupsPrinter("counter1")
    printer.send(JOB)
    assert (tmp_path / "job").read_bytes() == JOB
    assert (tmp_path / "args").read_text().split() == ["-d", "counter1", "-o", "raw"]
    assert printer.state() is PrinterState.READY


def test_cups_refusal_is_reported_without_personal_data(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_lp(tmp_path, 'cat > /dev/null\necho "lp: job for A123456789 refused" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    with pytest.raises(PrinterError) as caught:
        CupsPrinter("counter1").send(JOB)
    assert "refused" in caught.value.message and "A123456789" not in caught.value.message
    assert CupsPrinter("counter1").state() is PrinterState.OFFLINE


def test_cups_without_lp_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrinterError) as caught:
        CupsPrinter("counter1").send(JOB)
    assert "cups-client" in caught.value.message


def test_usb_printer_that_is_not_there_is_a_printer_error() -> None:
    printer = UsbPrinter(0x04B8, 0x0E15, timeout=0.5)
    with pytest.raises(PrinterError):  # pyusb missing, or no such device: both say what to do
        printer.send(JOB)
    assert printer.state() in (PrinterState.OFFLINE, PrinterState.UNKNOWN)


def test_serial_printer_that_is_not_there_is_a_printer_error(tmp_path: Path) -> None:
    printer = SerialPrinter(str(tmp_path / "ttyUSB9"), 9600, timeout=0.5)
    with pytest.raises(PrinterError):
        printer.send(JOB)


@dataclasses.dataclass(frozen=True)
class FakePrinterConfig:  # the shape of kiosk.config.PrinterConfig
    kind: str = "preview"
    host: str = ""
    port: int = 9100
    timeout_seconds: float = 5.0
    vendor_id: int = 0
    product_id: int = 0
    device: str = ""
    baudrate: int = 9600
    cups_name: str = ""
    folder: str = ""
    profile: str = ""


def test_config_builds_each_kind(tmp_path: Path) -> None:
    network = printer_from_config({"kind": "network", "host": "printer.local", "timeout_seconds": 2.5})
    assert isinstance(network, NetworkPrinter) and network.timeout == 2.5
    assert network.name == "printer.local:9100"
    usb = printer_from_config({"kind": "usb", "vendor_id": 0x04B8, "product_id": 0x0E15, "profile": "TM-T20"})
    assert isinstance(usb, UsbPrinter) and usb.profile == "TM-T20"
    assert isinstance(printer_from_config({"kind": "serial", "device": "/dev/ttyS0"}), SerialPrinter)
    assert isinstance(printer_from_config({"kind": "file", "device": "/dev/usb/lp0"}), FilePrinter)
    assert isinstance(printer_from_config({"kind": "cups", "cups_name": "counter1"}), CupsPrinter)
    preview = printer_from_config(FakePrinterConfig(folder=str(tmp_path)))
    assert isinstance(preview, PreviewPrinter) and preview.folder == tmp_path
    fallback = printer_from_config(FakePrinterConfig(), preview_folder=tmp_path / "r")
    assert isinstance(fallback, PreviewPrinter) and fallback.folder == tmp_path / "r"


def test_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        printer_from_config({"kind": "bluetooth"})
    assert caught.value.key == "printer.kind"
    with pytest.raises(ConfigError) as caught:
        printer_from_config({"kind": "preview", "folder": ""})
    assert caught.value.key == "printer.folder"
