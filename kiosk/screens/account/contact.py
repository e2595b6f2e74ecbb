"""Contact data updated (F7 基本資料異動): a form pre-filled with what is stored, then old → new.

Enter moves to the next field (checking the one left); Enter on the last field, or F10 from any,
shows the review. The review masks the old values (the person at the counter may not be the one
who gave them) and shows the new ones in full so the citizen can check what was typed.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from kiosk.core.contact import ContactForm, format_mobile
from kiosk.core.errors import ValidationError
from kiosk.core.models import Contact
from kiosk.i18n import get_locale, t
from kiosk.screens.account.common import AccountScreen
from kiosk.services.account import Done, Subject, no_change_error, update_contact
from kiosk.services.account_contact import (
    FIELDS,
    ContactChange,
    ParsedContact,
    contact_changes,
    form_from_contact,
    merged_contact,
    parse_contact_form,
)

_MAX_LENGTH = {"mobile": 16, "landline": 24, "email": 254, "backup_email": 254, "household_no": 8}


class ContactUpdateScreen(AccountScreen):
    SERVICE_ID = "update_contact"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f10", "review", show=False),
        # Handled while the key is dispatched, so fast typing lands in the field it was meant for.
        Binding("enter", "enter", priority=True, show=False),
    ]
    DEFAULT_CSS = """
    ContactUpdateScreen .acct-row { height: 3; }
    ContactUpdateScreen .acct-row Label { width: 34; padding: 1 1 0 1; }
    ContactUpdateScreen .acct-row Input { width: 60; }
    ContactUpdateScreen .acct-row Input.bad { border: tall $error; }
    #contact-warning { margin: 0 1; color: $warning; width: 1fr; height: auto; }
    #contact-review { margin: 1 1 0 1; height: auto; }
    """

    step = "form"
    new_contact: Contact | None = None
    changes: tuple[ContactChange, ...] = ()

    def compose_body(self) -> ComposeResult:
        with Vertical(id="contact-form"):
            for field in FIELDS:
                with Horizontal(classes="acct-row"):
                    yield Label(id=f"{field}-label")
                    yield Input(id=field, max_length=_MAX_LENGTH[field], disabled=True)
            yield Static(id="contact-warning")
        yield Static(id="contact-review")

    def on_mount(self) -> None:
        self.query_one("#contact-review", Static).display = False

    def relabel(self) -> None:
        for field in FIELDS:
            self.query_one(f"#{field}-label", Label).update(t(f"contact.{field}"))
        if self.step == "review":
            self._show_review()

    def keys(self) -> list[tuple[str, str]]:
        if self.subject is None or self.finished:
            return self.base_keys()
        if self.step == "review":
            return [("enter", t("contact.key_save")), ("escape", t("contact.key_edit")),
                    ("f1", t("key.help"))]
        return [("enter", t("contact.key_next")), ("f10", t("contact.key_review")), *self.base_keys()]

    # --- the person ----------------------------------------------------------------------------

    def subject_ready(self, subject: Subject) -> None:
        form = form_from_contact(subject.account.contact)
        for field in FIELDS:
            box = self.query_one(f"#{field}", Input)
            box.value = getattr(form, field)
            box.disabled = False
            box.remove_class("bad")
        # Parsing at once shows the Microsoft-mail advice for a stored address, or what is wrong.
        if self._parse() is not None:
            self.set_focus(self.query_one("#mobile", Input))

    def subject_lost(self) -> None:
        self._set_step("form")
        for field in FIELDS:
            box = self.query_one(f"#{field}", Input)
            box.value = ""
            box.disabled = True
        self.query_one("#contact-warning", Static).update("")

    def unsaved_work(self) -> bool:
        # The form starts filled with what is stored: only a change is work that would be lost.
        subject = self.subject
        return (subject is not None and not self.finished and self.refused is None
                and self._form() != form_from_contact(subject.account.contact))

    # --- form ----------------------------------------------------------------------------------

    def _form(self) -> ContactForm:
        return ContactForm(**{f: self.query_one(f"#{f}", Input).value for f in FIELDS})

    def action_enter(self) -> None:
        box = self.focused
        if not isinstance(box, Input) or box.id not in FIELDS:
            self.action_save()
            return
        index = FIELDS.index(box.id)
        if index + 1 == len(FIELDS):
            box.call_later(self.action_review)
            return
        self.set_focus(self.query_one(f"#{FIELDS[index + 1]}", Input))
        field = box.id
        box.call_later(lambda: self._parse(only=field))

    def _parse(self, only: str | None = None) -> ParsedContact | None:
        """Check the form (or one field); mark and focus the bad field and say why."""
        for field in FIELDS:
            self.query_one(f"#{field}", Input).remove_class("bad")
        try:
            parsed = parse_contact_form(self._form())
        except ValidationError as exc:
            if only is None or exc.field == only:
                bad = self.query_one(f"#{exc.field}", Input)
                bad.add_class("bad")
                bad.focus()
                self.show_error(exc)
                return None
            parsed = None
        en = get_locale() == "en"
        warnings = parsed.warnings if parsed else {}
        self.query_one("#contact-warning", Static).update(
            Text("\n".join(f"{t(f'contact.{f}')}：{w[1] if en else w[0]}" for f, w in warnings.items())))
        self.show_message(t("contact.form_hint"))
        return parsed

    def action_review(self) -> None:
        subject = self.subject
        if subject is None or self.finished or self.step != "form":
            return
        parsed = self._parse()
        if parsed is None:
            return
        new = merged_contact(subject.account.contact, parsed)
        changes = contact_changes(subject.account.contact, new)
        if not changes:
            self.show_error(no_change_error())
            return
        self.new_contact, self.changes = new, tuple(changes)
        self.set_focus(None)  # Enter now belongs to the screen: it saves
        self._set_step("review")
        self._show_review()

    def _set_step(self, step: str) -> None:
        self.step = step
        self.query_one("#contact-form").display = step == "form"
        self.query_one("#contact-review", Static).display = step == "review"
        self.refresh_keys()

    def _show_review(self) -> None:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_column()
        table.add_column()
        table.add_row(Text(t("contact.review_title"), style="bold underline"), "", "", "")
        none = t("contact.none")
        for change in self.changes:
            new = change.new
            if change.field == "mobile" and new:
                new = format_mobile(new)
            table.add_row(t(f"contact.short.{change.field}"), Text(change.old or none), "→",
                          Text(new or t("contact.deleted")))
        self.query_one("#contact-review", Static).update(table)
        self.show_message(t("contact.review_hint"))

    # --- save ----------------------------------------------------------------------------------

    def action_save(self) -> None:
        subject, contact = self.subject, self.new_contact
        if self.step != "review" or subject is None or contact is None or self.finished:
            return
        citizen = subject.citizen
        self.run_service(lambda ctx: update_contact(ctx, citizen, contact), self._done)

    def _done(self, result: Done) -> None:
        n = len(self.changes)
        self.finish(lambda: t("contact.done", n=n), result.account)

    def action_back(self) -> None:
        if self.step == "review" and not self.finished:
            self._set_step("form")
            self.query_one("#mobile", Input).focus()
            self.show_message(t("contact.form_hint"))
            return
        super().action_back()
