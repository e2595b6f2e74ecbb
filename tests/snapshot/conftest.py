"""Every snapshot at the kiosk's own terminal size (120×36) and at a common console size (80×24). The
shared ``make_kiosk`` (tests/conftest.py) turns animations off, so a snapshot never catches a scroll or a
fade half-way (DESIGN.md)."""

from __future__ import annotations

import pytest

from tests.conftest import TERMINAL

SIZES = {"120x36": TERMINAL, "80x24": (80, 24)}


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    """The terminal size of a snapshot; the id ends up in the snapshot's name."""
    return SIZES[request.param]


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A focused field always shows its cursor. Its blink (a 0.5 s timer) otherwise decides whether a
    snapshot taken on a loaded machine has the cursor or not. Textual has no app-wide switch for the
    blink (``cursor_blink`` is per field, and fields mount as a test goes), so the timer's toggle is
    the one place to hold it."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
