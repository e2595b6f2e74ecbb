"""Drive the app shell with keys: sign-in, lockout, card panel, lock, logout, language, help."""

from __future__ import annotations

import pytest
from textual.widgets import Label

from data.audit import query_audit, verify_chain
from data.demo import DEMO_CITIZENS
from kiosk.reader.port import ReaderState
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.help import HelpScreen
from kiosk.screens.login import LoginScreen
from kiosk.screens.main import MainScreen
from tests.conftest import TERMINAL, sign_in, wait_until
from widgets.card_panel import CardPanel
from widgets.status_bar import StatusBar


def _citizen(national_id: str):
    return next(c for c in DEMO_CITIZENS if c.national_id == national_id)


def _actions(app) -> list[tuple[str, str]]:
    return [(e.action, e.outcome) for e in reversed(query_audit(app.equipment.store, limit=100))]


def _panel_text(app) -> str:
    panel = app.screen.query_one(CardPanel)
    return str(panel.render_line(0)) + " ".join(
        f"{label}={value}" for label, value in (panel.card.rows if panel.card else ())
    ) + (panel.card.message if panel.card else "")


async def test_sign_in_shows_main_screen_and_is_audited(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await sign_in(pilot)
        assert app.staff.staff_no == "S001"
        assert ("login", "ok") in _actions(app)
        bar = app.screen.query_one(StatusBar)
        assert "S001" in bar.info.staff


async def test_wrong_pin_counts_down_then_locks_staff_account(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await pilot.press(*"S001", "enter")
        pin = app.screen.query_one("#pin")
        for attempt in range(5):
            # After a refusal the PIN field is cleared and focused: the clerk just types again.
            await pilot.press(*"0000", "enter")
            expected = f"尚可再試 {4 - attempt} 次" if attempt < 4 else "鎖定"
            await wait_until(pilot, lambda expected=expected: expected in str(
                app.screen.query_one("#login-error").render()) and pin.has_focus)
            assert pin.value == ""
        error = str(app.screen.query_one("#login-error").render())
        assert "鎖定" in error
        # Even the right PIN no longer works once locked.
        await pilot.press(*"1234", "enter")
        await wait_until(pilot, lambda: ("login", "refused") in _actions(app)[-1:])
        assert isinstance(app.screen, LoginScreen)
        actions = _actions(app)
        assert actions.count(("login", "refused")) >= 4
        assert ("staff_locked", "locked") in actions


async def test_card_panel_fills_masked_and_clears_on_removal(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        citizen = _citizen("F223456786")
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(citizen))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.pause()
        rows = dict(app.screen.query_one(CardPanel).card.rows)
        assert rows["身分證號"] == "F223****86"
        assert rows["姓名"] == "林○華"
        assert rows["註冊狀態"] == "已註冊"
        assert citizen.national_id not in str(rows)
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: app.card.result is None and not app.card.reading)
        await pilot.pause()
        assert app.screen.query_one(CardPanel).card.rows == ()


async def test_non_nhi_card_shows_a_clear_message(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(_citizen("A123456789"), refuse_select=True))
        await wait_until(pilot, lambda: app.card.error is not None)
        await pilot.pause()
        card = app.screen.query_one(CardPanel).card
        assert card.error and "健保卡" in card.message


async def test_markup_in_card_name_is_shown_literally(make_kiosk):
    from kiosk.core.models import Citizen

    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(Citizen("A123456789", "[bold]X[/]")))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.pause()
        assert dict(app.screen.query_one(CardPanel).card.rows)["姓名"] == "[○○○○○○○○]"


async def test_demo_keys_insert_and_remove_cards(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("2")
        await wait_until(pilot, lambda: app.card.result is not None)
        assert app.card.result.record.national_id == DEMO_CITIZENS[1].national_id
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.card.result is None and not app.card.reading)
        assert app.reader_state is ReaderState.EMPTY


async def test_lock_hides_citizen_data_and_unlock_is_audited(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(_citizen("F223456786")))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert app.card.result is None
        assert "林" not in "".join(str(w.render()) for w in app.screen.query("Label"))
        await pilot.press(*"1234", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        # The card is still in the reader: it is read again for the staff member who unlocked.
        await wait_until(pilot, lambda: app.card.result is not None)
        actions = _actions(app)
        assert ("screen_lock", "ok") in actions and ("screen_unlock", "ok") in actions


async def test_idle_lock(make_kiosk):
    app = make_kiosk(idle_lock_seconds=1.0)
    async with app.run_test(size=TERMINAL) as pilot:
        # Not sign_in(): on a loaded machine the lock may come before the main screen is seen.
        await pilot.press(*"S001", "enter", *"1234", "enter")
        await wait_until(pilot, lambda: app.staff is not None)
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.locked_by is not None)
        await pilot.pause()  # let the lock screen finish mounting before the test ends the app
        await wait_until(pilot, lambda: app.screen.is_mounted and bool(app.screen.query("#login-title")))
        assert app.screen.locked_by.staff_no == "S001"
        entries = query_audit(app.equipment.store, action="screen_lock", limit=5)
        assert entries and entries[0].detail == {"cause": "idle"}


async def test_logout_returns_to_login_and_is_audited(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert app.staff is None
        assert ("logout", "ok") in _actions(app)
        assert verify_chain(app.equipment.store).ok


async def test_language_toggle_relabels_everything(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        menu = app.screen.query_one("#menu")
        assert "臨櫃註冊" in str(menu.get_option_at_index(0).prompt)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "In-person registration" in str(menu.get_option_at_index(0).prompt)
        assert app.screen.query_one(StatusBar).info.labels[0] == "Staff"


async def test_unbuilt_service_says_so_and_opens_nothing(make_kiosk, monkeypatch):
    from kiosk.services.catalog import SERVICE_BY_ID, Service

    # Whatever is built by now, a service without a screen must say so and open nothing.
    monkeypatch.setitem(SERVICE_BY_ID, "register", Service("register", "f2"))
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("尚未開放" in str(n.message) for n in app._notifications)


async def test_help_lists_every_service_key(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


@pytest.mark.parametrize("answer, running", [("n", True), ("y", False)])
async def test_quit_asks_first(make_kiosk, answer, running):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press(answer)
        await pilot.pause()
        assert app.is_running is running


async def test_main_prompt_stops_asking_for_a_card_once_one_is_read(make_kiosk):
    """With a card read, 請插入健保卡 is the wrong instruction: the clerk is told to pick a service."""
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)

        def prompt() -> str:
            return str(app.screen.query_one("#prompt", Label).render())

        assert "請插入健保卡" in prompt()
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(_citizen("F223456786")))
        await wait_until(pilot, lambda: app.card.result is not None)
        await wait_until(pilot, lambda: "請插入健保卡" not in prompt())
        assert "功能鍵" in prompt()
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: "請插入健保卡" in prompt())
