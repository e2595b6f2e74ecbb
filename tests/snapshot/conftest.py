"""Every snapshot at the kiosk's own terminal size (120×36) and at a common console size (80×24), with
animations off so a snapshot never catches a scroll or a fade half-way (DESIGN.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import TERMINAL

SIZES = {"120x36": TERMINAL, "80x24": (80, 24)}


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    """The terminal size of a snapshot; the id ends up in the snapshot's name."""
    return SIZES[request.param]


@pytest.fixture
def make_kiosk(make_kiosk: Callable[..., object]) -> Callable[..., object]:
    """The shared factory, with ``animation_level = "none"`` on every app it builds (make_app has no
    such argument: it is a property of the App, set before it runs)."""

    def build(**kw: object) -> object:
        app = make_kiosk(**kw)
        app.animation_level = "none"  # type: ignore[attr-defined]
        return app

    return build
