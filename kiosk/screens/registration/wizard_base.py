"""The part of the registration wizard that follows the card in the reader and shows notes.

The wizard belongs to the card read when it started: removing it clears everything typed (the
passwords above all) and nobody is registered; a different card starts over for that citizen.
Whether the citizen may register is asked in a worker when the card is read, so a refusal (already
registered, batch-registered, pending on the web) shows before anybody types a password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.widgets import Input, Label, OptionList

from kiosk.core.errors import KioskError
from kiosk.core.masking import mask_id, mask_name
from kiosk.core.models import Citizen, IdDocument, PriorState
from kiosk.i18n import t
from kiosk.screens.base import ServiceScreen, unexpected
from kiosk.screens.registration.parts import PASSWORD_FIELDS, Note
from kiosk.services.registration import CONTACT_FIELDS, Registration, check_can_register

if TYPE_CHECKING:
    from kiosk.app import CardState


class CardFollowingWizard(ServiceScreen):
    def __init__(self) -> None:
        super().__init__()
        self.step = "document"
        self.citizen: Citizen | None = None
        self.eligible = False
        self.prior: PriorState | None = None
        self.document: IdDocument | None = None
        self.busy = False
        self.result: Registration | None = None
        self._notes: dict[str, Note] = {}
        self._eligibility: Note | None = None
        self._warnings: dict[str, tuple[str, str]] = {}

    def _go(self, step: str) -> None:
        raise NotImplementedError

    def _offer_documents(self, offer: bool) -> None:
        # Hidden, not just disabled, while nobody may register: a refusal must not look like a menu.
        documents = self.query_one("#documents", OptionList)
        documents.disabled = not offer
        documents.display = offer
        self.query_one("#document-prompt", Label).display = offer
        if self.is_mounted:
            self.refresh_keys()

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    # --- the card ------------------------------------------------------------------------------

    def card_changed(self, card: CardState) -> None:
        self._take_card(card)

    def _take_card(self, card: CardState) -> None:
        if self.step == "done" or self.busy:
            return
        citizen = self.kiosk.current_citizen()
        if citizen and self.citizen and citizen.national_id == self.citizen.national_id:
            return  # the same card read again
        had_someone = self.citizen is not None or self._typed_anything()
        if card.reading:
            self._set_eligibility(Note.key("hint", "register.reading"))
            return
        self._reset()
        if had_someone:
            self.show_message(t("register.card_swapped" if citizen else "register.card_removed"), error=True)
        if card.error is not None:
            self._set_eligibility(Note("error", t("register.card_error", locale="zh_TW",
                                                  error=card.error.text("zh_TW")),
                                       t("register.card_error", locale="en", error=card.error.text("en"))))
        elif card.result is None:
            self._set_eligibility(Note.key("hint", "register.insert_card"))
        elif citizen is None:
            self._set_eligibility(Note.key("error", "register.card_invalid"))
        else:
            self.citizen = citizen
            self._render_citizen()
            self._set_eligibility(Note.key("hint", "register.checking"))
            self._check(citizen)

    def _typed_anything(self) -> bool:
        return any(self._value(name) for name in (*PASSWORD_FIELDS, *CONTACT_FIELDS))

    def _reset(self) -> None:
        """Forget the citizen and everything typed for them."""
        self.citizen, self.eligible, self.prior, self.document = None, False, None, None
        for name in (*PASSWORD_FIELDS, *CONTACT_FIELDS):
            self.query_one(f"#{name}", Input).value = ""
            self._set_note(name, None)
        self._warnings = {}
        self._offer_documents(False)
        self._render_citizen()
        if self.step != "document":
            self._go("document")

    @work(thread=True, exclusive=True, group="register-check", exit_on_error=False)
    def _check(self, citizen: Citizen) -> None:
        try:
            prior = check_can_register(self.context(), citizen)
        except KioskError as exc:
            self.app.call_from_thread(self._checked, citizen, None, exc)
            return
        except Exception as exc:
            self.app.call_from_thread(self._checked, citizen, None, unexpected(self.SERVICE_ID, exc))
            return
        self.app.call_from_thread(self._checked, citizen, prior, None)

    def _checked(self, citizen: Citizen, prior: PriorState | None, error: KioskError | None) -> None:
        if self.citizen is None or self.citizen.national_id != citizen.national_id:
            return  # the card changed while we looked
        if error is not None:
            self._set_eligibility(Note.of_error(error))
            return
        self.eligible, self.prior = True, prior
        # Named as it was: a deregistered account registers again; a cancelled web application never
        # was a registration.
        key = {PriorState.DEREGISTERED: "register.eligible_again",
               PriorState.APPLICATION_CANCELLED: "register.eligible_after_cancelled"}.get(
                   prior or PriorState.NONE, "register.eligible")
        self._set_eligibility(Note.key("ok", key))
        self._offer_documents(True)
        if self.step == "document":
            self.set_focus(self.query_one("#documents"))

    # --- rendering helpers -----------------------------------------------------------------------

    def _render_citizen(self) -> None:
        if self.citizen is None:
            self.set_citizen_line("")
            return
        state = "active" if self.result else self.kiosk.card.account_state
        self.set_citizen_line(t("register.citizen", name=mask_name(self.citizen.name),
                                id=mask_id(self.citizen.national_id),
                                state=t(f"account.{state}") if state else ""))

    def _set_eligibility(self, note: Note | None) -> None:
        self._eligibility = note
        self._render_eligibility()

    def _render_eligibility(self) -> None:
        label = self.query_one("#eligibility", Label)
        note = self._eligibility
        label.set_class(note is not None and note.kind == "error", "-error")
        label.set_class(note is not None and note.kind == "ok", "-ok")
        label.update(note.text() if note else "")

    def _set_note(self, name: str, note: Note | None) -> None:
        if note is None:
            self._notes.pop(name, None)
        else:
            self._notes[name] = note
        self._render_note(name)

    def _render_note(self, name: str) -> None:
        label = self.query_one(f"#{name}-note", Label)
        note = self._notes.get(name)
        for kind in ("error", "warning"):
            label.set_class(note is not None and note.kind == kind, f"-{kind}")
        label.display = note is not None
        label.update(note.text() if note else "")

