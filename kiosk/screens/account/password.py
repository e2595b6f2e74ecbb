"""Forgotten password (F4 忘記註冊密碼): the citizen types the new password twice.

The fields keep only what the rules allow as it is typed (``filter_typed_password``), so a space
or ``<`` never lands in the field; the strength reading is advice, not a block. A new password
also lifts a lockout, as the state machine says.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label

from kiosk.core.errors import ValidationError
from kiosk.core.models import AccountState
from kiosk.core.password import (
    STRONG_HINT,
    STRONG_HINT_EN,
    filter_typed_password,
    password_problems,
    strength,
    validate_password,
)
from kiosk.i18n import get_locale, t
from kiosk.screens.account.common import AccountScreen
from kiosk.services.account import Done, Subject, reset_password


class PasswordResetScreen(AccountScreen):
    SERVICE_ID = "reset_password"
    # Enter is handled while the app dispatches the key (as on the login screen), so a citizen
    # typing fast never puts the confirmation into the first field.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "enter", priority=True, show=False)]
    DEFAULT_CSS = """
    PasswordResetScreen .acct-row { height: 3; }
    PasswordResetScreen .acct-row Label { width: 30; padding: 1 1 0 1; }
    PasswordResetScreen .acct-row Input { width: 30; }
    PasswordResetScreen .acct-row .acct-note { width: 1fr; padding: 1 1 0 1; }
    #pw-hint { margin: 1 1 0 1; color: $text-muted; }
    #pw-turn { padding-left: 1; }
    """

    def compose_body(self) -> ComposeResult:
        with Vertical(id="pw-form"):
            yield Label(id="pw-turn", classes="hint")
            with Horizontal(classes="acct-row"):
                yield Label(id="pw1-label")
                yield Input(id="pw1", password=True, max_length=12, disabled=True)
                yield Label(id="pw1-note", classes="acct-note")
            with Horizontal(classes="acct-row"):
                yield Label(id="pw2-label")
                yield Input(id="pw2", password=True, max_length=12, disabled=True)
                yield Label(id="pw2-note", classes="acct-note")
            yield Label(id="pw-hint")

    def relabel(self) -> None:
        self.query_one("#pw-turn", Label).update(t("pw.turn"))
        self.query_one("#pw1-label", Label).update(t("pw.new"))
        self.query_one("#pw2-label", Label).update(t("pw.again"))
        self.query_one("#pw-hint", Label).update(STRONG_HINT_EN if get_locale() == "en" else STRONG_HINT)
        self._show_strength(self.query_one("#pw1", Input).value)

    def keys(self) -> list[tuple[str, str]]:
        if self.subject is None or self.finished:
            return self.base_keys()
        return [("enter", t("pw.key_enter")), *self.base_keys()]

    # --- the person ----------------------------------------------------------------------------

    def subject_ready(self, subject: Subject) -> None:
        for field in ("#pw1", "#pw2"):
            self.query_one(field, Input).disabled = False
        self.query_one("#pw1", Input).focus()

    def subject_lost(self) -> None:
        self._clear(disable=True)

    def _clear(self, *, disable: bool = False) -> None:
        for field in ("#pw1", "#pw2"):
            box = self.query_one(field, Input)
            box.value = ""
            box.disabled = disable
        self._show_strength("")
        self.query_one("#pw2-note", Label).update("")
        if not disable:
            self.query_one("#pw1", Input).focus()

    # --- typing --------------------------------------------------------------------------------

    @on(Input.Changed, "#pw1, #pw2")
    def _typed(self, event: Input.Changed) -> None:
        kept = filter_typed_password(event.value)
        if kept != event.value:
            event.input.value = kept
            event.input.cursor_position = len(kept)
            self.query_one(f"#{event.input.id}-note", Label).update(t("pw.refused_char"))
            return
        if event.input.id == "pw1":
            self._show_strength(kept)

    def _show_strength(self, value: str) -> None:
        note = self.query_one("#pw1-note", Label)
        if not value:
            note.update("")
            return
        en = get_locale() == "en"
        level = strength(value)
        text = t("pw.strength", level=level.en if en else level.zh)
        # The field already refuses forbidden characters and a 13th one: only "too short" is left.
        if password_problems(value):
            text += "　" + t("pw.too_short")
        note.update(Text(text))

    def action_enter(self) -> None:
        first, second = self.query_one("#pw1", Input), self.query_one("#pw2", Input)
        if self.focused is first:
            self.set_focus(second)
        elif self.focused is second:
            second.call_later(self._second_done)  # after the keys already queued for the field

    def _second_done(self) -> None:
        subject = self.subject
        if subject is None or self.finished:
            return
        first = self.query_one("#pw1", Input).value
        second = self.query_one("#pw2", Input).value
        try:
            validate_password(first, second)
        except ValidationError as exc:
            # Both again: the citizen cannot see which one was mistyped.
            self._clear()
            self.show_error(exc)
            return
        citizen = subject.citizen
        was_locked = subject.account.state is AccountState.LOCKED
        self.show_message(t("pw.saving"))
        self.run_service(lambda ctx: reset_password(ctx, citizen, first, second),
                         lambda result: self._done(result, was_locked))

    def _done(self, result: Done, was_locked: bool) -> None:
        self._clear(disable=True)
        self.finish(t("pw.done") + (t("pw.also_unlocked") if was_locked else ""), result.account)
