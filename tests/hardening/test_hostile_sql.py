"""SQL metacharacters in every field that reaches the database.

Every query in ``data/`` binds its values, so ``' OR 1=1 --`` is just text that matches nothing; these
tests prove it field by field, through the service functions and through the screens: the only
error a user may see is a clear ``ValidationError``, and afterwards the database is intact (integrity
check, the tables and their row counts, the audit chain).
"""

from __future__ import annotations

import sqlite3

import pytest
from textual import events
from textual.widgets import Input

from data import accounts as accounts_repo
from data.audit import count_audit, query_audit, verify_chain
from data.store import Store
from kiosk.core.errors import ValidationError
from kiosk.core.models import Role, Staff
from kiosk.services.account import load_subject
from kiosk.services.account_contact import ContactForm, parse_contact_form
from kiosk.services.staff import LoginRefused
from kiosk.services.supervisor import parse_filter
from tests.conftest import FROZEN_AT, TERMINAL, settle, sign_in, wait_until

HOSTILE_SQL = [
    "' OR 1=1 --",
    "\"; DROP TABLE accounts; --",
    "A123456789'; DELETE FROM audit_log; --",
    "%",
    "_",
    "A1%",
    "A12345678_",
    "*",
    "\x00",
    "A123456789\x00' OR '1'='1",
    "') UNION SELECT password_hash FROM accounts --",
    "\\",
    "🙂" * 10,
]

TABLES = ("accounts", "audit_log", "staff", "devices")


def snapshot(store: Store) -> dict[str, int]:
    """Row counts of the tables an injection would hurt, and the integrity check."""
    assert store.one("PRAGMA integrity_check")[0] == "ok"
    names = {r[0] for r in store.all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {t: int(store.one(f"SELECT count(*) FROM {t}")[0]) for t in TABLES if t in names}


def assert_intact(store: Store, before: dict[str, int], *, audit_grew_by: int | None = None) -> None:
    after = snapshot(store)
    assert set(after) == set(before)
    for table, count in before.items():
        if table == "audit_log":
            assert after[table] >= count if audit_grew_by is None else after[table] == count + audit_grew_by
        else:
            assert after[table] == count, table
    assert verify_chain(store).ok


@pytest.fixture
def kiosk(make_kiosk):  # type: ignore[no-untyped-def]
    app = make_kiosk()
    app.staff = Staff("S001", "王小明", Role.CLERK)
    return app


def _staff(app, role: Role) -> None:  # type: ignore[no-untyped-def]
    from data.staff import get_staff

    app.staff = get_staff(app.equipment.store, "S900" if role is Role.SUPERVISOR else "S001")


@pytest.mark.parametrize("typed", HOSTILE_SQL)
@pytest.mark.parametrize("service", ["deregister", "reset_password", "unlock", "update_contact"])
def test_typed_id_lookup_refuses_metacharacters_clearly(make_kiosk, typed: str, service: str) -> None:
    app = make_kiosk()
    _staff(app, Role.CLERK)
    before = snapshot(app.equipment.store)
    with pytest.raises(ValidationError) as info:
        load_subject(app.service_context(), service, typed_id=typed)
    assert info.value.message and info.value.message_en
    assert_intact(app.equipment.store, before, audit_grew_by=0)


@pytest.mark.parametrize("typed", HOSTILE_SQL)
def test_repositories_bind_metacharacters_as_plain_values(make_kiosk, typed: str) -> None:
    app = make_kiosk()
    store = app.equipment.store
    before = snapshot(store)
    assert accounts_repo.get_account(store, typed) is None
    for flt in ({"staff_no": typed}, {"action": typed}, {"outcome": typed}, {"subject_id": typed}):
        assert query_audit(store, limit=1000, **flt) == []
    assert_intact(store, before, audit_grew_by=0)


@pytest.mark.parametrize("typed", HOSTILE_SQL)
def test_audit_filters_match_literally(make_kiosk, typed: str) -> None:
    """``%`` and ``_`` are not wildcards: the viewer's text filters match exactly or not at all."""
    app = make_kiosk()
    store = app.equipment.store
    app.staff_service.login("S001", "1234")
    assert query_audit(store, staff_no="S001", action="login", outcome="ok")  # the control: it matches
    assert count_audit(store) > 0
    flt = parse_filter(staff_no=typed, action=typed, outcome=typed)
    assert query_audit(store, staff_no=flt.staff_no, action=flt.action, outcome=flt.outcome) == []
    with pytest.raises(ValidationError) as info:
        parse_filter(national_id=typed)
    assert info.value.field == "national_id"
    with pytest.raises(ValidationError):
        parse_filter(since=typed)


@pytest.mark.parametrize("typed", HOSTILE_SQL)
def test_staff_number_at_login_is_a_plain_refusal(make_kiosk, typed: str) -> None:
    app = make_kiosk()
    before = snapshot(app.equipment.store)
    with pytest.raises(LoginRefused) as info:
        app.staff_service.login(typed, "1234")
    assert info.value.reason == "bad"
    assert_intact(app.equipment.store, before, audit_grew_by=1)
    entry = query_audit(app.equipment.store, limit=1)[0]
    assert (entry.action, entry.outcome) == ("login", "refused")


@pytest.mark.parametrize("typed", HOSTILE_SQL)
@pytest.mark.parametrize("field", ["mobile", "landline", "email", "backup_email", "household_no"])
def test_contact_fields_refuse_metacharacters(typed: str, field: str) -> None:
    values = {"email": "lin@example.com.tw", field: typed}
    try:
        parsed = parse_contact_form(ContactForm(**values))
    except ValidationError as exc:
        assert exc.field == field and exc.message and exc.message_en
    else:  # only if the value is a real one of its kind, which none of these is
        raise AssertionError(f"{field} accepted {typed!r}: {parsed}")


# --- through the screens ---------------------------------------------------------------------


async def _paste(pilot, box: Input, text: str) -> None:  # type: ignore[no-untyped-def]
    box.focus()
    box.value = ""
    await pilot.pause()
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def test_login_screen_staff_number_with_metacharacters(make_kiosk) -> None:
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        before = snapshot(app.equipment.store)
        staff_no = app.screen.query_one("#staff_no", Input)
        for typed in HOSTILE_SQL:
            await _paste(pilot, staff_no, typed)
            # Only letters and digits get in; what is left is just a wrong staff number.
            assert staff_no.value.isalnum() or staff_no.value == ""
        await _paste(pilot, staff_no, "S001' OR 1=1 --")
        await pilot.press("enter", *"0000", "enter")
        # Refused whole by the field's restriction, so this is an empty staff number: said so.
        await wait_until(pilot, lambda: bool(str(app.screen.query_one("#login-error").render()).strip()))
        assert app.staff is None
        assert_intact(app.equipment.store, before)


async def test_deregistration_typed_id_with_metacharacters(make_kiosk) -> None:
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        before = snapshot(app.equipment.store)
        await pilot.press("f3")
        await wait_until(pilot, lambda: bool(app.screen.query("#dereg-id")))
        await pilot.press("i")  # type the ID: no card
        box = app.screen.query_one("#dereg-id", Input)
        for typed in HOSTILE_SQL:
            await _paste(pilot, box, typed)
            assert box.value.isalnum() or box.value == ""
            await pilot.press("enter")
            await settle(pilot)
        message = str(app.screen.query_one("#service-message").render())
        assert message  # a validation message, not a crash
        assert_intact(app.equipment.store, before, audit_grew_by=0)


async def test_audit_viewer_filters_with_metacharacters(make_kiosk) -> None:
    from kiosk.screens.audit import CHOICES, FILTERS

    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot, "S900", "9999")
        await pilot.press("f12")
        await wait_until(pilot, lambda: bool(app.screen.query("#f-staff_no")))
        before = snapshot(app.equipment.store)
        for name in (f for f in FILTERS if f not in CHOICES):  # action and outcome are picked, not typed
            box = app.screen.query_one(f"#f-{name}", Input)
            for typed in HOSTILE_SQL:
                await _paste(pilot, box, typed)
                await pilot.press("enter")
                await settle(pilot)
                assert app.screen.is_attached
            box.value = ""
        assert_intact(app.equipment.store, before)
        assert isinstance(app.equipment.store.conn, sqlite3.Connection)


def _lin():  # type: ignore[no-untyped-def]
    from data.demo import DEMO_CITIZENS

    return next(c for c in DEMO_CITIZENS if c.national_id == "F223456786")


@pytest.mark.parametrize("typed", HOSTILE_SQL[:-1])
def test_contact_values_reaching_the_store_are_bound_not_executed(make_kiosk, typed: str) -> None:
    """Past the form, straight to the repository: the value is stored as the characters given and
    nothing else in the database changes."""
    from kiosk.core.models import Contact

    app = make_kiosk()
    store = app.equipment.store
    before = snapshot(store)
    with store.transaction():
        accounts_repo.update_contact(store, _lin().national_id, Contact(email=typed, mobile=typed), now=FROZEN_AT)
    stored = accounts_repo.get_account(store, _lin().national_id)
    assert stored is not None and stored.contact.email == typed and stored.contact.mobile == typed
    assert_intact(store, before, audit_grew_by=0)


def test_contact_update_service_refuses_values_the_form_would_refuse(make_kiosk) -> None:
    from kiosk.core.models import Contact
    from kiosk.services.account import update_contact

    app = make_kiosk()
    _staff(app, Role.CLERK)
    with pytest.raises(ValidationError):
        update_contact(app.service_context(), _lin(), Contact(email="' OR 1=1 --", mobile="\"; DROP TABLE x"))
