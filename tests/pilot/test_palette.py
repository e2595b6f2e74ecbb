"""The command palette (Ctrl+P): every service and action, in the current language, found by its Chinese
or English name, supervisor-only items marked (issue 12 item 15)."""

from __future__ import annotations

import importlib

import pytest
from textual.binding import Binding
from textual.command import CommandInput, CommandList, CommandPalette

from kiosk import i18n
from kiosk.screens.main import MainScreen
from kiosk.services.catalog import SERVICE_ACTIONS, SERVICE_BY_ID
from tests.conftest import TERMINAL, sign_in, wait_until


def _options(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every option the open palette lists, with its help line, as plain text."""
    command_list = app.screen.query_one(CommandList)
    return [str(command_list.get_option_at_index(i).prompt) for i in range(command_list.option_count)]


async def _search(pilot, text: str, expect: str) -> list[str]:  # type: ignore[no-untyped-def]
    app = pilot.app
    if not CommandPalette.is_open(app):
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: CommandPalette.is_open(app) and app.screen.is_mounted)
    app.screen.query_one(CommandInput).value = text
    await wait_until(pilot, lambda: any(expect in option for option in _options(app)))
    return _options(app)


@pytest.mark.parametrize(("typed", "expected"), [
    ("註冊", ["臨櫃註冊", "註冊停用", "刪除註冊申請", "忘記註冊密碼"]),
    ("reg", ["臨櫃註冊", "註冊停用"]),
    ("remove", ["行動裝置管理作業：解除綁定", "註冊停用", "取出卡片"]),
    ("unbind", ["行動裝置管理作業：解除綁定"]),
    ("解除綁定", ["行動裝置管理作業：解除綁定"]),
    ("稽核", ["稽核紀錄"]),
])
async def test_palette_finds_services_and_actions_by_chinese_and_english_names(make_kiosk, typed, expected):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot, "S900", "9999")
        options = await _search(pilot, typed, expected[0])
        for name in expected:
            assert any(name in option for option in options), (name, options)


async def test_palette_lists_every_service_and_action_when_opened(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot, "S900", "9999")
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: CommandPalette.is_open(app) and len(_options(app)) > 20)
        await wait_until(pilot, lambda: any("結束" in o for o in _options(app)))
        options = "\n".join(_options(app))
        for service in SERVICE_BY_ID.values():
            assert i18n.t(service.label_key) in options, service.service_id
        for action in SERVICE_ACTIONS:
            assert i18n.t(action.label_key) in options, action


async def test_palette_own_texts_follow_the_language(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: CommandPalette.is_open(app) and app.screen.is_mounted)
        assert app.screen.query_one(CommandInput).placeholder == i18n.t("palette.placeholder", locale="zh_TW")
        await _search(pilot, "qqqqzz", i18n.t("palette.no_matches", locale="zh_TW"))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("ctrl+t")
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: CommandPalette.is_open(app) and app.screen.is_mounted)
        assert app.screen.query_one(CommandInput).placeholder == "Search services and actions…"
        options = await _search(pilot, "註冊", "In-person registration")
        assert any("Deregistration" in o for o in options)


async def test_clerk_sees_supervisor_items_marked_and_is_refused(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot, "S001", "1234")
        options = await _search(pilot, "稽核", "稽核紀錄")
        audit = next(o for o in options if "稽核紀錄" in o)
        assert "限主管" in audit
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen) and not CommandPalette.is_open(app))
        await pilot.pause()
        assert not any(isinstance(s, _screen("audit")) for s in app.screen_stack)


def _screen(service_id: str):  # type: ignore[no-untyped-def]
    module, _, name = SERVICE_BY_ID[service_id].screen.partition(":")
    return getattr(importlib.import_module(module), name)


async def test_choosing_a_service_opens_it(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _search(pilot, "deregistration", "註冊停用")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, _screen("deregister")))


async def test_choosing_an_action_from_another_service_opens_its_service(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, _screen("update_contact")))
        await _search(pilot, "unbind", "解除綁定")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, _screen("devices")))
        assert [type(s) for s in app.screen_stack[1:]] == [MainScreen, _screen("devices")]


@pytest.mark.parametrize("action", SERVICE_ACTIONS, ids=lambda a: f"{a.service_id}.{a.action}")
def test_every_palette_action_exists_on_its_screen(action) -> None:
    assert callable(getattr(_screen(action.service_id), f"action_{action.action}", None))


@pytest.mark.parametrize("action", SERVICE_ACTIONS, ids=lambda a: f"{a.service_id}.{a.action}")
def test_every_palette_action_names_the_key_its_screen_binds(action) -> None:
    """The palette tells the clerk a key ("F8 → U"): that key must be the one the screen binds."""
    screen = _screen(action.service_id)
    bound = {key.strip() for b in screen.BINDINGS if isinstance(b, Binding) and b.action == action.action
             for key in b.key.split(",")}
    assert action.key in bound, (action.key, bound)
