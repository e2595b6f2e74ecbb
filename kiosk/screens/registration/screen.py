"""臨櫃註冊 wizard: document seen → password (typed by the citizen) → contact → review → done.

Keys are few on purpose (at most 8 staff keys for a whole registration, see ``bench/keystrokes``):
a digit picks the document and moves on, Enter walks field to field and step to step, F9 jumps
from any contact field to the review, F10 confirms. F10 rather than Enter confirms so that an Enter
pressed once too often while walking the fields cannot register anybody. Esc goes back one step,
keeping everything typed; every step stays mounted, so nothing is retyped.

The wizard belongs to the card that was read when it started. Removing the card clears what was
typed (the passwords above all) and starts over; a different card starts over for that citizen.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.core.contact import ContactForm, check_contact_field
from kiosk.core.errors import KioskError, ValidationError
from kiosk.core.masking import mask_name
from kiosk.core.password import (
    LENGTH,
    MISMATCH,
    STRONG_HINT,
    STRONG_HINT_EN,
    Strength,
    password_error,
    password_problems,
    strength,
    typing_problems,
)
from kiosk.i18n import get_locale, t
from kiosk.screens.registration.parts import DOCUMENTS, PASSWORD_FIELDS, Note, review_table, step_line
from kiosk.screens.registration.secret_input import SecretInput
from kiosk.screens.registration.wizard_base import CardFollowingWizard
from kiosk.services.registration import (
    CONTACT_FIELDS,
    Application,
    Registration,
    check_contact,
    register_at_counter,
)
from widgets.strength_meter import StrengthMeter

_CONTACT_MAX = {"mobile": 20, "email": 254, "landline": 30, "backup_email": 254, "household_no": 8}


class RegistrationScreen(CardFollowingWizard):
    SERVICE_ID = "register"
    # Priority bindings act while the key is dispatched, before the keys typed after it: a key that
    # changes the focused field (Enter, a digit, F9, Esc) must do so before fast typing after it
    # reaches the old field. ``check_action`` lets each through only on its own step.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "enter", priority=True, show=False),
        Binding("escape", "back", priority=True, show=False),
        *(Binding(str(n + 1), f"document({n})", priority=True, show=False) for n in range(len(DOCUMENTS))),
        Binding("f9", "review", priority=True, show=False),
        Binding("f10", "confirm", priority=True, show=False),
    ]
    DEFAULT_CSS = """
    RegistrationScreen #reg-steps { margin: 1 0 0 1; height: 1; }
    RegistrationScreen #reg-switcher { height: auto; margin: 0 1; }
    RegistrationScreen .reg-prompt { margin: 1 0 0 0; color: $text-muted; }
    RegistrationScreen .reg-row { height: auto; }
    RegistrationScreen .reg-label { width: 18; padding: 1 1 0 0; text-align: right; }
    RegistrationScreen .reg-input { width: 46; }
    RegistrationScreen .reg-hint { width: 1fr; padding: 1 0 0 1; color: $text-muted; }
    RegistrationScreen .reg-note { margin-left: 18; width: 1fr; height: auto; }
    RegistrationScreen .reg-note.-error { color: $error; text-style: bold; }
    RegistrationScreen .reg-note.-warning { color: $warning; }
    RegistrationScreen #documents { width: 40; height: auto; max-height: 6; margin-top: 1; }
    RegistrationScreen #eligibility { margin-top: 1; width: 1fr; }
    RegistrationScreen #eligibility.-error { color: $error; text-style: bold; }
    RegistrationScreen #eligibility.-ok { color: $success; }
    RegistrationScreen #meter { margin-left: 18; }
    RegistrationScreen #password-rules { margin-left: 18; color: $text-muted; }
    RegistrationScreen #review { margin-top: 1; height: auto; }
    RegistrationScreen #done-text { margin-top: 1; color: $success; text-style: bold; }
    RegistrationScreen #service-message.error { color: $error; text-style: bold; }
    RegistrationScreen #service-message { margin: 0 1; }
    RegistrationScreen #service-citizen { padding-left: 1; }
    """

    # --- layout --------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Label(id="reg-steps")
        with ContentSwitcher(id="reg-switcher", initial="step-document"):
            with Vertical(id="step-document"):
                yield Label(id="eligibility")
                yield Label(id="document-prompt", classes="reg-prompt")
                yield OptionList(id="documents")
            with Vertical(id="step-password"):
                yield Label(id="password-prompt", classes="reg-prompt")
                yield from self._field("password", secret=True)
                yield StrengthMeter(id="meter")
                yield Label(id="password-rules")
                yield from self._field("password_confirm", secret=True)
            with Vertical(id="step-contact"):
                yield Label(id="contact-prompt", classes="reg-prompt")
                for name in CONTACT_FIELDS:
                    yield from self._field(name)
            with Vertical(id="step-review"):
                yield Label(id="review-prompt", classes="reg-prompt")
                yield Static(id="review")
            with Vertical(id="step-done"):
                yield Label(id="done-text")

    def _field(self, name: str, *, secret: bool = False) -> ComposeResult:
        with Horizontal(classes="reg-row"):
            yield Label(id=f"{name}-label", classes="reg-label")
            # A contact field revisited keeps its text with the cursor at the end, ready to correct.
            field = (SecretInput(id=name) if secret
                     else Input(id=name, max_length=_CONTACT_MAX[name], select_on_focus=False))
            yield field.add_class("reg-input")
            yield Label(id=f"{name}-hint", classes="reg-hint")
        yield Label(id=f"{name}-note", classes="reg-note")

    def on_mount(self) -> None:
        super().on_mount()
        self._offer_documents(False)
        self._take_card(self.kiosk.card)
        self._go("document")

    def relabel(self) -> None:
        for key in ("document", "password", "contact", "review"):
            self.query_one(f"#{key}-prompt", Label).update(t(f"register.{key}_prompt"))
        for name in (*PASSWORD_FIELDS, *CONTACT_FIELDS):
            self.query_one(f"#{name}-label", Label).update(t(f"register.{name}"))
            if name in CONTACT_FIELDS:
                self.query_one(f"#{name}-hint", Label).update(t(f"register.{name}_hint"))
            self._render_note(name)
        english = get_locale() == "en"
        self.query_one("#password-rules", Label).update(
            (LENGTH.en if english else LENGTH.zh) + "\n" + (STRONG_HINT_EN if english else STRONG_HINT))
        meter = self.query_one(StrengthMeter)
        meter.caption = t("register.strength")
        meter.labels = tuple(s.en if english else s.zh for s in Strength)
        documents = self.query_one("#documents", OptionList)
        highlighted = documents.highlighted
        documents.clear_options()
        documents.add_options([Option(f"{n + 1}  {t('register.doc.' + d.value)}", id=d.value)
                               for n, d in enumerate(DOCUMENTS)])
        documents.highlighted = highlighted if highlighted is not None else 0
        self._render_eligibility()
        self._render_citizen()
        self.query_one("#reg-steps", Label).update(step_line(self.step))
        if self.step == "review":
            self._render_review()
        if self.step == "done":
            self._render_done()

    def keys(self) -> list[tuple[str, str]]:
        back = ("escape", t("register.key_back"))
        choose = [("1-4", t("register.key_choose"))] if self.eligible else []
        by_step = {
            "document": [*choose, ("escape", t("register.key_menu"))],
            "password": [("enter", t("register.key_next")), back],
            "contact": [("enter", t("register.key_next")), ("f9", t("register.key_review")), back],
            "review": [("f10", t("register.key_confirm")), back],
            "done": [("enter", t("register.key_menu"))],
        }
        return [*by_step[self.step], ("f1", t("key.help"))]

    # --- moving between steps ------------------------------------------------------------------

    def _go(self, step: str) -> None:
        self.step = step
        self.query_one(ContentSwitcher).current = f"step-{step}"
        self.query_one("#reg-steps", Label).update(step_line(step))
        self.refresh_keys()
        self.show_message("")
        focus = {"document": "#documents", "password": "#password", "contact": "#mobile"}.get(step)
        self.set_focus(self.query_one(focus) if focus else None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not super().check_action(action, parameters):
            return False
        if action == "document":
            return self.step == "document" and self.eligible
        if action == "review":
            return self.step == "contact"
        if action == "confirm":
            return self.step == "review" and not self.busy
        return True

    def unsaved_work(self) -> bool:
        return not self.finished and (self.document is not None or self._typed_anything())

    def action_back(self) -> None:
        if self.busy:
            return
        previous = {"password": "document", "contact": "password", "review": "contact"}.get(self.step)
        if previous is None:
            self.app.pop_screen()
        else:
            self._go(previous)

    def action_document(self, index: int) -> None:
        self.document = DOCUMENTS[index]
        self.query_one("#documents", OptionList).highlighted = index
        self._go("password")

    def action_enter(self) -> None:
        if self.step == "document":
            highlighted = self.query_one("#documents", OptionList).highlighted
            if self.eligible and highlighted is not None:
                self.action_document(highlighted)
        elif self.step in ("password", "contact"):
            order = PASSWORD_FIELDS if self.step == "password" else CONTACT_FIELDS
            field = self.focused
            if not isinstance(field, Input) or field.id not in order:
                self.set_focus(self.query_one(f"#{order[0]}"))
                return
            index = order.index(field.id)
            last = index == len(order) - 1
            if not last:
                self.set_focus(self.query_one(f"#{order[index + 1]}"))
            elif self.step == "password":
                # On to the contact step now, so what is typed next lands there; the check below
                # brings the citizen back if the passwords are not acceptable.
                self._go("contact")
            # Checked once the field has taken the keys still queued for it.
            field.call_later(self._left_field, field.id, last)
        elif self.step == "review":
            self.show_message(t("register.review_prompt"))
        elif self.step == "done":
            self.app.pop_screen()

    def _left_field(self, name: str, last: bool) -> None:
        if name == "password":
            if not self._check_password() and self.focused is self.query_one("#password_confirm"):
                self.set_focus(self.query_one("#password"))
        elif name == "password_confirm":
            if not (self._check_password() and self._check_confirm()):
                self._go("password")
                bad = "password" if getattr(self._notes.get("password"), "kind", "") == "error" else name
                self.set_focus(self.query_one(f"#{bad}"))
        elif self.step == "contact":
            if not self._check_contact(name):
                self.set_focus(self.query_one(f"#{name}"))
            elif last:
                self._review()

    # --- password ------------------------------------------------------------------------------

    def _check_password(self) -> bool:
        """The step stops on any broken rule, and both fields are cleared: the citizen types blind
        and cannot mend a masked password, so they type it again from the start."""
        problems = password_problems(self._value("password"))
        if problems:
            self._set_note("password", Note.of_error(password_error(problems)))
            for name in PASSWORD_FIELDS:
                self.query_one(f"#{name}", Input).value = ""
            return False
        self._set_note("password", None)
        return True

    def _check_confirm(self) -> bool:
        if self._value("password") != self._value("password_confirm"):
            self.query_one("#password_confirm", Input).value = ""
            self._set_note("password_confirm", Note.of_error(password_error([MISMATCH])))
            return False
        self._set_note("password_confirm", None)
        return True

    @on(Input.Changed, "#password")
    def _password_changed(self, event: Input.Changed) -> None:
        # The field's value now, not the event's: the event may arrive after a refusal cleared it.
        value = self._value("password")
        self.query_one(StrengthMeter).level = int(strength(value)) if value else 0
        if not value:
            return  # cleared after a refusal: the refusal stays in view
        # A forbidden character or a 13th one shows its rule at once, while the citizen types.
        problems = typing_problems(value)
        if problems:
            self._set_note("password", Note("error", "".join(p.zh for p in problems),
                                            " ".join(p.en for p in problems)))
        elif getattr(self._notes.get("password"), "kind", "") == "error":
            self._set_note("password", None)

    # --- contact -------------------------------------------------------------------------------

    def _check_contact(self, name: str) -> bool:
        try:
            _, warning = check_contact_field(name, self._value(name), primary_email=self._value("email"))
        except ValidationError as exc:
            self._set_note(name, Note.of_error(exc))
            return False
        self._set_note(name, Note("warning", *warning) if warning else None)
        return True

    def _contact_form(self) -> ContactForm:
        return ContactForm(**{name: self._value(name) for name in CONTACT_FIELDS})

    def action_review(self) -> None:
        # After the focused field has taken the keys still queued for it, or the review would
        # show (and check) what was typed only in part.
        if isinstance(self.focused, Input):
            self.focused.call_later(self._review)
        else:
            self._review()

    def _review(self) -> None:
        if self.step != "contact":
            return
        bad = [name for name in CONTACT_FIELDS if not self._check_contact(name)]
        if bad:
            self.set_focus(self.query_one(f"#{bad[0]}"))
            return
        self._warnings = dict(check_contact(self._contact_form()).warnings)
        self._go("review")
        self._render_review()

    def _render_review(self) -> None:
        if self.citizen is None or self.document is None:
            return
        contact = check_contact(self._contact_form()).contact
        self.query_one("#review", Static).update(review_table(
            self.citizen, self.document, strength(self._value("password")), contact, self._warnings))

    # --- confirm -------------------------------------------------------------------------------

    def action_confirm(self) -> None:
        citizen, document = self.citizen, self.document
        if citizen is None or document is None or not self.eligible:
            self.show_message(t("register.not_ready"), error=True)
            return
        on_card = self.kiosk.current_citizen()
        if on_card is None or on_card.national_id != citizen.national_id:
            self.show_message(t("register.card_mismatch"), error=True)
            return
        application = Application(citizen, document, self._value("password"), self._value("password_confirm"),
                                  self._contact_form())
        self.busy = True
        self.show_message(t("register.registering"))
        self.run_service(lambda ctx: register_at_counter(ctx, application), self._registered)

    def show_error(self, error: KioskError) -> None:
        self.busy = False
        super().show_error(error)

    def _registered(self, result: Registration) -> None:
        self.busy = False
        self.result = result
        for name in PASSWORD_FIELDS:
            self.query_one(f"#{name}", Input).value = ""
        self._go("done")
        self.mark_finished()
        self._render_done()
        self.kiosk.reread_card()

    def _render_done(self) -> None:
        if self.result is None or self.citizen is None:
            return
        key = "register.done_again" if self.result.registered_again else "register.done"
        text = (t(key, name=mask_name(self.citizen.name)) + "\n"
                + t("register.done_receipt", txn=self.result.txn_no))
        self.query_one("#done-text", Label).update(Text(text))
        self._render_citizen()

