"""ESC/POS encoding through python-escpos, the raster decoder, and lazy importing."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from PIL import Image

from kiosk.core.clock import TAIPEI
from kiosk.core.errors import PrinterError
from kiosk.core.models import Citizen, CodeState, VerificationCode
from printing.escpos_encode import FRAGMENT_HEIGHT, decode_raster, encode_image, receipt_width
from printing.receipt import ReceiptHeader, device_code_receipt, lockout_lifted_receipt
from printing.render import render_receipt

AT = datetime(2022, 5, 3, 9, 50, 1, tzinfo=TAIPEI)
HEADER = ReceiptHeader("臺北業務組", "3", "S0012", "T1110503-0042", AT)
CITIZEN = Citizen("A123456789", "王小明")
CODE = VerificationCode(1, "A123456789", "R17b63g9", AT, AT + timedelta(minutes=10), CodeState.OPEN)


@pytest.mark.parametrize("width", [576, 384])
def test_decoded_job_equals_the_render_pixel_for_pixel(width: int) -> None:
    image = render_receipt(device_code_receipt(HEADER, CITIZEN, CODE), width)
    assert image.height > FRAGMENT_HEIGHT  # long enough to go out as several bands
    job = encode_image(image)
    assert job.startswith(b"\x1b@\x1dv0\x00")
    assert job.endswith(b"\x1dV\x00")  # full cut
    assert job.count(b"\x1dv0") == -(-image.height // FRAGMENT_HEIGHT)
    decoded = decode_raster(job)
    assert decoded.size == image.size
    assert decoded.tobytes() == image.tobytes()


def test_one_dot_changed_changes_the_job() -> None:
    image = render_receipt(lockout_lifted_receipt(HEADER, CITIZEN), 384)
    changed = image.copy()
    changed.putpixel((100, 100), 0 if image.getpixel((100, 100)) else 255)
    assert decode_raster(encode_image(changed)).tobytes() != image.tobytes()


def test_encoding_prints_nothing_on_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    encode_image(Image.new("1", (384, 50), 1))
    assert capsys.readouterr().out == ""


def test_profile_width_is_respected() -> None:
    assert receipt_width(80) == 576 and receipt_width(58) == 384
    assert receipt_width(80, "TM-T88V") == 512
    with pytest.raises(PrinterError) as caught:
        encode_image(Image.new("1", (576, 20), 1), profile="TM-T88V")
    assert "printer.profile" in caught.value.action
    assert encode_image(Image.new("1", (512, 20), 1), profile="TM-T88V").startswith(b"\x1b@")


def test_unknown_profile_is_a_printer_error() -> None:
    with pytest.raises(PrinterError):
        encode_image(Image.new("1", (384, 20), 1), profile="NoSuchPrinter-9000")


@pytest.mark.parametrize("junk", [b"", b"\x1b@", b"\x1dv0\x00\x30\x00\x10\x00\xff", b"\x07\x1b@"])
def test_decoder_refuses_what_it_does_not_understand(junk: bytes) -> None:
    with pytest.raises(ValueError):
        decode_raster(junk)


def test_escpos_and_textual_are_not_imported_at_start_up() -> None:
    code = ("import sys, printing.receipt, printing.render, kiosk.services.receipt_queue, printing.printers,"
            " printing.preview;"
            "print(sorted(m for m in ('escpos', 'textual', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
