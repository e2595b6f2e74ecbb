"""Snapshots of 行動裝置管理作業 (F8) and 產生裝置認證碼 (F9): frozen clock, fixed code, demo data.

Plain ``def`` tests (pytest-textual-snapshot cannot await). Review snapshot_report.html before
running ``pytest --snapshot-update``.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from data.demo import DEMO_CITIZENS
from kiosk.core import codes as code_rules
from kiosk.reader.simulated import VirtualNhiCard
from tests.conftest import settle, sign_in, wait_until

BY_ID = {c.national_id: c for c in DEMO_CITIZENS}
FIXED_CODE = "R17b63g9"  # the seed's example


@pytest.fixture(autouse=True)
def _fixed_code(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(code_rules, "new_verification_code", lambda: FIXED_CODE)


def _open(key: str, national_id: str = "F223456786", *then: str, issue: bool = False):  # type: ignore[no-untyped-def]
    async def before(pilot):  # type: ignore[no-untyped-def]
        app = pilot.app
        await sign_in(pilot)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(BY_ID[national_id]))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press(key)
        await wait_until(pilot, lambda: str(app.screen.query_one("#service-message").render()) != ""
                         or getattr(app.screen, "devices", None))
        if issue:  # F9 opens without issuing: G is the key that does
            await pilot.press("g")
            # The receipt printed means the code was issued (with a 1 s display it may already be
            # cleared from the screen by now, which test_device_code_cleared waits for).
            await wait_until(pilot, lambda: bool(app.equipment.printer.jobs))
        await wait_until(pilot, lambda: app.equipment.queue.count() == 0)
        # Before any dialog opens: a modal screen keeps the toasts of the screen under it.
        app.clear_notifications()
        await pilot.pause()
        if then:
            await pilot.press(*then)
            await settle(pilot)

    return before


def test_devices_zh(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_open("f8"))


def test_devices_en(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=_open("f8"))


def test_devices_confirm_unbind(snap_compare, make_kiosk, size):
    before = _open("f8", "F223456786", "down", "u")
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=before)


def test_device_code_zh(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_open("f9", issue=True))


def test_device_code_en(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=_open("f9", issue=True))


def test_device_code_refused_locked(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_open("f9", "B120000008"))


def test_device_code_cleared(snap_compare, make_kiosk, size):
    app = make_kiosk()
    app.config = replace(app.config, rules=replace(app.config.rules, code_display_seconds=1))
    inner = _open("f9", issue=True)

    async def before(pilot):  # type: ignore[no-untyped-def]
        await inner(pilot)
        await wait_until(pilot, lambda: pilot.app.screen.code is None, timeout=5)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=before)
