"""Pieces of the registration wizard that are pure text: step line, review table, field notes."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kiosk.core.contact import format_mobile
from kiosk.core.errors import KioskError
from kiosk.core.masking import mask_id, mask_name
from kiosk.core.models import Citizen, Contact, IdDocument
from kiosk.core.password import Strength
from kiosk.i18n import get_locale, t

STEPS = ("document", "password", "contact", "review", "done")
DOCUMENTS = (IdDocument.NATIONAL_ID_CARD, IdDocument.RESIDENT_CERTIFICATE, IdDocument.PASSPORT,
             IdDocument.HOUSEHOLD_CERTIFICATE)
PASSWORD_FIELDS = ("password", "password_confirm")


@dataclass(frozen=True)
class Note:
    """What is shown under a field: ``kind`` is error, warning or hint; both languages kept so a
    language switch re-renders it."""

    kind: str
    zh: str
    en: str

    @classmethod
    def of_error(cls, error: KioskError) -> Note:
        return cls("error", error.text("zh_TW"), error.text("en"))

    @classmethod
    def key(cls, kind: str, key: str) -> Note:
        return cls(kind, t(key, locale="zh_TW"), t(key, locale="en"))

    def text(self) -> Text:
        english = get_locale() == "en"
        # No space after the mark in Chinese: a space is where the line would break, leaving the
        # mark alone on its line above a long sentence that has no spaces of its own.
        prefix = {"error": "✖", "warning": "⚠"}.get(self.kind, "")
        if prefix and english:
            prefix += " "
        return Text(prefix + (self.en if english else self.zh))


def step_line(current: str) -> Text:
    """``① 身分證明文件 › ② 註冊密碼 › …`` with the current step highlighted, done ones ticked."""
    text = Text(no_wrap=True, overflow="ellipsis")
    position = STEPS.index(current)
    for index, step in enumerate(STEPS[:4]):
        if index:
            text.append(" › ", style="dim")
        mark = "✔" if index < position else "①②③④"[index]
        style = "bold reverse" if index == position else ("" if index < position else "dim")
        text.append(f" {mark} {t('register.step_' + step)} ", style=style)
    return text


def strength_label(strength: Strength) -> str:
    return strength.en if get_locale() == "en" else strength.zh


def review_table(citizen: Citizen, document: IdDocument, strength: Strength, contact: Contact,
                 warnings: dict[str, tuple[str, str]]) -> RenderableType:
    """What the citizen checks before confirming. ID and name are masked as on the card panel; the
    password is never shown; contact data is shown in full, since a mistyped e-mail address is
    exactly what the citizen is asked to catch."""
    empty = t("register.review_empty")
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    rows = [
        ("register.review_name", mask_name(citizen.name)),
        ("register.review_id", mask_id(citizen.national_id)),
        ("register.review_document", t(f"register.doc.{document.value}")),
        ("register.review_password", t("register.review_password_value", strength=strength_label(strength))),
        ("register.mobile", format_mobile(contact.mobile) if contact.mobile else empty),
        ("register.email", contact.email or empty),
        ("register.landline", contact.landline or empty),
        ("register.backup_email", contact.backup_email or empty),
        ("register.household_no", contact.household_no or empty),
        ("register.review_state", t("register.review_state_value")),
    ]
    for key, value in rows:
        table.add_row(Text(t(key).lstrip("＊* ")), Text(value))
    if not warnings:
        return table
    english = get_locale() == "en"
    notes = Text(t("register.review_warnings") + "\n", style="bold yellow")
    for zh, en in warnings.values():
        notes.append(f"⚠ {en if english else zh}\n", style="yellow")
    return Group(table, Text(""), notes)
