"""Issue 12, as a clerk meets it: keys in a burst, finishing and leaving a service, switching
services, refusals that replace the form, errors where the clerk looks, the first sign-in."""

from __future__ import annotations

from data import accounts
from data.audit import query_audit
from data.demo import DEMO_CITIZENS
from kiosk.core.models import AccountState
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.login import LoginScreen
from kiosk.screens.main import MainScreen
from tests.conftest import TERMINAL, sign_in, wait_until

ACTIVE, LOCKED, PENDING, DEREGISTERED, UNREGISTERED = (
    "F223456786", "B120000008", "H220001110", "S224567895", "A123456789")


def _citizen(national_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in DEMO_CITIZENS if c.national_id == national_id)


def burst(app, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Send keys as a badge reader or a paste does: all at once, nothing handled in between."""
    from textual import events

    for key in keys:
        char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


def _shown(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    from rich.console import Console

    console = Console(width=120, color_system=None)
    with console.capture() as capture:
        console.print(app.screen.query_one(selector).content)
    return capture.get()


async def _insert(pilot, national_id: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    app.hw.reader.insert(VirtualNhiCard.from_citizen(_citizen(national_id)))
    await wait_until(pilot, lambda: app.card.result is not None)


async def _main_ready(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.is_mounted
                     and app.screen.query_one("#menu").option_count > 0)


# --- 5: keys in one burst ----------------------------------------------------------------------


async def test_sign_in_burst_with_tab_keeps_the_pin_out_of_the_staff_field(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.is_mounted)
        staff_no = app.screen.query_one("#staff_no")
        burst(app, *"S001", "tab", *"1234", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen) or len(staff_no.value) > 4)
        assert staff_no.value == "S001"
        await _main_ready(pilot)


async def test_burst_after_opening_a_service_reaches_the_field(make_kiosk):
    """F3 with no card, the ID typed at once: nothing typed before the field has focus is lost."""
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        burst(app, "f3", *"B120000008", "enter")
        await wait_until(pilot, lambda: getattr(app.screen, "subject", None) is not None)
        assert app.screen.subject.citizen.national_id == LOCKED


async def test_burst_of_backspace_and_retyping_in_the_typed_id_field(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: getattr(app.screen, "step", "") == "find")
        box = app.screen.query_one("#dereg-id")
        await wait_until(pilot, lambda: box.has_focus)
        burst(app, *"G123456789", *["backspace"] * 8, *"20000008")
        await wait_until(pilot, lambda: len(box.value) >= 10)
        await pilot.pause()
        assert box.value == "G120000008"


# --- 3: a finished service never runs again ----------------------------------------------------


async def _deregister_by_card(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await sign_in(pilot)
    await _insert(pilot, ACTIVE)
    await pilot.press("f3")
    await wait_until(pilot, lambda: getattr(app.screen, "step", "") == "document")
    await pilot.press("1", "1")
    await wait_until(pilot, lambda: app.screen.step == "review")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.press("y")
    await wait_until(pilot, lambda: getattr(app.screen, "finished", False))


async def test_enter_on_finished_deregistration_leaves_and_never_reruns(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _deregister_by_card(pilot)
        await wait_until(pilot, lambda: app.card.account_state == "deregistered")
        await pilot.press("enter")
        await _main_ready(pilot)
        entries = query_audit(app.hw.store, action="deregister", limit=10)
        assert [e.outcome for e in entries] == ["ok"]
        assert accounts.get_account(app.hw.store, ACTIVE).state is AccountState.DEREGISTERED
