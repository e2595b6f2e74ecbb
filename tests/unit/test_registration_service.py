"""The registration service without a screen: checks, refusals, what is stored and audited."""

from __future__ import annotations

from datetime import datetime

import pytest

from data import accounts
from data.audit import query_audit
from data.demo import DEMO_CITIZENS, seed_demo
from data.print_jobs import queued_jobs
from data.store import open_memory_store
from kiosk.config import Config
from kiosk.core.clock import TAIPEI, FrozenClock
from kiosk.core.errors import PermissionDenied, ValidationError
from kiosk.core.models import AccountState, Citizen, IdDocument, PriorState, Role, Staff
from kiosk.core.secrets_hash import verify_secret
from kiosk.services.context import ServiceContext
from kiosk.services.receipt_queue import PrintQueue
from kiosk.services.registration import (
    AlreadyRegistered,
    Application,
    ContactErrors,
    ContactForm,
    check_can_register,
    check_contact,
    register_at_counter,
)
from printing.port import CapturePrinter

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=TAIPEI)
PASSWORD = "Ab1x@yz9"


@pytest.fixture
def ctx() -> ServiceContext:
    store = open_memory_store()
    clock = FrozenClock(NOW)
    seed_demo(store, now=NOW, hash_pin=lambda s: "x$" + s[::-1])
    return ServiceContext(store, clock, Config(), Staff("S001", "陳專員", Role.CLERK),
                          PrintQueue(store, CapturePrinter(), clock))


def _who(national_id: str) -> Citizen:
    return next(c for c in DEMO_CITIZENS if c.national_id == national_id)


def _application(national_id: str = "A123456789", *, password: str = PASSWORD, confirm: str = PASSWORD,
                 **contact: str) -> Application:
    contact.setdefault("email", "dawen@example.com")
    return Application(_who(national_id), IdDocument.RESIDENT_CERTIFICATE, password, confirm,
                       ContactForm(**contact))


def test_registers_active_at_once_with_one_audit_entry_and_receipt(ctx: ServiceContext) -> None:
    result = register_at_counter(ctx, _application(mobile="+886 912 345 678", landline="(02)27065866#9"))
    account = accounts.get_account(ctx.store, "A123456789")
    assert account is not None and account.state is AccountState.ACTIVE
    assert account.registered_at == NOW and account.registered_via == "counter"
    assert (account.contact.mobile, account.contact.landline) == ("0912345678", "(02)2706-5866#9")
    assert verify_secret(PASSWORD, accounts.get_password_hash(ctx.store, "A123456789") or "")
    [entry] = query_audit(ctx.store, action="register")
    assert entry.outcome == "ok" and entry.detail["txn_no"] == result.txn_no
    [job] = queued_jobs(ctx.store)
    assert (job.id, job.kind, job.txn_no) == (result.job_id, "registration", result.txn_no)
    assert not result.registered_again


def test_password_rules_are_checked_again_in_the_service(ctx: ServiceContext) -> None:
    for password, confirm in (("Ab1x@yz9", "Ab1x@yz8"), ("Ab1", "Ab1"), ("Ab 1x@yz9", "Ab 1x@yz9"),
                              ("Pw<12345", "Pw<12345"), ("Ab1x@yz9Ab1x@", "Ab1x@yz9Ab1x@")):
        with pytest.raises(ValidationError) as caught:
            register_at_counter(ctx, _application(password=password, confirm=confirm))
        assert caught.value.field == "password" and password not in caught.value.text()
    assert accounts.get_account(ctx.store, "A123456789") is None
    assert query_audit(ctx.store, action="register") == []


@pytest.mark.parametrize("password", ["Pw<12345", "Ab1x@yz9Ab1x@", "Pw12345\u3000"])
def test_password_reset_refuses_what_the_rules_refuse(ctx: ServiceContext, password: str) -> None:
    """Issue 12 item 1: the service refuses on its own; it never stores a changed password."""
    from kiosk.services.account import reset_password

    before = accounts.get_password_hash(ctx.store, "F223456786")
    with pytest.raises(ValidationError) as caught:
        reset_password(ctx, _who("F223456786"), password, password)
    assert "特殊符號不可為" in caught.value.text() or "6-12" in caught.value.text() \
        or "不可使用中文" in caught.value.text()
    assert accounts.get_password_hash(ctx.store, "F223456786") == before
    assert query_audit(ctx.store, action="reset_password") == []


@pytest.mark.parametrize("national_id", ["F223456786", "E123454323", "H220001110", "B120000008"])
def test_refusal_is_audited_once_and_changes_nothing(ctx: ServiceContext, national_id: str) -> None:
    before = accounts.get_account(ctx.store, national_id)
    with pytest.raises(AlreadyRegistered):
        register_at_counter(ctx, _application(national_id))
    with pytest.raises(AlreadyRegistered) as caught:
        check_can_register(ctx, _who(national_id))
    assert accounts.get_account(ctx.store, national_id) == before
    entries = query_audit(ctx.store, action="register")
    assert [e.outcome for e in entries] == ["refused", "refused"]
    assert queued_jobs(ctx.store) == []
    assert caught.value.state is before.state  # type: ignore[union-attr]


def test_batch_refusal_names_the_employer(ctx: ServiceContext) -> None:
    with pytest.raises(AlreadyRegistered) as caught:
        check_can_register(ctx, _who("E123454323"))
    assert "宏達精密工業股份有限公司" in caught.value.message
    assert "宏達精密工業股份有限公司" in caught.value.message_en


def test_deregistered_citizen_may_register_again(ctx: ServiceContext) -> None:
    assert check_can_register(ctx, _who("S224567895")) is PriorState.DEREGISTERED
    result = register_at_counter(ctx, _application("S224567895"))
    assert result.registered_again and result.account.state is AccountState.ACTIVE
    assert result.prior is PriorState.DEREGISTERED
    assert query_audit(ctx.store, action="register")[0].detail["registered_again"] is True


def test_a_cancelled_web_application_is_not_a_deregistration(ctx: ServiceContext) -> None:
    """Issue 12 item 4: she was never deregistered; the result, the audit and the receipt say what she was."""
    from kiosk.services.account import cancel_pending

    assert check_can_register(ctx, _who("A123456789")) is PriorState.NONE
    assert check_can_register(ctx, _who("S224567895")) is PriorState.DEREGISTERED
    cancel_pending(ctx, _who("H220001110"))
    assert check_can_register(ctx, _who("H220001110")) is PriorState.APPLICATION_CANCELLED
    result = register_at_counter(ctx, _application("H220001110"))
    assert result.prior is PriorState.APPLICATION_CANCELLED and not result.registered_again
    detail = query_audit(ctx.store, action="register")[0].detail
    assert detail["registered_again"] is False and detail["prior_state"] == "application_cancelled"


def test_check_contact_reports_every_bad_field(ctx: ServiceContext) -> None:
    with pytest.raises(ContactErrors) as caught:
        check_contact(ContactForm(mobile="12345", landline="123", email="", backup_email="x@",
                                  household_no="1"))
    assert set(caught.value.errors) == {"mobile", "landline", "email", "backup_email", "household_no"}


def test_check_contact_warnings_and_canonical_values() -> None:
    checked = check_contact(ContactForm(email="A@Hotmail.COM", backup_email="b@outlook.com.tw",
                                        household_no="fb123456"))
    assert set(checked.warnings) == {"mobile", "email", "backup_email"}
    assert checked.contact.email == "A@hotmail.com" and checked.contact.household_no == "FB123456"
    assert checked.contact.mobile is None


def test_backup_email_must_differ_from_primary() -> None:
    with pytest.raises(ContactErrors) as caught:
        check_contact(ContactForm(email="a@example.com", backup_email="A@Example.com"))
    assert set(caught.value.errors) == {"backup_email"}


def test_staff_who_may_not_serve_is_refused(ctx: ServiceContext) -> None:
    ctx.staff = Staff("S002", "x", Role.CLERK, locked=True)
    with pytest.raises(PermissionDenied):
        register_at_counter(ctx, _application())
    assert accounts.get_account(ctx.store, "A123456789") is None
