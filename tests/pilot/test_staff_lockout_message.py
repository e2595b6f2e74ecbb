"""The staff lockout message is shown whole (「…請洽主管於「人員管理」解除」), never cut, at 80x24 and
120x36 and in both languages, on the sign-in screen and the staff management screen."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widget import Widget

from data import staff as staff_repo
from kiosk.i18n import t
from kiosk.screens.login import LoginScreen
from kiosk.screens.staff_admin import StaffAdminScreen
from tests.conftest import TERMINAL, sign_in, wait_until

SMALL = (80, 24)


def assert_whole(label: Widget, message: str) -> None:
    """The label lies inside its box and has room for every cell of the message (it wraps)."""
    box = label.parent
    assert box is not None
    assert label.region.right <= box.content_region.right and label.region.x >= box.content_region.x
    assert label.region.width * label.region.height >= cell_len(message)


@pytest.mark.parametrize("size", [SMALL, TERMINAL])
@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_the_lockout_message_is_shown_whole_at_sign_in(make_kiosk, size, locale):
    app = make_kiosk(locale=locale)
    for _ in range(5):
        staff_repo.record_login_failure(app.equipment.store, "S001", 5)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.press(*"S001", "enter", *"1234", "enter")
        label = app.screen.query_one("#login-error")
        message = t("login.staff_locked", locale=locale)
        await wait_until(pilot, lambda: str(label.render()) == message)
        await pilot.pause()
        assert_whole(label, message)
        assert label.region.bottom <= size[1] - 2  # above the status and key bars


@pytest.mark.parametrize("size", [SMALL, TERMINAL])
async def test_the_staff_screen_shows_the_locked_state_whole(make_kiosk, size):
    app = make_kiosk()
    for _ in range(5):
        staff_repo.record_login_failure(app.equipment.store, "S001", 5)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "S900", "9999")
        await pilot.press("ctrl+u")
        await wait_until(pilot, lambda: isinstance(app.screen, StaffAdminScreen)
                         and app.screen.query_one("DataTable").row_count > 0)
        await pilot.pause()
        table = app.screen.query_one("DataTable")
        columns = list(table.columns.values())
        assert sum(c.get_render_width(table) for c in columns) <= table.scrollable_content_region.width
        locked = t("staff_admin.locked", n=5)
        assert any(locked in str(cell) for row in range(table.row_count) for cell in table.get_row_at(row))


@pytest.mark.parametrize("size", [SMALL, TERMINAL])
@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_the_lockout_message_is_shown_whole_on_the_lock_screen(make_kiosk, size, locale):
    app = make_kiosk(locale=locale)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        for _ in range(4):
            staff_repo.record_login_failure(app.equipment.store, "S001", 5)
        app.action_lock()
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.locked_by is not None)
        await pilot.pause()
        await pilot.press(*"0000", "enter")
        label = app.screen.query_one("#login-error")
        message = t("login.staff_locked", locale=locale)
        await wait_until(pilot, lambda: str(label.render()) == message)
        await pilot.pause()
        assert_whole(label, message)
        # (That the lock screen's taller box keeps the message above the bars at 80x24 is the
        # compact small-terminal layout's job, tested with it.)
