"""Repositories against a real database file: what they return and what they refuse."""

from __future__ import annotations

import inspect
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from data import accounts, authorizations, codes, devices, print_jobs, staff, vcards
from data.print_jobs import PrintJobState
from data.store import Store, open_store
from data.txn import next_txn_no
from kiosk.core.clock import TAIPEI
from kiosk.core.errors import KioskError, StoreError, ValidationError
from kiosk.core.models import (
    AccountState,
    AuthorizationState,
    CodeState,
    Contact,
    DeregistrationReason,
    Role,
    VirtualCardState,
)

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=TAIPEI)
F_ID, K_ID, S_ID = "F223456786", "K128765433", "S224567895"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "kiosk.db")
    yield s
    s.close()


@pytest.fixture
def people(store: Store) -> Store:
    for nid, name in ((F_ID, "林美華"), (K_ID, "張志堃"), (S_ID, "黃怡君")):
        accounts.create_account(store, nid, name, state=AccountState.ACTIVE, now=NOW, password_hash="pw-hash")
    return store


# --- staff ------------------------------------------------------------------------------------


def test_staff_add_get_and_duplicate(store: Store) -> None:
    added = staff.add_staff(store, "S001", "陳專員", Role.CLERK, "pin-hash", now=NOW)
    assert added.role is Role.CLERK and added.enabled and not added.locked
    assert staff.get_pin_hash(store, "S001") == "pin-hash"
    assert staff.get_staff(store, "S999") is None and staff.get_pin_hash(store, "S999") is None
    with pytest.raises(ValidationError) as err:
        staff.add_staff(store, "S001", "別人", Role.SUPERVISOR, "x", now=NOW)
    assert err.value.field == "staff_no" and "已存在" in err.value.message
    assert staff.get_staff(store, "S001").name == "陳專員"


def test_staff_lockout_at_threshold_and_unlock(store: Store) -> None:
    staff.add_staff(store, "S001", "陳專員", Role.CLERK, "h", now=NOW)
    assert staff.record_login_failure(store, "S001", 3).failed_logins == 1
    second = staff.record_login_failure(store, "S001", 3)
    assert second.failed_logins == 2 and not second.locked
    third = staff.record_login_failure(store, "S001", 3)
    assert third.locked
    assert staff.reset_login_failures(store, "S001").failed_logins == 0
    assert staff.get_staff(store, "S001").locked  # resetting the count alone does not unlock
    unlocked = staff.unlock_staff(store, "S001")
    assert not unlocked.locked and unlocked.failed_logins == 0


def test_staff_role_enable_pin_list_and_count(store: Store) -> None:
    staff.add_staff(store, "S900", "林主任", Role.SUPERVISOR, "h1", now=NOW)
    staff.add_staff(store, "S001", "陳專員", Role.CLERK, "h2", now=NOW)
    assert [s.staff_no for s in staff.list_staff(store)] == ["S001", "S900"]
    assert staff.set_role(store, "S001", Role.SUPERVISOR).role is Role.SUPERVISOR
    assert not staff.set_enabled(store, "S900", False).enabled
    staff.set_pin_hash(store, "S001", "new")
    assert staff.get_pin_hash(store, "S001") == "new"
    assert staff.count_staff(store) == 2
    assert staff.count_staff(store, role=Role.SUPERVISOR, enabled_only=True) == 1
    with pytest.raises(KioskError):
        staff.set_enabled(store, "S404", True)


# --- accounts ---------------------------------------------------------------------------------


def test_account_create_get_and_refuse_second_registration(store: Store) -> None:
    assert accounts.get_account(store, F_ID) is None
    contact = Contact(mobile="0912345678", email="m@example.com", household_no="FB123456")
    created = accounts.create_account(
        store,
        F_ID,
        "林美華",
        state=AccountState.ACTIVE,
        now=NOW,
        password_hash="h",
        contact=contact,
        registered_at=NOW,
        registered_via="counter",
    )
    assert created.contact == contact and created.registered_at == NOW and created.registered_via == "counter"
    assert accounts.get_password_hash(store, F_ID) == "h"
    with pytest.raises(ValidationError) as err:
        accounts.create_account(store, F_ID, "林美華", state=AccountState.ACTIVE, now=NOW)
    assert err.value.field == "national_id"


def test_account_registers_again_after_deregistration(store: Store) -> None:
    accounts.create_account(store, S_ID, "黃怡君", state=AccountState.ACTIVE, now=NOW, password_hash="old")
    accounts.set_failed_passwords(store, S_ID, 3)
    accounts.set_state(store, S_ID, AccountState.DEREGISTERED, reason=DeregistrationReason.MISUSE)
    assert accounts.deregistration_reason(store, S_ID) is DeregistrationReason.MISUSE
    again = accounts.create_account(
        store, S_ID, "黃怡君", state=AccountState.ACTIVE, now=NOW, password_hash="new"
    )
    assert again.state is AccountState.ACTIVE and again.failed_passwords == 0
    assert accounts.get_password_hash(store, S_ID) == "new"
    assert accounts.deregistration_reason(store, S_ID) is None


def test_account_state_password_and_contact_updates(people: Store) -> None:
    accounts.set_failed_passwords(people, F_ID, 5, now=NOW)
    locked = accounts.set_state(
        people, F_ID, AccountState.LOCKED, now=NOW, reason=DeregistrationReason.MISUSE
    )
    assert locked.state is AccountState.LOCKED and locked.failed_passwords == 5
    assert accounts.deregistration_reason(people, F_ID) is None  # a reason only goes with deregistration
    reset = accounts.set_password_hash(people, F_ID, "new-hash", now=NOW)
    assert reset.failed_passwords == 0 and accounts.get_password_hash(people, F_ID) == "new-hash"
    contact = Contact(
        mobile="0987654321",
        landline="+886-2-1234-5678",
        email="n@example.com",
        backup_email="b@example.com",
        household_no="AB123456",
    )
    assert accounts.update_contact(people, F_ID, contact, now=NOW).contact == contact
    assert accounts.count_accounts(people) == 3
    assert accounts.count_accounts(people, AccountState.LOCKED) == 1
    with pytest.raises(KioskError):
        accounts.update_contact(people, "A123456789", contact)


# --- devices ----------------------------------------------------------------------------------


def test_only_one_device_is_enabled_at_a_time(people: Store) -> None:
    first = devices.bind_device(people, F_ID, "dev-1", "Old phone", now=NOW - timedelta(days=3))
    second = devices.bind_device(people, F_ID, "dev-2", "New phone", now=NOW - timedelta(days=1))
    k_device = devices.bind_device(people, K_ID, "dev-1", "Shared tablet", now=NOW)  # many IDs, one device
    listed = devices.list_devices(people, F_ID)
    assert [d.id for d in listed] == [second.id, first.id]  # newest first
    assert [d.enabled for d in listed] == [True, False]
    enabled = devices.enable_device(people, first.id)
    assert enabled.enabled
    assert [d.enabled for d in devices.list_devices(people, F_ID)] == [False, True]
    assert devices.list_devices(people, K_ID)[0].enabled  # other IDs untouched
    assert devices.disable_device(people, first.id).enabled is False
    assert k_device.device_id == "dev-1"


def test_the_schema_refuses_two_enabled_devices(tmp_path: Path, people: Store) -> None:
    devices.bind_device(people, F_ID, "dev-1", "A", now=NOW)
    second = devices.bind_device(people, F_ID, "dev-2", "B", now=NOW, enabled=False)
    conn = sqlite3.connect(people.path)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE devices SET enabled = 1 WHERE id = ?", (second.id,))
    conn.close()


def test_unbind_hides_the_device_and_disable_all_counts(people: Store) -> None:
    one = devices.bind_device(people, F_ID, "dev-1", "A", now=NOW, enabled=False)
    two = devices.bind_device(people, F_ID, "dev-2", "B", now=NOW)
    with pytest.raises(ValidationError):
        devices.bind_device(people, F_ID, "dev-2", "B again", now=NOW)
    devices.unbind_device(people, one.id, now=NOW)
    assert [d.id for d in devices.list_devices(people, F_ID)] == [two.id]
    with pytest.raises(KioskError):
        devices.enable_device(people, one.id)
    assert devices.disable_all_devices(people, F_ID) == 1
    assert devices.disable_all_devices(people, F_ID) == 0
    assert not devices.list_devices(people, F_ID)[0].enabled
    rebound = devices.bind_device(people, F_ID, "dev-1", "A", now=NOW)  # allowed after unbinding
    assert rebound.id != one.id


def test_devices_need_an_account(store: Store) -> None:
    with pytest.raises(StoreError) as err:
        devices.bind_device(store, "A123456789", "dev-1", "A", now=NOW)
    assert isinstance(err.value.__cause__, sqlite3.IntegrityError)


# --- verification codes -------------------------------------------------------------------------


def _issue(store: Store, code: str, at: datetime = NOW, minutes: int = 10) -> None:
    codes.issue_code(store, F_ID, code, at, at + timedelta(minutes=minutes))


def test_new_code_voids_the_previous_one(people: Store) -> None:
    _issue(people, "R17b63g9")
    _issue(people, "E19k324F", NOW + timedelta(minutes=1))
    current = codes.current_code(people, F_ID, NOW + timedelta(minutes=2))
    assert current is not None and current.code == "E19k324F"
    with pytest.raises(KioskError) as err:
        codes.redeem_code(people, F_ID, "R17b63g9", NOW + timedelta(minutes=2))
    assert "作廢" in err.value.message


def test_redeem_once_then_refused(people: Store) -> None:
    _issue(people, "De7242jZ")
    redeemed = codes.redeem_code(people, F_ID, "De7242jZ", NOW + timedelta(minutes=5))
    assert redeemed.state is CodeState.REDEEMED
    assert codes.current_code(people, F_ID, NOW + timedelta(minutes=5)) is None
    with pytest.raises(KioskError) as err:
        codes.redeem_code(people, F_ID, "De7242jZ", NOW + timedelta(minutes=6))
    assert "已使用" in err.value.message


def test_unknown_and_wrong_case_codes_are_refused(people: Store) -> None:
    _issue(people, "De7242jZ")
    for wrong in ("XXXXXXXX", "de7242jz"):
        with pytest.raises(KioskError) as err:
            codes.redeem_code(people, F_ID, wrong, NOW)
        assert "查無" in err.value.message
    with pytest.raises(KioskError):
        codes.redeem_code(people, K_ID, "De7242jZ", NOW)  # someone else's code


def test_expired_codes_are_never_current_and_cannot_be_redeemed(people: Store) -> None:
    _issue(people, "R17b63g9", minutes=10)
    expiry = NOW + timedelta(minutes=10)
    assert codes.current_code(people, F_ID, expiry - timedelta(seconds=1)) is not None
    assert codes.current_code(people, F_ID, expiry) is None
    latest = codes.latest_code(people, F_ID, expiry)
    assert latest is not None and latest.state is CodeState.EXPIRED
    with pytest.raises(KioskError) as err:
        codes.redeem_code(people, F_ID, "R17b63g9", expiry)
    assert "逾期" in err.value.message


def test_void_codes_counts_open_codes(people: Store) -> None:
    assert codes.void_codes(people, F_ID) == 0
    _issue(people, "R17b63g9")
    assert codes.void_codes(people, F_ID) == 1
    assert codes.current_code(people, F_ID, NOW) is None
    assert codes.latest_code(people, F_ID, NOW).state is CodeState.VOIDED


# --- virtual cards ----------------------------------------------------------------------------


def test_virtual_card_application_photo_and_decisions(people: Store) -> None:
    assert vcards.current_card(people, F_ID) is None
    card = vcards.create_application(people, F_ID, applied_at=NOW, photo=b"\x89PNG fake")
    assert card.state is VirtualCardState.PENDING and card.channel == "counter"
    assert vcards.get_photo(people, card.id) == b"\x89PNG fake"
    with pytest.raises(ValidationError):
        vcards.create_application(people, F_ID, applied_at=NOW)
    rejected = vcards.set_card_state(
        people, card.id, VirtualCardState.REJECTED, now=NOW, reject_reason="臉部過小"
    )
    assert rejected.reject_reason == "臉部過小" and rejected.decided_at == NOW
    assert vcards.current_card(people, F_ID).state is VirtualCardState.REJECTED
    second = vcards.create_application(people, F_ID, applied_at=NOW + timedelta(days=1))
    vcards.set_card_state(people, second.id, VirtualCardState.APPROVED, now=NOW + timedelta(days=3))
    assert vcards.current_card(people, F_ID).id == second.id
    assert [c.id for c in vcards.list_cards(people, F_ID)] == [second.id, card.id]
    with pytest.raises(KioskError):
        vcards.set_card_state(people, 999, VirtualCardState.REVOKED)


# --- authorizations ---------------------------------------------------------------------------


def test_authorizations_granted_received_and_cancelled(people: Store) -> None:
    start = date(2026, 11, 1)
    to_k = authorizations.create_authorization(people, "482913", F_ID, K_ID, start, date(2027, 10, 31))
    to_s = authorizations.create_authorization(people, "735024", F_ID, S_ID, start, date(2026, 11, 20))
    k_to_f = authorizations.create_authorization(people, "111111", K_ID, F_ID, start, date(2027, 1, 1))
    assert {a.id for a in authorizations.list_granted(people, F_ID)} == {to_k.id, to_s.id}
    assert [a.id for a in authorizations.list_received(people, F_ID)] == [k_to_f.id]
    shown = {a.id: a.state for a in authorizations.list_granted(people, F_ID, today=NOW.date())}
    assert shown == {to_k.id: AuthorizationState.ACTIVE, to_s.id: AuthorizationState.EXPIRED}
    cancelled = authorizations.cancel_authorization(people, to_k.id, now=NOW)
    assert cancelled.state is AuthorizationState.CANCELLED
    with pytest.raises(KioskError):
        authorizations.cancel_authorization(people, to_k.id, now=NOW)
    assert authorizations.cancel_all_granted(people, F_ID, now=NOW) == 1  # only to_s was still active
    assert authorizations.cancel_all_received(people, F_ID, now=NOW) == 1
    assert authorizations.cancel_all_granted(people, K_ID, now=NOW) == 0


def test_authorization_code_must_be_six_digits(people: Store) -> None:
    with pytest.raises(ValueError):
        authorizations.create_authorization(people, "12345", F_ID, K_ID, date(2026, 1, 1), date(2026, 2, 1))
    with pytest.raises(StoreError):  # the schema agrees: end before start
        authorizations.create_authorization(people, "123456", F_ID, K_ID, date(2026, 2, 1), date(2026, 1, 1))


# --- print jobs -------------------------------------------------------------------------------


def test_print_job_lifecycle(store: Store) -> None:
    first = print_jobs.enqueue_job(
        store, "registration", "S001", "20261122-0001", b"\x1b@receipt", b"png", now=NOW
    )
    second = print_jobs.enqueue_job(
        store, "device_code", "S001", "20261122-0002", b"\x1b@two", now=NOW + timedelta(seconds=1)
    )
    assert [j.id for j in print_jobs.queued_jobs(store)] == [first, second]
    failed = print_jobs.mark_failed(store, first, "印表機缺紙")
    assert failed.state is PrintJobState.QUEUED and failed.attempts == 1 and failed.last_error == "印表機缺紙"
    sent = print_jobs.mark_sent(store, first, NOW + timedelta(minutes=1))
    assert (
        sent.state is PrintJobState.SENT and sent.attempts == 2 and sent.sent_at == NOW + timedelta(minutes=1)
    )
    assert sent.payload == b"\x1b@receipt" and sent.preview_png == b"png"
    assert print_jobs.count_queued(store) == 1
    assert print_jobs.last_sent_job(store).id == first
    assert print_jobs.cancel_job(store, second).state is PrintJobState.CANCELLED
    assert print_jobs.count_queued(store) == 0
    with pytest.raises(KioskError):
        print_jobs.mark_sent(store, second, NOW)
    assert print_jobs.get_job(store, 999) is None


def test_a_print_job_can_be_given_up(store: Store) -> None:
    job = print_jobs.enqueue_job(store, "registration", None, None, b"x", now=NOW)
    assert print_jobs.mark_failed(store, job, "timeout", final=True).state is PrintJobState.FAILED
    assert print_jobs.queued_jobs(store) == []
    assert print_jobs.last_sent_job(store) is None


# --- transaction numbers ----------------------------------------------------------------------


def test_transaction_numbers_count_per_day_across_connections(tmp_path: Path, store: Store) -> None:
    day = date(2026, 11, 22)
    assert next_txn_no(store, day) == "20261122-0001"
    other = open_store(store.path)
    assert next_txn_no(other, day) == "20261122-0002"
    other.close()
    assert next_txn_no(store, day) == "20261122-0003"
    assert next_txn_no(store, date(2026, 11, 23)) == "20261123-0001"


def test_a_rolled_back_service_does_not_use_up_a_number(store: Store) -> None:
    day = date(2026, 11, 22)
    with pytest.raises(RuntimeError), store.transaction():
        assert next_txn_no(store, day) == "20261122-0001"
        raise RuntimeError
    assert next_txn_no(store, day) == "20261122-0001"


def test_a_failed_attempt_takes_no_time_it_would_not_store(store: Store) -> None:
    # mark_failed once took ``now`` and dropped it; the attempt time is not kept, so it asks for none.
    job = print_jobs.enqueue_job(store, "registration", None, None, b"x", now=NOW)
    assert "now" not in inspect.signature(print_jobs.mark_failed).parameters
    assert print_jobs.mark_failed(store, job, "timeout").attempts == 1
