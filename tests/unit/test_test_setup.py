"""The test setup itself: every app the shared factory builds runs without animations (DESIGN.md),
so no pilot or snapshot test catches a scroll or a fade half-way."""

from __future__ import annotations


def test_every_app_from_make_kiosk_has_animations_off(make_kiosk) -> None:  # type: ignore[no-untyped-def]
    assert make_kiosk().animation_level == "none"
    assert make_kiosk(locale="en").animation_level == "none"
