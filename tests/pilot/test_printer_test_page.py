"""The printer test page from the print queue screen (Ctrl+E, then T)."""

from __future__ import annotations

import zxingcpp

from kiosk.screens.print_queue import PrintQueueScreen
from printing.port import CapturePrinter
from printing.selftest import BIG5_SAMPLE, NATIVE_PAYLOAD, RASTER_PAYLOAD
from tests.conftest import TERMINAL, sign_in, wait_until
from tests.escpos_job import decode_job


async def test_t_on_the_print_queue_prints_the_test_page(make_kiosk):
    printer = CapturePrinter()
    app = make_kiosk(printer=printer)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, PrintQueueScreen)
                         and pilot.app.screen.view is not None)
        await pilot.press("t")
        await wait_until(pilot, lambda: len(printer.jobs) == 1)
        job = decode_job(printer.jobs[0])
        assert job.kanji_runs == ["\n".join(BIG5_SAMPLE)]  # the code-page sample, as Big5 text
        assert [q.payload for q in job.qrs] == [NATIVE_PAYLOAD]  # the printer's own QR command
        scanned = [r.text for image in job.rasters for r in zxingcpp.read_barcodes(image.convert("L"))]
        assert RASTER_PAYLOAD in scanned  # and the same kind of QR as an image
        assert job.cut
        await wait_until(pilot, lambda: "測試頁" in str(app.screen.query_one("#service-message").render()))
