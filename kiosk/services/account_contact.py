"""Contact data typed at the counter (基本資料異動, F7): the form's rules and the review's old → new.

Values are compared in their canonical form, so a landline stored as ``+886-2-27065866#1234`` and
shown in the form as ``(02)2706-5866#1234`` is not a change, and an untouched field keeps exactly
what was stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.contact import (
    Advice,
    ContactForm,
    check_backup_email,
    check_contact_field,
    validate_email,
    validate_landline,
    validate_mobile,
)
from kiosk.core.errors import ValidationError
from kiosk.core.ids import validate_household_number
from kiosk.core.masking import mask_contact_field
from kiosk.core.models import Contact

# The Contact fields in form order.
FIELDS = ("mobile", "landline", "email", "backup_email", "household_no")


@dataclass(frozen=True, slots=True)
class ParsedContact:
    values: dict[str, str | None]
    warnings: dict[str, Advice]  # field → (zh, en) advice that does not block


@dataclass(frozen=True, slots=True)
class ContactChange:
    field: str
    old: str  # masked, '' when there was none
    new: str  # as typed and canonicalised; '' when deleted


def _canonical(field: str, value: str) -> str:
    """The canonical form of one typed value; ``ValidationError`` naming ``field`` if invalid."""
    if field == "mobile":
        return validate_mobile(value)
    if field == "landline":
        return validate_landline(value)
    if field in ("email", "backup_email"):
        return validate_email(value, field).address
    return validate_household_number(value)


def canonical_or_raw(field: str, value: str | None) -> str:
    """A stored value in canonical form when it is valid, else as stored (old data may not be)."""
    if not value:
        return ""
    try:
        return _canonical(field, value)
    except ValidationError:
        return value


def form_from_contact(contact: Contact) -> ContactForm:
    """The form pre-filled with what is stored, in the form the validators produce."""
    return ContactForm(**{f: canonical_or_raw(f, getattr(contact, f)) for f in FIELDS})


def parse_contact_form(form: ContactForm) -> ParsedContact:
    """Validate every field by the one contact policy (``check_contact_field``, as F2 does); the
    first error raises ``ValidationError`` with its ``field``."""
    values: dict[str, str | None] = {}
    warnings: dict[str, Advice] = {}
    for field in FIELDS:
        values[field], advice = check_contact_field(field, getattr(form, field), primary_email=form.email)
        if advice:
            warnings[field] = advice
    return ParsedContact(values, warnings)


def mask_value(field: str, value: str | None) -> str:
    """How an old value shows on the review: masked, since it may not be the person's own."""
    if not value:
        return ""
    return mask_contact_field(field, canonical_or_raw(field, value))


def as_values(contact: Contact) -> dict[str, str | None]:
    return {f: getattr(contact, f) for f in FIELDS}


def merged_contact(before: Contact, parsed: ParsedContact) -> Contact:
    """The new contact data; a field equal to the stored one in canonical form keeps the stored text."""
    old = as_values(before)
    kept = {f: old[f] if canonical_or_raw(f, old[f]) == (parsed.values.get(f) or "") else parsed.values.get(f)
            for f in FIELDS}
    return Contact(**kept)


def contact_changes(before: Contact, after: Contact) -> list[ContactChange]:
    """Old (masked) → new per field whose canonical value differs."""
    old, new = as_values(before), as_values(after)
    out = []
    for field in FIELDS:
        was = canonical_or_raw(field, old[field])
        now = canonical_or_raw(field, new[field])
        if was != now:
            out.append(ContactChange(field, mask_value(field, old[field]), now))
    return out


def check_changed_values(before: Contact, after: Contact) -> None:
    """The service's own check of what a screen hands it: every changed value must be valid, the
    primary e-mail stays required and the backup e-mail differs from it (the contact policy).
    Unchanged (possibly older, laxer) stored values are kept."""
    check_contact_field("email", after.email or "")  # raises when the primary e-mail is missing
    changes = contact_changes(before, after)
    for change in changes:
        value = getattr(after, change.field)
        if value:
            _canonical(change.field, value)
    if any(c.field in ("email", "backup_email") for c in changes):
        check_backup_email(after.email or "", after.backup_email or "")
