"""Staff sign-in, also used as the lock screen (idle lock or Ctrl+L)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from kiosk.core.errors import as_kiosk_error
from kiosk.i18n import t
from widgets.key_bar import KeyBar
from widgets.status_bar import StatusBar, StatusInfo

if TYPE_CHECKING:
    from kiosk.app import KioskApp
    from kiosk.core.models import Staff


class LoginScreen(Screen[None]):
    AUTO_FOCUS = "#staff_no"
    # Enter is a priority binding so the move to the PIN field happens while the app dispatches the
    # key: a clerk typing "S001⏎1234⏎" fast must not put the PIN into the staff number field.
    BINDINGS = [Binding("enter", "next_field", priority=True, show=False)]

    def __init__(self, locked_by: Staff | None = None) -> None:
        super().__init__()
        self.locked_by = locked_by

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(id="banner")
        with Center(), Vertical(id="login-box"):
            yield Label(id="login-title")
            yield Label(id="locked-hint")
            yield Label(id="staff-label", classes="field-label")
            yield Input(id="staff_no", max_length=16, restrict=r"[A-Za-z0-9]*",
                        value=self.locked_by.staff_no if self.locked_by else "")
            yield Label(id="pin-label", classes="field-label")
            yield Input(id="pin", password=True, max_length=8, restrict=r"[0-9]*")
            yield Label(id="login-error", classes="error")
            yield Label(id="login-hint", classes="hint")
            yield Label(id="demo-hint", classes="hint")
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(self.app, "locale", self._relabel, init=True)
        self.watch(self.app, "status", self._show_status, init=True)
        if self.locked_by:
            self.set_focus(self.query_one("#pin", Input))

    def _show_status(self, info: StatusInfo) -> None:
        self.query_one(StatusBar).info = info

    def _relabel(self, _locale: str) -> None:
        locked = self.locked_by is not None
        self.query_one("#banner", Static).update(
            Text(t("app.title") + "  ·  " + t("app.subtitle", centre=self.kiosk.config.centre.name,
                                                counter=self.kiosk.config.centre.counter))
        )
        self.query_one("#login-title", Label).update(t("login.locked_title" if locked else "login.title"))
        hint = self.query_one("#locked-hint", Label)
        hint.display = locked
        if self.locked_by:
            hint.update(Text(t("login.locked_hint", staff=f"{self.locked_by.staff_no} {self.locked_by.name}")))
        self.query_one("#staff-label", Label).update(t("login.staff_no"))
        self.query_one("#pin-label", Label).update(t("login.pin"))
        self.query_one("#login-hint", Label).update(t("login.hint"))
        demo = self.query_one("#demo-hint", Label)
        demo.display = self.kiosk.demo
        demo.update(t("login.demo_hint"))
        self.query_one(KeyBar).keys = (("enter", t("login.submit")), ("ctrl+t", t("key.language")),
                                       ("f1", t("key.help")), ("ctrl+q", t("key.quit")))

    def action_next_field(self) -> None:
        if self.focused is self.query_one("#staff_no", Input):
            self.set_focus(self.query_one("#pin", Input))
        elif self.focused is self.query_one("#pin", Input):
            # Keys already dispatched to the PIN field may still be in its queue: submit after them.
            self.query_one("#pin", Input).call_later(self._submit)

    def _submit(self) -> None:
        staff_no = self.query_one("#staff_no", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        if not staff_no or not pin:
            self._error(t("login.empty"))
            return
        self.query_one("#pin", Input).disabled = True
        self._sign_in(staff_no, pin)

    @work(thread=True, exclusive=True, group="login", exit_on_error=False)
    def _sign_in(self, staff_no: str, pin: str) -> None:
        # PIN hashing is deliberately slow: keep it off the UI thread.
        from kiosk.services.staff import LoginRefused

        service = self.kiosk.staff_service
        try:
            staff = service.unlock_screen(staff_no, pin) if self.locked_by else service.login(staff_no, pin)
        except LoginRefused as exc:
            message = {"locked": t("login.staff_locked"), "disabled": t("login.disabled"),
                       "no_staff": t("login.no_staff")}.get(exc.reason, t("login.bad", left=exc.tries_left))
            self.app.call_from_thread(self._refused, message)
            return
        except Exception as exc:  # a busy database or a bug: said, and the PIN field given back
            self.app.call_from_thread(self._refused, as_kiosk_error("login", exc).text(self.kiosk.locale))
            return
        self.app.call_from_thread(self.kiosk.signed_in, staff)

    def _refused(self, message: str) -> None:
        pin = self.query_one("#pin", Input)
        pin.disabled = False
        pin.value = ""
        self.set_focus(pin)
        self._error(message)

    def _error(self, message: str) -> None:
        self.query_one("#login-error", Label).update(Text(message))
