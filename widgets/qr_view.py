"""A QR code drawn with half blocks (▀▄█), two modules per terminal cell. Display only.

The colours are fixed, black modules on a white field, whatever the theme: a phone camera needs dark
modules on a light background, and a dark theme drawing "light on dark" gives an inverted QR that
many scanners refuse. The 4-module quiet zone is part of the matrix, so the white field around the
code is drawn too. Same error correction as the printed receipt (``printing.render.qr_image``).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

QUIET_ZONE = 4
DARK = "#000000"
LIGHT = "#ffffff"

# (top module dark, bottom module dark) -> glyph drawn in DARK on LIGHT.
_GLYPHS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
_FROM_GLYPH = {glyph: pair for pair, glyph in _GLYPHS.items()}


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules, quiet zone included, ``True`` = dark."""
    import qrcode  # here: only a screen showing a code pays for importing it
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    qr.add_data(payload)
    qr.make(fit=True)
    return [[bool(m) for m in row] for row in qr.get_matrix()]


def half_block_lines(matrix: list[list[bool]]) -> list[str]:
    """Two matrix rows per line; an odd last row is paired with a light one."""
    width = len(matrix[0]) if matrix else 0
    rows = [*matrix, [False] * width] if len(matrix) % 2 else matrix
    return ["".join(_GLYPHS[(top, bottom)] for top, bottom in zip(rows[i], rows[i + 1], strict=True))
            for i in range(0, len(rows), 2)]


def matrix_from_lines(lines: list[str]) -> list[list[bool]]:
    """Back from half blocks to modules (two rows per line), for checking what is on screen."""
    matrix: list[list[bool]] = []
    for line in lines:
        pairs = [_FROM_GLYPH[ch] for ch in line]
        matrix.append([top for top, _ in pairs])
        matrix.append([bottom for _, bottom in pairs])
    return matrix


class QrView(Widget):
    """Shows ``payload`` as a QR code, or nothing when it is ``None``."""

    DEFAULT_CSS = """
    QrView { width: auto; height: auto; }
    """

    payload: reactive[str | None] = reactive(None, layout=True)

    def __init__(self, payload: str | None = None, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: list[str] = []
        self.set_reactive(QrView.payload, payload)
        self._lines = half_block_lines(qr_matrix(payload)) if payload else []

    def watch_payload(self, payload: str | None) -> None:
        self._lines = half_block_lines(qr_matrix(payload)) if payload else []

    @property
    def lines(self) -> list[str]:
        return list(self._lines)

    def get_content_width(self, container: object, viewport: object) -> int:
        return len(self._lines[0]) if self._lines else 0

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self._lines)

    def render(self) -> Text:
        style = Style(color=DARK, bgcolor=LIGHT)
        return Text("\n".join(self._lines), style=style, no_wrap=True, end="")
