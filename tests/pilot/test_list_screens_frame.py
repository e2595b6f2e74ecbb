"""Screens built around a list (a table the clerk moves in) fill the height under their title and
message and scroll inside the list: opening one must not scroll the frame so that the screen's title,
the citizen line and the message above the list leave the screen (F10, F12, Ctrl+U and Ctrl+E opened
scrolled by 5 lines at 120x36, 3 at 80x24; a message such as 已新增人員 sat out of view)."""

from __future__ import annotations

import pytest

from kiosk.screens.base import ServiceScreen
from kiosk.screens.main import MainScreen
from kiosk.services.counter import insert_demo_card
from tests.conftest import TERMINAL, sign_in, wait_until
from tests.pilot.test_small_terminal import fully_visible, settle

KEYS = ["f10", "f11", "f12", "ctrl+u", "ctrl+e"]


@pytest.mark.parametrize("size", [(80, 24), TERMINAL], ids=["80x24", "120x36"])
async def test_list_screens_open_with_their_title_and_message_in_view(make_kiosk, size):
    app = make_kiosk()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "S900", "9999")
        insert_demo_card(app.equipment.reader, app.equipment.demo_cards[1])
        await wait_until(pilot, lambda: app.card.result is not None)
        for key in KEYS:
            await pilot.press(key)
            await wait_until(pilot, lambda: isinstance(app.screen, ServiceScreen) and app.screen.is_mounted)
            await settle(pilot)
            screen = app.screen
            screen.show_message("訊息 message")
            await settle(pilot)
            frame = screen.query_one("#service-frame")
            assert frame.scroll_y == 0, (key, frame.scroll_y)
            for part in ("#service-title", "#service-message"):
                assert fully_visible(app, screen.query_one(part)), (key, part)
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
