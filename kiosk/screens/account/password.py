"""Forgotten password (F4 忘記註冊密碼): the citizen types the new password twice.

The fields keep exactly what is typed: a space, ``<`` or a 13th character is never dropped (the
citizen types blind and would leave believing a password that was not stored). The broken rule
shows at once, in the seed's words, and the step stops on Enter; the service refuses again. The
strength meter is the registration wizard's, and is advice, not a block. A new password also lifts
a lockout, as the state machine says.
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
    Strength,
    password_error,
    password_problems,
    strength,
    typing_problems,
    validate_password,
)
from kiosk.i18n import get_locale, t
from kiosk.screens.account.common import AccountScreen
from kiosk.screens.registration.secret_input import SecretInput
from kiosk.services.account import Done, Subject, reset_password
from widgets.strength_meter import StrengthMeter


class PasswordResetScreen(AccountScreen):
    SERVICE_ID = "reset_password"
    # Enter is handled while the app dispatches the key (as on the login screen), so a citizen
    # typing fast never puts the confirmation into the first field.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "enter", priority=True, show=False)]
    DEFAULT_CSS = """
    PasswordResetScreen .acct-row { height: 3; }
    PasswordResetScreen .acct-row Label { width: 30; padding: 1 1 0 1; }
    PasswordResetScreen .acct-row Input { width: 30; }
    PasswordResetScreen .acct-note { margin-left: 1; width: 1fr; height: auto; color: $error;
                                     text-style: bold; }
    PasswordResetScreen #pw-meter { margin-left: 1; }
    #pw-hint { margin: 1 1 0 1; width: 1fr; color: $text-muted; }
    #pw-turn { padding-left: 1; }
    """

    def compose_body(self) -> ComposeResult:
        with Vertical(id="pw-form"):
            yield Label(id="pw-turn", classes="hint")
            with Horizontal(classes="acct-row"):
                yield Label(id="pw1-label")
                yield SecretInput(id="pw1", disabled=True)
            yield StrengthMeter(id="pw-meter")
            yield Label(id="pw1-note", classes="acct-note")
            with Horizontal(classes="acct-row"):
                yield Label(id="pw2-label")
                yield SecretInput(id="pw2", disabled=True)
            yield Label(id="pw2-note", classes="acct-note")
            yield Label(id="pw-hint")

    def relabel(self) -> None:
        self.query_one("#pw-turn", Label).update(t("pw.turn"))
        self.query_one("#pw1-label", Label).update(t("pw.new"))
        self.query_one("#pw2-label", Label).update(t("pw.again"))
        english = get_locale() == "en"
        self.query_one("#pw-hint", Label).update(STRONG_HINT_EN if english else STRONG_HINT)
        meter = self.query_one(StrengthMeter)
        meter.caption = t("pw.strength")
        meter.labels = tuple(s.en if english else s.zh for s in Strength)
        for field in ("pw1", "pw2"):
            self._show_rules(field, self.query_one(f"#{field}", Input).value)

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
        self.query_one(StrengthMeter).level = 0
        if disable:  # the person left or the service is done: nothing typed for them stays
            for note in ("#pw1-note", "#pw2-note"):
                self.query_one(note, Label).update("")
        else:
            self.query_one("#pw1", Input).focus()

    # --- typing --------------------------------------------------------------------------------

    @on(Input.Changed, "#pw1, #pw2")
    def _typed(self, event: Input.Changed) -> None:
        # The field's value now, not the event's: the event may arrive after a refusal cleared it.
        field, value = event.input.id or "", event.input.value
        if field == "pw1":
            self.query_one(StrengthMeter).level = int(strength(value)) if value else 0
        if value:  # cleared after a refusal: the refusal stays in view
            self._show_rules(field, value)

    def _show_rules(self, field: str, value: str) -> None:
        """A forbidden character or a 13th one shows its rule at once, under the field."""
        problems = typing_problems(value)
        en = get_locale() == "en"
        self.query_one(f"#{field}-note", Label).update(
            Text((" " if en else "").join(p.en if en else p.zh for p in problems)))

    def action_enter(self) -> None:
        first, second = self.query_one("#pw1", Input), self.query_one("#pw2", Input)
        if self.focused is first:
            self.set_focus(second)
            first.call_later(self._first_done)  # after the keys already queued for the field
        elif self.focused is second:
            second.call_later(self._second_done)

    def _refuse(self, error: ValidationError) -> None:
        # Both again: the citizen types blind and cannot see which character was wrong.
        self._clear()
        self.show_error(error)

    def _first_done(self) -> None:
        if self.subject is None or self.finished:
            return
        problems = password_problems(self.query_one("#pw1", Input).value)
        if problems:
            self._refuse(password_error(problems))

    def _second_done(self) -> None:
        subject = self.subject
        if subject is None or self.finished:
            return
        first = self.query_one("#pw1", Input).value
        second = self.query_one("#pw2", Input).value
        try:
            validate_password(first, second)
        except ValidationError as exc:
            self._refuse(exc)
            return
        citizen = subject.citizen
        was_locked = subject.account.state is AccountState.LOCKED
        self.show_message(t("pw.saving"))
        self.run_service(lambda ctx: reset_password(ctx, citizen, first, second),
                         lambda result: self._done(result, was_locked))

    def _done(self, result: Done, was_locked: bool) -> None:
        self._clear(disable=True)
        # Done: the form that asks the citizen for a password goes, leaving what happened.
        self.query_one("#pw-form").display = False
        self.finish(lambda: t("pw.done") + (t("pw.also_unlocked") if was_locked else ""), result.account)
