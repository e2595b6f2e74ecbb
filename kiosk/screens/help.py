"""Every key, from the same tables that bind them."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.core.permissions import Action
from kiosk.i18n import t
from kiosk.services.catalog import DEMO_KEYS, GENERAL_KEYS, SERVICES
from widgets.key_bar import key_display

if TYPE_CHECKING:
    from kiosk.app import KioskApp


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1", "dismiss_help", show=False)]

    def compose(self) -> ComposeResult:
        app = cast("KioskApp", self.app)
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold", no_wrap=True)
        table.add_column()
        table.add_row(Text(t("help.services"), style="bold underline"), "")
        for service in SERVICES:
            note = "" if service.available else t("fmt.note", note=t("main.not_available"))
            if service.available and service.needs is not Action.COUNTER_SERVICE:
                note = t("fmt.note", note=t("main.supervisor_only"))
            table.add_row(key_display(service.key), Text(t(service.label_key) + note))
        table.add_row("", "")
        table.add_row(Text(t("help.general"), style="bold underline"), "")
        table.add_row("Esc", t("key.back"))
        for key, label in GENERAL_KEYS:
            table.add_row(key_display(key), t(label))
        if app.demo:
            table.add_row("", "")
            table.add_row(Text(t("help.demo"), style="bold underline"), "")
            for key, label in DEMO_KEYS:
                table.add_row(key_display(key), t(label))
        with VerticalScroll(id="help-box") as box:
            box.border_title = t("help.title")
            box.border_subtitle = t("help.close")
            yield Static(table)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
