"""Snapshots of the shell at the kiosk's fixed terminal size, frozen clock, demo data.

Plain ``def`` tests (pytest-textual-snapshot cannot await). Review snapshot_report.html before
running ``pytest --snapshot-update``.
"""

from __future__ import annotations

from data.demo import DEMO_CITIZENS
from kiosk.reader.simulated import VirtualNhiCard
from tests.conftest import sign_in, wait_until


def _settle(pilot):  # type: ignore[no-untyped-def]
    pilot.app.clear_notifications()
    return pilot.pause()


def test_login(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _settle(pilot)

    assert snap_compare(make_kiosk(), terminal_size=size, run_before=before)


def test_login_wrong_pin(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await pilot.press(*"S001", "enter", *"0000", "enter")
        await wait_until(pilot, lambda: "4" in str(pilot.app.screen.query_one("#login-error").render()))
        await _settle(pilot)

    assert snap_compare(make_kiosk(), terminal_size=size, run_before=before)


def _main(locale: str, with_card: bool):  # type: ignore[no-untyped-def]
    async def before(pilot):  # type: ignore[no-untyped-def]
        await sign_in(pilot)
        if with_card:
            pilot.app.equipment.reader.insert(VirtualNhiCard.from_citizen(DEMO_CITIZENS[1]))
            await wait_until(pilot, lambda: pilot.app.card.result is not None)
        await _settle(pilot)

    return before


def test_main_zh(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_main("zh_TW", False))


def test_main_en(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=_main("en", False))


def test_main_with_card_zh(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_main("zh_TW", True))


def test_main_with_card_en(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=_main("en", True))


def test_help(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await sign_in(pilot)
        await pilot.press("f1")
        await _settle(pilot)

    assert snap_compare(make_kiosk(), terminal_size=size, run_before=before)


def test_locked_screen(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await sign_in(pilot)
        await pilot.press("ctrl+l")
        await _settle(pilot)

    assert snap_compare(make_kiosk(), terminal_size=size, run_before=before)


def test_login_en(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _settle(pilot)

    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=before)


def test_help_en(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await sign_in(pilot)
        await pilot.press("f1")
        await _settle(pilot)

    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=before)


def test_locked_screen_en(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await sign_in(pilot)
        await pilot.press("ctrl+l")
        await _settle(pilot)

    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=before)


def _demo_picker():  # type: ignore[no-untyped-def]
    async def before(pilot):  # type: ignore[no-untyped-def]
        from kiosk.screens.demo import DemoCardPicker

        await sign_in(pilot)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, DemoCardPicker))
        await _settle(pilot)

    return before


def test_demo_picker(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_demo_picker())


def test_demo_picker_en(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=_demo_picker())
