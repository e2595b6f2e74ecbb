"""The half-block QR on screen is the same matrix the qrcode library (and the receipt) produces."""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from widgets.qr_view import DARK, LIGHT, QUIET_ZONE, QrView, half_block_lines, matrix_from_lines, qr_matrix


def _reference(payload: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    return [[bool(m) for m in row] for row in qr.get_matrix()]


def test_half_blocks_hold_exactly_the_qrcode_matrix():
    for payload in ("R17b63g9", "E19k324F", "De7242jZ"):
        reference = _reference(payload)
        lines = half_block_lines(qr_matrix(payload))
        assert set("".join(lines)) <= {" ", "▀", "▄", "█"}
        assert len(lines) == (len(reference) + 1) // 2
        assert all(len(line) == len(reference) for line in lines)
        decoded = matrix_from_lines(lines)
        # An odd matrix gets one light row of padding under it; nothing else differs.
        assert decoded[: len(reference)] == reference
        assert all(not any(row) for row in decoded[len(reference):])


def test_quiet_zone_is_drawn_light_on_every_side():
    matrix = qr_matrix("R17b63g9")
    n = len(matrix)
    assert n == 21 + 2 * QUIET_ZONE  # version 1 fits an 8-character code
    lines = half_block_lines(matrix)
    assert lines[0].strip() == "" and lines[1].strip() == ""  # 4 light rows on top
    assert lines[-1].strip() == "" and lines[-2].strip() == ""
    assert all(line[:QUIET_ZONE] == " " * QUIET_ZONE and line[-QUIET_ZONE:] == " " * QUIET_ZONE
               for line in lines)
    # The finder pattern's top edge starts right after the quiet zone (row 4 is the top of a cell).
    assert lines[2][QUIET_ZONE:QUIET_ZONE + 7] == "█▀▀▀▀▀█"


def test_pairs_map_to_the_right_glyphs():
    matrix = [[True, False, True, False], [True, True, False, False], [True, False, False, True]]
    # columns: (dark, dark) █, (light, dark) ▄, (dark, light) ▀, (light, light) space; the odd
    # third row is paired with a light padding row.
    assert half_block_lines(matrix) == ["█▄▀ ", "▀  ▀"]


def test_widget_draws_dark_modules_on_a_white_field_whatever_the_theme():
    view = QrView("R17b63g9")
    text = view.render()
    assert str(text).split("\n") == half_block_lines(qr_matrix("R17b63g9"))
    assert text.style.color.name == DARK and text.style.bgcolor.name == LIGHT
    empty = QrView()
    assert str(empty.render()) == "" and empty.lines == []
