"""Snapshots of every step of the account services F3–F7 in Chinese, demo data, frozen clock.

Plain ``def`` tests (pytest-textual-snapshot cannot await).
"""

from __future__ import annotations

from data.demo import DEMO_CITIZENS
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.main import MainScreen
from tests.conftest import sign_in, wait_until

ACTIVE, LOCKED, PENDING = "F223456786", "B120000008", "H220001110"


def _flow(key: str, national_id: str | None, *keys: str, until=None):  # type: ignore[no-untyped-def]
    async def before(pilot):  # type: ignore[no-untyped-def]
        app = pilot.app
        await sign_in(pilot)
        if national_id is not None:
            citizen = next(c for c in DEMO_CITIZENS if c.national_id == national_id)
            app.equipment.reader.insert(VirtualNhiCard.from_citizen(citizen))
            await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press(key)
        await wait_until(pilot, lambda: not isinstance(app.screen, MainScreen))
        if national_id is not None:
            await wait_until(pilot, lambda: app.screen.subject is not None)
        await pilot.pause()
        for k in keys:
            await pilot.press(k)
            await pilot.pause()
        if until is not None:
            await wait_until(pilot, lambda: until(app))
        app.clear_notifications()
        await pilot.pause()

    return before


def _finished(app) -> bool:  # type: ignore[no-untyped-def]
    return getattr(app.screen, "finished", False) and len(app.equipment.printer.jobs) == 1


def _confirming(app) -> bool:  # type: ignore[no-untyped-def]
    return isinstance(app.screen, ConfirmScreen)


def test_unlock(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_flow("f5", LOCKED))


def test_unlock_done(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f5", LOCKED, "enter", until=_finished))


def test_unlock_no_card(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_flow("f5", None))


def test_cancel_pending(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_flow("f6", PENDING))


def test_cancel_pending_confirm(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f6", PENDING, "enter", until=_confirming))


def test_cancel_pending_done(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f6", PENDING, "enter", "y", until=_finished))


def test_password_typing(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f4", LOCKED, *"Abc@1234", "enter", *"Abc"))


def test_password_done(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f4", LOCKED, *"Abc@1234", "enter", *"Abc@1234", "enter",
                                         until=_finished))


def test_contact_form(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_flow("f7", ACTIVE))


def test_contact_review(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f7", ACTIVE, *"0987654321", "f10",
                                         until=lambda app: app.screen.step == "review"))


def test_contact_done(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f7", ACTIVE, *"0987654321", "f10", "enter", until=_finished))


def test_dereg_find_without_card(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f3", None, until=lambda app: app.screen.step == "find"))


def test_dereg_document(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_flow("f3", ACTIVE))


def test_dereg_reason(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_flow("f3", ACTIVE, "1"))


def test_dereg_review(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f3", ACTIVE, "1", "2",
                                         until=lambda app: app.screen.step == "review"))


def test_dereg_confirm(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f3", ACTIVE, "1", "2", "enter", until=_confirming))


def test_dereg_done(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size,
                        run_before=_flow("f3", ACTIVE, "1", "2", "enter", "y", until=_finished))
