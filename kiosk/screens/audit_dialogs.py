"""Pieces the supervisor screens share: the role guard and the export path dialog."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from kiosk.core.errors import PermissionDenied
from kiosk.core.permissions import Action
from kiosk.i18n import get_locale, t
from kiosk.screens.base import ServiceScreen


def guard(screen: ServiceScreen, action: Action) -> bool:
    """The screen's own role check, whatever opened it (menu key, command palette, a future
    shortcut): a refusal is audited, said, and the screen closes."""
    try:
        screen.context().require(action)
    except PermissionDenied as denied:
        screen.kiosk.audit_refusal(screen.SERVICE_ID)
        screen.notify(denied.text(get_locale()), severity="error", markup=False)
        screen.app.call_later(screen.app.pop_screen)
        return False
    return True


class ExportPathScreen(ModalScreen[str | None]):
    """Where to write the CSV: the default in the data directory, or a path typed over it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]
    DEFAULT_CSS = """
    ExportPathScreen { align: center middle; }
    #export-box { width: 90; height: auto; padding: 1 2; border: thick $accent; background: $panel; }
    #export-box > Label { width: 100%; }
    #export-path { margin: 1 0; }
    """

    def __init__(self, default: str, what: str) -> None:
        super().__init__()
        self.default = default
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Label(t("audit.export_title"), classes="section-title")
            yield Label(Text(t("audit.export_what", what=self.what)))
            yield Input(self.default, id="export-path")
            yield Label(t("audit.export_hint"), classes="hint")
            yield Label(id="export-error", classes="error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if not path:
            self.query_one("#export-error", Label).update(t("audit.export_need_path"))
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
