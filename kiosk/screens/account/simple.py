"""One-step services: lockout lifted (F5 解除鎖定) and pending web registration cancelled (F6 刪除註冊申請).

Lifting a lockout takes nothing away, so Enter does it; cancelling an application does, so it
asks first, naming what is lost.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from kiosk.core.masking import mask_email, mask_id, mask_name
from kiosk.core.rocdate import format_datetime_en, format_roc_datetime
from kiosk.i18n import get_locale, t
from kiosk.screens.account.common import AccountScreen
from kiosk.screens.confirm import ConfirmScreen
from kiosk.services.account import Done, Subject, cancel_pending, lift_lockout


class _OneStepScreen(AccountScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "go", show=False)]
    ACTION_KEY = ""

    def compose_body(self) -> ComposeResult:
        yield Static(id="acct-info", classes="acct-info")

    def relabel(self) -> None:
        if self.subject is not None and not self.finished:
            self.subject_ready(self.subject)

    def keys(self) -> list[tuple[str, str]]:
        if self.subject is None or self.finished:
            return self.base_keys()
        return [("enter", t(self.ACTION_KEY)), *self.base_keys()]

    def subject_lost(self) -> None:
        self.query_one("#acct-info", Static).update("")

    def show_info(self, *lines: str) -> None:
        self.query_one("#acct-info", Static).update(Text("\n".join(lines)))

    def action_go(self) -> None:
        if self.subject is not None and not self.finished:
            self.perform(self.subject)

    def perform(self, subject: Subject) -> None:
        raise NotImplementedError


class UnlockScreen(_OneStepScreen):
    SERVICE_ID = "unlock"
    ACTION_KEY = "unlock.key"

    def subject_ready(self, subject: Subject) -> None:
        threshold = self.kiosk.config.rules.password_lockout_threshold
        self.show_info(t("unlock.info", failed=subject.account.failed_passwords, threshold=threshold),
                       "", t("unlock.prompt"))

    def perform(self, subject: Subject) -> None:
        citizen = subject.citizen
        self.run_service(lambda ctx: lift_lockout(ctx, citizen), self._done)

    def _done(self, result: Done) -> None:
        self.show_info(t("unlock.info_done"))
        self.finish(lambda: t("unlock.done"), result.account)


class CancelPendingScreen(_OneStepScreen):
    SERVICE_ID = "cancel_pending"
    ACTION_KEY = "pending.key"

    def subject_ready(self, subject: Subject) -> None:
        account = subject.account
        at = account.registered_at
        applied = "—" if at is None else format_datetime_en(at) if get_locale() == "en" else format_roc_datetime(at)
        email = mask_email(account.contact.email) if account.contact.email else "—"
        self.show_info(t("pending.info", at=applied, email=email), "", t("pending.prompt"))

    def perform(self, subject: Subject) -> None:
        citizen = subject.citizen
        question = "\n".join((t("pending.confirm", name=mask_name(citizen.name or subject.account.name),
                                   id=mask_id(citizen.national_id)), t("acct.confirm_yn")))

        def answered(yes: bool | None) -> None:
            if yes and self.subject is subject:
                self.run_service(lambda ctx: cancel_pending(ctx, citizen), self._done)
            elif not yes:
                self.show_message(t("acct.declined"))

        self.app.push_screen(ConfirmScreen(question), answered)

    def _done(self, result: Done) -> None:
        self.show_info(t("pending.info_done"))
        self.finish(lambda: t("pending.done"), result.account)
