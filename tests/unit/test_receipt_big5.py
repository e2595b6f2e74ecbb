"""Big5 text receipts read back byte by byte: text runs, native QR, masking, columns, fallbacks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp

from data.print_jobs import get_job
from data.store import Store, open_store
from kiosk.config import Config, PrinterConfig
from kiosk.core.clock import TAIPEI, FrozenClock
from kiosk.core.models import Citizen, CodeState, Contact, IdDocument, VerificationCode
from kiosk.services.receipt_queue import PrintQueue
from printing.capability import PrinterCapability, PrintMode, capability_for, resolve
from printing.escpos_encode import decode_raster
from printing.escpos_text import big5_bytes
from printing.port import CapturePrinter
from printing.preview import PreviewPrinter, preview_image
from printing.receipt import Receipt, ReceiptHeader, device_code_receipt, registration_receipt
from printing.text_layout import cells, wrap
from tests.escpos_job import decode_job

AT = datetime(2022, 5, 3, 9, 50, 1, tzinfo=TAIPEI)
CITIZEN = Citizen("A123456789", "王小明", card_number="000012345678")
RARE = Citizen("A123456789", "林小堃", card_number="000012345678")  # 堃 is not in Big5
CODE = "R17b63g9"
HEADER = ReceiptHeader("中央健康保險署 臺北業務組 聯合服務中心", "3", "S0012", "T1110503-0042", AT)


def code_receipt(citizen: Citizen = CITIZEN) -> Receipt:
    code = VerificationCode(1, citizen.national_id, CODE, AT, AT + timedelta(minutes=10), CodeState.OPEN)
    return device_code_receipt(HEADER, citizen, code)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "kiosk.db") as s:
        yield s


def big5_queue(store: Store, width: int = 576, *, native_qr: bool = True,
               printer: CapturePrinter | PreviewPrinter | None = None) -> PrintQueue:
    return PrintQueue(store, printer or CapturePrinter(), FrozenClock(AT), width=width,
                      capability=PrinterCapability(PrintMode.BIG5, native_qr, width))


def printed(store: Store, queue: PrintQueue, receipt: Receipt) -> tuple[bytes, str | None]:
    job_id = queue.submit(receipt)
    job = get_job(store, job_id)
    assert job is not None
    assert isinstance(queue.printer, CapturePrinter) and queue.printer.jobs == [job.payload]
    return job.payload, job.print_mode


def test_device_code_receipt_in_big5_is_text_with_a_native_qr_of_the_code(store: Store) -> None:
    payload, mode = printed(store, big5_queue(store), code_receipt())
    job = decode_job(payload)
    assert mode == "big5"
    assert len(payload) <= 3 * 1024  # ≤ 3.2 s at 9600 baud; the raster receipt is ~90 KB
    assert [q.payload for q in job.qrs] == [CODE]  # the QR holds exactly the code shown
    qr = job.qrs[0]
    assert (qr.model, qr.ec, qr.module) == (2, 49, 8)  # model 2, EC M, 8 dots a module on 80 mm
    assert job.rasters == [] and job.cut
    assert job.order == ["text", "qr", "text", "cut"]  # Chinese mode left before GS ( k (decoder checks)
    big = [line for line in job.lines if line.wide]
    assert [line.text.split() for line in big] == [list(CODE)]  # the code, double size, spaced
    marks = job.lines[job.lines.index(big[0]) + 1].text.split()
    assert marks == ["大", "數", "數", "小", "數", "數", "小", "數"]
    text = "\n".join(job.kanji_runs)
    assert "行動裝置認證碼" in text and "中央健康保險署" in text
    assert "王○明" in text and "A123****89" in text and "********5678" in text  # masked as on raster
    for secret in (b"A123456789", b"000012345678", "王小明".encode("cp950")):
        assert secret not in payload


@pytest.mark.parametrize(("width", "columns"), [(576, 48), (512, 42), (384, 32)])
def test_every_line_fits_the_printer_grid(store: Store, width: int, columns: int) -> None:
    contact = Contact(mobile="0912345678", email="wang.ming@example.com", household_no="FB123456")
    for receipt in (code_receipt(), registration_receipt(HEADER, CITIZEN, contact, IdDocument.PASSPORT)):
        job = decode_job(big5_queue(store, width).encode(receipt)[0])
        assert max(line.columns for line in job.lines) == columns  # the rules span the paper exactly
        assert all(line.columns <= columns for line in job.lines), [
            (line.columns, line.text) for line in job.lines if line.columns > columns]
        rows = [line.text for line in job.lines if line.text.startswith("身分證號")]
        assert rows == ["身分證號" + " " * (columns - 8 - 10) + "A123****89"]  # value right-aligned


def test_58mm_qr_module_is_smaller(store: Store) -> None:
    job = decode_job(big5_queue(store, 384).encode(code_receipt())[0])
    assert job.qrs[0].module == 6 and job.qrs[0].payload == CODE


def test_a_name_outside_big5_prints_as_raster_and_the_job_says_so(store: Store) -> None:
    payload, mode = printed(store, big5_queue(store), code_receipt(RARE))
    assert mode is not None and mode.startswith("raster") and "堃" in mode
    assert b"\x1c&" not in payload and b"\x1d(k" not in payload  # no text mode at all
    image = decode_raster(payload)  # a whole raster receipt, QR included
    assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [CODE]


def test_without_native_qr_the_qr_is_an_image_inside_the_text_receipt(store: Store) -> None:
    payload, mode = printed(store, big5_queue(store, native_qr=False), code_receipt())
    job = decode_job(payload)
    assert mode == "big5 (raster QR)"
    assert job.qrs == [] and len(job.rasters) == 1
    assert job.order == ["text", "raster", "text", "cut"]
    assert [r.text for r in zxingcpp.read_barcodes(job.rasters[0].convert("L"))] == [CODE]
    assert "行動裝置認證碼" in "\n".join(job.kanji_runs)
    assert len(payload) < 8 * 1024


def test_raster_mode_is_still_the_default(store: Store) -> None:
    queue = PrintQueue(store, CapturePrinter(), FrozenClock(AT), width=576)
    payload, mode = printed(store, queue, code_receipt())
    assert mode == "raster" and b"\x1c&" not in payload
    decode_raster(payload)


@pytest.mark.parametrize("width", [576, 384])
def test_the_preview_draws_what_the_text_job_prints(store: Store, tmp_path: Path, width: int) -> None:
    printer = PreviewPrinter(tmp_path / "receipts", width=width)
    queue = big5_queue(store, width, printer=printer)
    job_id = queue.submit(code_receipt())
    job = get_job(store, job_id)
    assert job is not None and printer.last_path is not None and printer.last_image is not None
    image = printer.last_image
    assert image.width == width
    # The native QR is drawn from the GS ( k payload, so scanning the preview checks the bytes.
    assert [r.text for r in zxingcpp.read_barcodes(image.convert("L"))] == [CODE]
    stored = preview_image(job.payload, width)
    assert stored.tobytes() == image.tobytes()


def test_big5_bytes_keep_to_standard_big5() -> None:
    assert big5_bytes("～") == b"\xa1\xe3"  # the full-width tilde of 民國 date ranges
    assert big5_bytes("○") is not None and big5_bytes("＊") is not None
    for ch in "堃喆碁裏€":  # not Big5, or only in cp950's extra rows
        assert big5_bytes(ch) is None


def test_wrap_counts_big5_as_two_columns_and_keeps_words() -> None:
    assert cells("A身") == 3
    assert wrap("健保快易通 APP", 10) == ["健保快易通", "APP"]
    assert wrap("中央健康保險署 臺北業務組", 16, whole_words=True) == ["中央健康保險署", "臺北業務組"]
    assert all(not line.startswith("，") for line in wrap("一二三四，五六七八九十", 8))


def test_mode_auto_goes_by_printer_model() -> None:
    assert resolve("auto", model="TM-T88V-631").mode is PrintMode.BIG5
    assert resolve("auto", model="Epson TM-T82III").mode is PrintMode.BIG5  # as staff type it
    assert resolve("auto", model="tm-t82iii").mode is PrintMode.BIG5
    assert resolve("auto", model="XPrinter XP-80C").mode is PrintMode.RASTER
    assert resolve("auto", model="").mode is PrintMode.RASTER
    assert resolve("big5", qr="raster").native_qr is False
    assert resolve("raster").mode is PrintMode.RASTER
    cap = capability_for(replace(Config().printer, mode="big5", paper_width_mm=58))
    assert (cap.mode, cap.columns) == (PrintMode.BIG5, 32)
    assert capability_for(PrinterConfig(mode="big5", profile="TM-T88V")).columns == 42  # a 512-dot head


def test_decoder_rejects_chinese_outside_chinese_mode() -> None:
    with pytest.raises(AssertionError, match="outside Chinese mode"):
        decode_job(b"\x1b@" + "中".encode("cp950") + b"\n")
    with pytest.raises(AssertionError, match="inside Chinese mode"):
        decode_job(b"\x1b@\x1c&\x1d(k\x03\x001Q0\x1c.")


def test_cli_printer_test_sends_the_test_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main
    from printing.selftest import BIG5_SAMPLE, NATIVE_PAYLOAD, RASTER_PAYLOAD

    config = tmp_path / "k.toml"
    out = tmp_path / "printer.bin"
    config.write_text(f'[printer]\nkind = "file"\ndevice = "{out}"\npaper_width_mm = 58\n', encoding="utf-8")
    assert main(["--config", str(config), "printer", "test", "--png", str(tmp_path / "page.png")]) == 0
    job = decode_job(out.read_bytes())
    assert job.kanji_runs == ["\n".join(BIG5_SAMPLE)]
    assert [q.payload for q in job.qrs] == [NATIVE_PAYLOAD] and job.qrs[0].module == 6
    assert all(line.columns <= 32 for line in job.lines)
    assert RASTER_PAYLOAD in [r.text for i in job.rasters for r in zxingcpp.read_barcodes(i.convert("L"))]
    from PIL import Image

    with Image.open(tmp_path / "page.png") as page:
        assert page.width == 384
        scanned = {r.text for r in zxingcpp.read_barcodes(page.convert("L"))}
    assert {NATIVE_PAYLOAD, RASTER_PAYLOAD} <= scanned
    assert "test page sent" in capsys.readouterr().out
