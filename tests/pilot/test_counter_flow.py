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
    app.equipment.reader.insert(VirtualNhiCard.from_citizen(_citizen(national_id)))
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
        entries = query_audit(app.equipment.store, action="deregister", limit=10)
        assert [e.outcome for e in entries] == ["ok"]
        assert accounts.get_account(app.equipment.store, ACTIVE).state is AccountState.DEREGISTERED


async def test_finished_screen_key_bar_says_how_to_leave(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _deregister_by_card(pilot)
        keys = dict(app.screen.query_one("KeyBar").keys)
        assert keys.get("enter") == "回主選單" and "1-4" not in keys


# --- 12: service keys work from any service screen ----------------------------------------------


async def test_from_a_finished_service_to_the_next_in_one_key(make_kiosk):
    from kiosk.screens.account import PasswordResetScreen

    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _deregister_by_card(pilot)
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, PasswordResetScreen))
        assert len(app.screen_stack) == 3  # login, main, F4: the finished F3 is gone


async def test_service_key_asks_before_discarding_typed_data(make_kiosk):
    from kiosk.screens.account import ContactUpdateScreen, PasswordResetScreen

    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _insert(pilot, ACTIVE)
        await pilot.press("f4")
        await wait_until(pilot, lambda: getattr(app.screen, "subject", None) is not None)
        await pilot.press(*"Ab1x@yz9")
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "基本資料異動" in app.screen.question
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, PasswordResetScreen))
        assert app.screen.query_one("#pw1").value == "Ab1x@yz9"
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactUpdateScreen))
        assert len(app.screen_stack) == 3


async def test_service_key_with_nothing_typed_switches_at_once(make_kiosk):
    from kiosk.screens.virtual_card import VirtualCardScreen

    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _insert(pilot, ACTIVE)
        await pilot.press("f8")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DevicesScreen")
        await pilot.press("f10")
        await wait_until(pilot, lambda: isinstance(app.screen, VirtualCardScreen))


# --- 13: a refusal replaces the form --------------------------------------------------------------


async def test_password_reset_refused_replaces_the_form(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _insert(pilot, DEREGISTERED)
        await pilot.press("f4")
        await wait_until(pilot, lambda: getattr(app.screen, "refused", None) is not None)
        await pilot.pause()
        screen = app.screen
        assert not screen.query_one("#service-body").display
        assert screen.query_one("#pw1").region.area == 0 and screen.query_one("#pw-turn").region.area == 0
        refusal = _shown(app, "#service-refusal")
        assert "此帳號已辦理註冊停用" in refusal and "處理方式" in refusal and "(F2)" in refusal
        assert dict(screen.query_one("KeyBar").keys).keys() == {"enter", "f2-f12", "f1"}
        await pilot.press(*"Ab1x@yz9", "enter")
        await _main_ready(pilot)


async def test_other_citizens_card_inserted_after_refusal_brings_the_form_back(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _insert(pilot, DEREGISTERED)
        await pilot.press("f5")
        await wait_until(pilot, lambda: getattr(app.screen, "refused", None) is not None)
        app.equipment.reader.remove()
        await _insert(pilot, LOCKED)
        await wait_until(pilot, lambda: app.screen.subject is not None)
        await pilot.pause()
        assert app.screen.refused is None and app.screen.query_one("#acct-info").region.area > 0
        assert "enter" in dict(app.screen.query_one("KeyBar").keys)


async def test_virtual_card_key_bar_offers_only_what_can_be_done(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _insert(pilot, DEREGISTERED)
        await pilot.press("f10")
        await wait_until(pilot, lambda: getattr(app.screen, "view", None) is not None)
        await pilot.pause()
        keys = dict(app.screen.query_one("KeyBar").keys)
        assert "r" not in keys and "p" not in keys


# --- 9: typed ID while another card is in the reader ---------------------------------------------


async def test_typed_id_with_another_card_in_the_reader_warns_naming_both(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _insert(pilot, ACTIVE)
        await pilot.press("f3")
        await wait_until(pilot, lambda: getattr(app.screen, "step", "") == "document")
        await pilot.press("i")
        await wait_until(pilot, lambda: app.screen.step == "find")
        await pilot.press(*"B120000008", "enter")
        await wait_until(pilot, lambda: app.screen.subject is not None and not app.screen.subject.by_card)
        await pilot.pause()
        line = _shown(app, "#service-citizen")
        assert "F223****86" in line and "B120****08" in line and "⚠" in line
        assert "F223456786" not in line and "B120000008" not in line
        await pilot.press("1", "1")
        await wait_until(pilot, lambda: app.screen.step == "review")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "F223****86" in app.screen.question


# --- 17: where errors show; the first sign-in ----------------------------------------------------


async def test_error_shows_above_the_form_not_on_the_bottom_line(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: getattr(app.screen, "step", "") == "find")
        await pilot.press(*"b120000009", "enter")
        await wait_until(pilot, lambda: "檢查碼" in _shown(app, "#service-message"))
        message = app.screen.query_one("#service-message").region
        field = app.screen.query_one("#dereg-id").region
        assert message.y < field.y and message.y < 24 - 3


async def test_new_installation_says_how_to_add_the_first_supervisor(tmp_path):
    from data.store import open_store
    from kiosk.config import Config
    from kiosk.factory import make_app
    from kiosk.reader.simulated import SimulatedReader
    from printing.port import CapturePrinter

    app = make_app(Config(), store=open_store(tmp_path / "new.db"), reader=SimulatedReader(),
                   printer=CapturePrinter(), idle_lock_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.is_mounted)
        await pilot.press(*"S001", "enter", *"1234", "enter")
        error = app.screen.query_one("#login-error")
        await wait_until(pilot, lambda: "kiosk staff add" in str(error.render()))
        text = str(error.render())
        assert "--role supervisor" in text and "員工編號或密碼錯誤" not in text
