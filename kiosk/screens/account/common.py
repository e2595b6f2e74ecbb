"""What every account-service screen shares: finding the person, and stopping when the card goes.

The person comes from the card in the reader (or, for deregistration, a typed ID). While a
service is under way, pulling the card or inserting another one stops it: nothing is done for a
person who is no longer at the counter, and nothing typed for one person carries over to the next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from kiosk.core.errors import InvalidTransition, KioskError
from kiosk.core.masking import mask_id, mask_name
from kiosk.core.models import Account, Citizen
from kiosk.i18n import t
from kiosk.screens.base import ServiceScreen
from kiosk.services.account import Subject, load_subject

if TYPE_CHECKING:
    from kiosk.app import CardState


def subject_line(subject: Subject) -> str:
    citizen = subject.citizen
    name = mask_name(citizen.name or subject.account.name)
    state = t(f"account.{subject.account.state.value}")
    return t("acct.subject", name=name, id=mask_id(citizen.national_id), state=state)


class AccountScreen(ServiceScreen):
    """A service screen whose subject is the card holder; subclasses fill in the steps."""

    DEFAULT_CSS = """
    AccountScreen #service-citizen { padding-left: 1; text-style: bold; width: 1fr; }
    AccountScreen #service-message { padding: 1 1 0 1; width: 1fr; }
    AccountScreen .acct-info { margin: 1 1 0 1; height: auto; }
    """

    subject: Subject | None = None
    # What ``finish`` said, as a function of the language, so Ctrl+T on a finished screen says it again.
    _finished_say: Callable[[], str] | None = None
    # The load whose answer is awaited (a new tag per load), and whether it is the card's: an
    # answer whose tag is no longer current is dropped, so a load overtaken by another card (or by
    # the card leaving) never installs the previous citizen as the subject.
    _load_tag: object | None = None
    _load_by_card = False

    def on_mount(self) -> None:
        # After the base class has labelled the screen, so the first message is not overwritten.
        self.call_after_refresh(self.start_from_card)

    # --- finding the person --------------------------------------------------------------------

    def start_from_card(self) -> None:
        card = self.kiosk.card
        if card.reading:
            self.show_message(t("card.reading"))
            return
        citizen = self.kiosk.current_citizen()
        if citizen is None:
            self.no_card(card)
            return
        self.load(citizen=citizen)

    def no_card(self, card: CardState) -> None:
        """No usable card: say why. Deregistration overrides this to offer typing the ID."""
        if card.result is not None and not card.result.record.id_valid:
            self.show_message(t("card.id_invalid"), error=True)
        elif card.error is not None:
            self.show_error(card.error)
        else:
            self.show_message(t("acct.no_card"))

    def load(self, *, citizen: Citizen | None = None, typed_id: str | None = None) -> None:
        service = self.SERVICE_ID
        tag = self._load_tag = object()
        self._load_by_card = typed_id is None

        def loaded(subject: Subject) -> None:
            if tag is self._load_tag:
                self._load_tag = None
                self._loaded(subject)

        def failed(error: KioskError) -> None:
            if tag is self._load_tag:
                self._load_tag = None
                self._load_failed(error, typed=typed_id is not None)

        self.run_service(lambda ctx: load_subject(ctx, service, citizen=citizen, typed_id=typed_id), loaded, failed)

    def _load_failed(self, error: KioskError, *, typed: bool) -> None:
        """The service does not apply to this person: the refusal replaces the form. A typed ID
        that is refused stays a message above the field, where the clerk types the next one."""
        if isinstance(error, InvalidTransition) and not typed:
            citizen, state = self.kiosk.current_citizen(), self.kiosk.card.account_state
            if citizen is not None:  # whom the refusal is about
                self.set_citizen_line(t("acct.subject", name=mask_name(citizen.name), id=mask_id(citizen.national_id),
                                        state=t(f"account.{state}") if state else ""))
            self.show_refusal(error)
        else:
            self.show_error(error)

    def _loaded(self, subject: Subject) -> None:
        self.subject = subject
        self.set_citizen_line(subject_line(subject))
        self.show_message("")
        self.subject_ready(subject)
        self.refresh_keys()

    def card_changed(self, card: CardState) -> None:
        if self.finished or card.reading:
            return
        self.clear_refusal()  # a refusal was about the card that was in the reader
        if self._load_by_card:
            self._load_tag = None  # a load under way was for the card now gone or replaced
        citizen = self.kiosk.current_citizen()
        subject = self.subject
        if subject is not None and subject.by_card:
            if citizen is not None and citizen.national_id == subject.citizen.national_id:
                return  # the same card read again
            self.subject = None
            self.set_citizen_line("")
            self.subject_lost()
            self.refresh_keys()
            if citizen is None:
                self.show_message(t("acct.card_removed"), error=True)
                return
        if subject is not None and not subject.by_card:
            return  # typed for a lost card: a card inserted now does not replace that person
        if citizen is None:
            self.no_card(card)
        else:
            self.load(citizen=citizen)

    # --- for subclasses ------------------------------------------------------------------------

    def subject_ready(self, subject: Subject) -> None:
        """The person is found and the service applies: show the first step."""

    def subject_lost(self) -> None:
        """The card was pulled or replaced: forget everything typed for that person."""

    def _relabel_all(self, locale: str) -> None:
        super()._relabel_all(locale)
        # Lines set once from data are said again in the new language.
        if self.subject is not None:
            self.refresh_citizen_line()
        if self.finished and self._finished_say is not None:
            self.show_message(self._finished_say())

    def refresh_citizen_line(self) -> None:
        if self.subject is not None:
            self.set_citizen_line(subject_line(self.subject))

    def finish(self, message: Callable[[], str], account: Account) -> None:
        """The service is done: show what happened and refresh the card panel's account state.
        ``message`` gives the text in the current language (called again on Ctrl+T)."""
        self.mark_finished()
        self._finished_say = message
        if self.subject is not None:
            self.subject = replace(self.subject, account=account)
            self.set_citizen_line(subject_line(self.subject))
        self.show_message(message())
        self.refresh_keys()
        self.kiosk.reread_card()

    def base_keys(self) -> list[tuple[str, str]]:
        return [("escape", t("key.back")), ("f1", t("key.help"))]
