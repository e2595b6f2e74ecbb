"""Receipt PNGs of the preview printer: named in Taipei time, never overwriting an earlier run's."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.core.clock import TAIPEI
from printing.escpos_encode import encode_image
from printing.preview import PreviewPrinter


@pytest.fixture
def payload() -> bytes:
    from PIL import Image

    return encode_image(Image.new("1", (64, 16), 1))


def test_two_runs_in_the_same_second_keep_both_receipts(tmp_path: Path, payload: bytes) -> None:
    first, second = PreviewPrinter(tmp_path), PreviewPrinter(tmp_path)  # a restart: the serial starts again
    first.send(payload)
    second.send(payload)
    assert first.last_path != second.last_path
    assert len(list(tmp_path.glob("*.png"))) == 2


def test_names_are_in_taipei_time(tmp_path: Path, payload: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        before = datetime.now(TAIPEI).strftime("%Y%m%d-%H")
        printer = PreviewPrinter(tmp_path)
        printer.send(payload)
        after = datetime.now(TAIPEI).strftime("%Y%m%d-%H")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert printer.last_path is not None
    assert printer.last_path.name[len("receipt-"):][:11] in {before, after}
    assert os.environ.get("TZ") is None
