"""Contact form rules and the review's old → new (kiosk.services.account_contact), and refusal wording."""

from __future__ import annotations

import pytest

from kiosk.core.errors import ValidationError
from kiosk.core.models import AccountState, Contact
from kiosk.services.account_contact import (
    ContactForm,
    check_changed_values,
    contact_changes,
    form_from_contact,
    mask_value,
    merged_contact,
    parse_contact_form,
)
from kiosk.services.account_refusals import refusal

STORED = Contact(mobile="0912345678", landline="+886-2-27065866#1234", email="meihua.lin@hotmail.com",
                 household_no="FB123456")


def test_form_shows_canonical_values_and_untouched_fields_are_not_changes():
    form = form_from_contact(STORED)
    assert form.landline == "(02)2706-5866#1234"
    parsed = parse_contact_form(form)
    assert contact_changes(STORED, merged_contact(STORED, parsed)) == []
    # The stored text survives an untouched save exactly.
    assert merged_contact(STORED, parsed).landline == "+886-2-27065866#1234"


def test_changes_mask_old_and_show_new():
    form = form_from_contact(STORED)
    new = ContactForm(mobile="0987-654321", landline="", email=form.email, backup_email="a.b@example.com",
                      household_no=form.household_no)
    changes = {c.field: (c.old, c.new) for c in contact_changes(STORED, merged_contact(STORED,
                                                                                     parse_contact_form(new)))}
    assert changes == {"mobile": ("(0912)-***678", "0987654321"),
                       "landline": ("(02)****-*866#****", ""),
                       "backup_email": ("", "a.b@example.com")}


def test_email_required_and_microsoft_warns_without_blocking():
    with pytest.raises(ValidationError) as err:
        parse_contact_form(ContactForm(mobile="0912345678"))
    assert err.value.field == "email"
    parsed = parse_contact_form(ContactForm(email="x@Hotmail.com"))
    assert parsed.values["email"] == "x@hotmail.com" and "email" in parsed.warnings


@pytest.mark.parametrize("field, value", [("mobile", "0812345678"), ("landline", "12345"),
                                          ("backup_email", "no-at"), ("household_no", "12345678")])
def test_bad_field_names_itself(field, value):
    with pytest.raises(ValidationError) as err:
        parse_contact_form(ContactForm(email="ok@example.com", **{field: value}))
    assert err.value.field == field


def test_mask_value_never_shows_whole_values():
    assert mask_value("email", "meihua.lin@hotmail.com") == "me***@hotmail.com"
    assert mask_value("household_no", "FB123456") == "*****456"
    assert mask_value("mobile", None) == ""


@pytest.mark.parametrize("service, allowed", [
    ("deregister", {AccountState.ACTIVE, AccountState.LOCKED, AccountState.PENDING}),
    ("reset_password", {AccountState.ACTIVE, AccountState.LOCKED}),
    ("unlock", {AccountState.LOCKED}),
    ("cancel_pending", {AccountState.PENDING}),
    ("update_contact", {AccountState.ACTIVE, AccountState.LOCKED}),
])
def test_refusal_follows_the_state_machine(service, allowed):
    for state in AccountState:
        error = refusal(service, state)
        assert (error is None) == (state in allowed), (service, state)
        if error is not None:
            assert error.message and error.action and error.message_en != error.message


# --- one contact policy for F2 and F7 --------------------------------------------------------


def test_f7_form_refuses_backup_email_equal_to_primary_like_f2():
    with pytest.raises(ValidationError) as err:
        parse_contact_form(ContactForm(email="a@example.com", backup_email="A@Example.com"))
    assert err.value.field == "backup_email"


def test_f7_service_refuses_backup_email_equal_to_primary():
    after = Contact(mobile=STORED.mobile, landline=STORED.landline, email=STORED.email,
                    backup_email="meihua.lin@HOTMAIL.com",
                    household_no=STORED.household_no)
    with pytest.raises(ValidationError) as err:
        check_changed_values(STORED, after)
    assert err.value.field == "backup_email"
