"""The preview printer ``kiosk --demo`` uses: each job becomes a PNG in a folder, and the last one is
kept for the on-screen preview.

The picture is decoded from the job's ESC/POS bytes, not taken from the renderer, so what the
preview shows is exactly what a thermal printer would have printed.
"""

from __future__ import annotations

import io
import itertools
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.core.clock import TAIPEI
from kiosk.core.errors import PrinterError
from printing.port import PrinterState

if TYPE_CHECKING:
    from PIL import Image


def preview_image(payload: bytes, width: int = 576) -> Image.Image:
    """What ``payload`` prints, as a ``mode "1"`` image (for the preview screen).

    A raster job is its own picture; a Big5 text job is drawn on the printer's character grid, with
    its native QR code, ``width`` dots across, as a printer with a Big5 font prints it."""
    # Imported here: Pillow is slow to import, and the preview printer is built at start-up.
    from printing.escpos_encode import decode_raster

    try:
        try:
            return decode_raster(payload)
        except ValueError:
            from printing.escpos_view import render_job

            return render_job(payload, width)
    except (ValueError, IndexError) as e:
        raise PrinterError("收據內容無法預覽", "請重新產生收據",
                           message_en="The receipt cannot be previewed.",
                           action_en="Produce the receipt again.") from e


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


class PreviewPrinter:
    def __init__(self, folder: Path | str, name: str = "preview", *, width: int = 576) -> None:
        self.folder = Path(folder)
        self.width = width  # dots across the paper, for drawing text-mode jobs
        self._name = name
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self.last_image: Image.Image | None = None
        self.last_path: Path | None = None

    @property
    def name(self) -> str:
        return self._name

    def send(self, payload: bytes) -> None:
        image = preview_image(payload, self.width)
        try:
            # Masked, but still about a person: only the kiosk's own user may read the folder.
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self._lock:
                # Taipei time and a counter only: a file name never carries anything about the citizen.
                # Created exclusively, so a restart within the same second never overwrites a receipt.
                stamp = f"receipt-{datetime.now(TAIPEI):%Y%m%d-%H%M%S}"
                data = png_bytes(image)
                while True:
                    path = self.folder / f"{stamp}-{next(self._serial):04d}.png"
                    try:
                        with path.open("xb") as out:
                            out.write(data)
                        break
                    except FileExistsError:
                        continue
                self.last_image, self.last_path = image, path
        except OSError as e:
            raise PrinterError(f"預覽收據無法存檔（{self.folder}）",
                               "請確認設定檔 printer.folder 資料夾可寫入",
                               message_en=f"Cannot save the receipt preview in {self.folder}.",
                               action_en="Make sure printer.folder is writable.") from e

    def state(self) -> PrinterState:
        return PrinterState.READY
