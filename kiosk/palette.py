"""The command palette (Ctrl+P): every service, every action inside one, and the general keys.

Each command shows in the current language and is found by its Chinese name, its English name or a
few synonyms a clerk might type (``reg``, ``remove``, ``刪除``). A command the signed-in staff member
may not use is listed last and marked, as the main menu marks it; choosing it is refused the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider

from kiosk.core.permissions import allowed
from kiosk.i18n import LOCALES, get_locale, t
from kiosk.services.catalog import SERVICE_ACTIONS, SERVICE_BY_ID, SERVICES, Service, ServiceAction
from widgets.key_bar import key_display

if TYPE_CHECKING:
    from textual.app import App

    from kiosk.app import KioskApp
    from kiosk.screens.main import MainScreen

# What else a clerk may type for a command, in either language (its names are searched as well).
KEYWORDS: dict[str, str] = {
    "register": "reg sign up new account 申請 開通",
    "deregister": "remove stop disable close delete account 停止 刪除 撤銷 冒用",
    "reset_password": "password forgot reset pin 密碼 重設",
    "unlock": "unlock lockout locked 鎖定 解鎖",
    "cancel_pending": "remove delete web application pending 網路申請 刪除",
    "update_contact": "phone mobile email address change edit 電話 手機 信箱 地址 修改",
    "devices": "phone mobile app device 手機 裝置",
    "device_code": "code qr verification 認證碼 驗證碼",
    "virtual_card": "virtual card photo 相片 照片",
    "authorizations": "family carer grant 家人 照顧者",
    "audit": "log audit history 紀錄 日誌",
    "staff_admin": "staff user clerk supervisor 員工 使用者",
    "print_queue": "print printer receipt 列印 印表機 收據",
    "diagnostics": "reader card test check 讀卡機 測試",
    "devices.unbind": "remove delete unbind 移除 刪除",
    "devices.disable": "stop off 停止",
    "devices.enable": "start on activate 開啟",
    "device_code.issue": "new generate 產生 新碼",
    "device_code.print": "print receipt 列印",
    "virtual_card.revoke": "remove cancel delete 取消 刪除",
    "virtual_card.replace_photo": "photo picture change 相片 照片 更換",
    "authorizations.cancel_selected": "remove revoke delete 刪除 撤銷",
    "audit.export": "csv export save 匯出",
    "audit.verify": "verify chain integrity check 驗證",
    "audit.summary": "daily summary count report 統計 日報",
    "staff_admin.add": "new create staff 新增 員工",
    "staff_admin.toggle_enabled": "disable enable remove 停用 啟用",
    "staff_admin.reset_pin": "pin password 密碼",
    "staff_admin.unlock": "unlock locked 鎖定",
    "print_queue.retry": "print again resend 重送",
    "print_queue.reprint": "copy again 補印",
    "print_queue.cancel_job": "remove delete cancel 刪除",
    "print_queue.test_page": "test page self-test code page qr 測試頁 自我測試",
    "diagnostics.read_test": "test read 測試",
    "deregister.type_id": "lost card typed id 遺失 身分證",
    "remove_demo": "remove eject 取出",
    "insert_demo": "insert demo card 插入",
    "language": "language english chinese 中文 英文 語言",
    "quit": "exit quit close 離開",
    "logout": "sign out log out 登出",
    "lock": "lock away 鎖定 暫離",
    "help": "help keys 說明",
}

_KEYWORD_WEIGHT = 0.8  # a synonym ranks below a name that matches as well


@dataclass(frozen=True)
class PaletteCommand:
    command_id: str
    title: str  # in the current language
    help: str  # its key, the other language's name and, if so, "supervisor only"
    names: tuple[str, ...]  # every language's name, searched
    run: Callable[[], Awaitable[None] | None]
    usable: bool = True


def _names(label: Callable[[str], str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(label(locale) for locale in LOCALES))


def _help(key: str, names: tuple[str, ...], usable: bool, title: str) -> str:
    parts = [key]
    parts += [n for n in names if n != title]
    if not usable:
        parts.append(t("main.supervisor_only"))
    return " · ".join(p for p in parts if p)


def _main(app: KioskApp) -> MainScreen | None:
    from kiosk.screens.main import MainScreen

    return next((s for s in app.screen_stack if isinstance(s, MainScreen)), None)


def _screen_class(service: Service) -> type[Any]:
    module_name, _, class_name = service.screen.partition(":")
    return cast("type[Any]", getattr(importlib.import_module(module_name), class_name))


async def open_service(app: KioskApp, service_id: str) -> Any | None:
    """Show ``service_id``'s screen (from wherever the clerk is), refused and audited as the main menu
    refuses it; the screen, once mounted, or None."""
    service = SERVICE_BY_ID[service_id]
    main = _main(app)
    if main is None:
        return None
    if service.available and isinstance(app.screen, _screen_class(service)):
        return app.screen
    while app.screen is not main and len(app.screen_stack) > 2:
        await app.pop_screen()
    if not service.available or not allowed(app.staff, service.needs):
        main.action_service(service_id)  # says so; a refusal is audited
        return None
    screen = _screen_class(service)()
    await app.push_screen(screen)
    return screen


async def _run_action(app: KioskApp, action: ServiceAction) -> None:
    # Permissions: the service is refused (and audited) as from the menu, and every action checks again.
    service = SERVICE_BY_ID[action.service_id]
    already_there = service.available and isinstance(app.screen, _screen_class(service))
    screen = await open_service(app, action.service_id)
    if screen is None:
        return
    if already_there or not action.on_selection:
        await screen.run_action(action.action)
    else:
        app.notify(t("palette.press_key", key=key_display(action.key), action=t(action.label_key)), markup=False)


def _service_commands(app: KioskApp) -> list[PaletteCommand]:
    out = []
    for service in SERVICES:
        usable = allowed(app.staff, service.needs)
        names = _names(lambda loc, s=service: t(s.label_key, locale=loc))  # type: ignore[misc]
        title = t(service.label_key)

        def run(service_id: str = service.service_id) -> Awaitable[None]:
            async def go() -> None:
                await open_service(app, service_id)
            return go()

        out.append(PaletteCommand(service.service_id, title, _help(key_display(service.key), names, usable, title),
                                  names, run, usable))
    for action in SERVICE_ACTIONS:
        service = SERVICE_BY_ID[action.service_id]
        usable = allowed(app.staff, service.needs) and allowed(app.staff, action.needs)

        def label(locale: str, a: ServiceAction = action) -> str:
            return t("palette.action", locale=locale, service=t(SERVICE_BY_ID[a.service_id].label_key, locale=locale),
                     action=t(a.label_key, locale=locale))

        names = _names(label)
        title = label(get_locale())
        key = t("palette.key_in_service", service=key_display(service.key), key=key_display(action.key))

        def run_action(a: ServiceAction = action) -> Awaitable[None]:
            return _run_action(app, a)

        out.append(PaletteCommand(f"{action.service_id}.{action.action}", title, _help(key, names, usable, title),
                                  names, run_action, usable))
    return out


def _general_commands(app: KioskApp) -> list[PaletteCommand]:
    signed_in = app.staff is not None and _main(app) is not None
    main = _main(app)
    entries: list[tuple[str, str, str, Callable[[], Any]]] = [
        ("help", "key.help", "f1", app.action_help),
        ("language", "key.language", "ctrl+t", app.action_toggle_language),
    ]
    if signed_in:
        entries += [("lock", "key.lock", "ctrl+l", app.action_lock),
                    ("logout", "key.logout", "ctrl+o", app.action_logout)]
    if signed_in and app.demo and main is not None:
        entries += [("insert_demo", "key.insert_demo", "ctrl+n", main.action_insert_demo_card),
                    ("remove_demo", "key.remove_demo", "ctrl+r", main.action_remove_demo_card)]
    entries.append(("quit", "key.quit", "ctrl+q", app.action_request_quit))
    out = []
    for command_id, label_key, key, run in entries:
        names = _names(lambda loc, k=label_key: t(k, locale=loc))  # type: ignore[misc]
        if command_id == "language":  # its label names the other language; say what it does
            names = _names(lambda loc: t("palette.language", locale=loc))
        title = names[LOCALES.index(get_locale())] if len(names) == len(LOCALES) else names[0]
        out.append(PaletteCommand(command_id, title, _help(key_display(key), names, True, title), names, run))
    return out


def commands(app: KioskApp) -> list[PaletteCommand]:
    """Everything the palette offers right now: usable first, in menu order."""
    found = _general_commands(app)
    if app.staff is not None and _main(app) is not None:
        found = [*_service_commands(app), *found]
    return sorted(found, key=lambda c: not c.usable)


class KioskCommands(Provider):
    """Searches ``commands()`` by every language's names and the synonyms in ``KEYWORDS``."""

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    async def discover(self) -> Hits:
        for command in commands(self.kiosk):
            yield DiscoveryHit(command.title, command.run, text=command.title, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in commands(self.kiosk):
            title_score = matcher.match(command.title)
            score = max(title_score, *(matcher.match(n) for n in command.names),
                        matcher.match(KEYWORDS.get(command.command_id, "")) * _KEYWORD_WEIGHT)
            if score <= 0:
                continue
            if not command.usable:
                score /= 2
            shown = matcher.highlight(command.title) if title_score > 0 else command.title
            yield Hit(score, shown, command.run, text=command.title, help=command.help)


class KioskCommandPalette(CommandPalette):
    """Textual's palette with its own words in the current language."""

    def __init__(self) -> None:
        super().__init__(providers=[KioskCommands], placeholder=t("palette.placeholder"), id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual says "No matches found" in English; say it in the kiosk's language instead.
        from rich.align import Align
        from rich.text import Text
        from textual.widgets.option_list import Option

        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                from textual.command import CommandList

                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(t("palette.no_matches"), style="not bold")), disabled=True,
                           id=self._NO_MATCHES))
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)


def open_palette(app: KioskApp) -> None:
    # App[int] is an App[object] in every way is_open uses (App's type parameter is invariant).
    if app.use_command_palette and not CommandPalette.is_open(cast("App[object]", app)):
        app.push_screen(KioskCommandPalette())


__all__ = ["KioskCommandPalette", "KioskCommands", "commands", "open_palette", "open_service"]
