"""Account services at the counter (issue 5, F3–F7): deregistration, password reset, lockout lifted,
pending web registration cancelled, contact data updated.

Each service re-reads the account inside its one transaction and lets the state machine in
``kiosk.core.models`` decide whether it applies, so a screen that was open while another counter
changed the account cannot act on a stale state. A refusal is recorded in the audit log in a
transaction of its own (raising inside the service's transaction would roll the entry back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from data import accounts, authorizations, codes, devices, vcards
from kiosk.core.errors import InvalidTransition, KioskError
from kiosk.core.ids import validate_national_id
from kiosk.core.models import (
    LIVE_CARD_STATES,
    Account,
    AccountState,
    Authorization,
    AuthorizationState,
    Citizen,
    Contact,
    DeregistrationReason,
    DeviceBinding,
    IdDocument,
    VirtualCard,
    account_transition,
    virtual_card_transition,
)
from kiosk.core.password import validate_password
from kiosk.core.permissions import Action
from kiosk.core.secrets_hash import hash_secret
from kiosk.services.account_contact import check_changed_values, contact_changes
from kiosk.services.account_refusals import refusal
from kiosk.services.context import ServiceContext
from printing.receipt import (
    contact_updated_receipt,
    deregistration_receipt,
    lockout_lifted_receipt,
    password_reset_receipt,
    pending_cancelled_receipt,
)

T = TypeVar("T")

# The service ids of the catalog are also the account events of the state machine.
SERVICES = ("deregister", "reset_password", "unlock", "cancel_pending", "update_contact")


@dataclass(frozen=True, slots=True)
class Subject:
    """The person a service is for: from the card, or from a typed ID when the card is lost."""

    citizen: Citizen
    account: Account
    by_card: bool


@dataclass(frozen=True, slots=True)
class Done:
    """A completed service: the account as it is now and the receipt job queued with it."""

    account: Account
    receipt_job: int


@dataclass(frozen=True, slots=True)
class DeregistrationPreview:
    """What a deregistration takes away, listed on the review before the clerk confirms."""

    enabled_devices: tuple[DeviceBinding, ...]
    open_codes: int
    virtual_card: VirtualCard | None  # only a pending or approved card, the one that is revoked
    granted: tuple[Authorization, ...]  # active authorizations the person gave
    received: tuple[Authorization, ...]  # active authorizations the person holds from others


@dataclass(frozen=True, slots=True)
class Deregistered:
    account: Account
    preview: DeregistrationPreview
    receipt_job: int

    @property
    def authorizations_cancelled(self) -> int:
        return len(self.preview.granted) + len(self.preview.received)


class _Refused(Exception):
    def __init__(self, error: KioskError, state: AccountState | None) -> None:
        super().__init__(error.message)
        self.error = error
        self.state = state


def _state(account: Account | None) -> AccountState:
    return account.state if account is not None else AccountState.UNREGISTERED


def _check(service: str, account: Account | None) -> Account:
    """The account when ``service`` applies to it, else ``_Refused`` carrying the clear message."""
    error = refusal(service, _state(account))
    if error is not None:
        raise _Refused(error, _state(account))
    assert account is not None  # no service applies to an unregistered person
    return account


def _record_refusal(ctx: ServiceContext, service: str, citizen: Citizen, state: AccountState | None) -> None:
    with ctx.store.transaction():
        ctx.audit(service, subject_id=citizen.national_id, subject_name=citizen.name, outcome="refused",
                  detail={"state": state.value if state else "unregistered"})


def _service(ctx: ServiceContext, service: str, citizen: Citizen, body: Callable[[Account], T]) -> T:
    """Run ``body(account)`` in one transaction after checking the state; record a refusal."""
    ctx.require(Action.COUNTER_SERVICE)
    try:
        with ctx.store.transaction():
            account = _check(service, accounts.get_account(ctx.store, citizen.national_id))
            return body(account)
    except _Refused as refused:
        _record_refusal(ctx, service, citizen, refused.state)
        raise refused.error from None


# --- finding the person ----------------------------------------------------------------------


def load_subject(ctx: ServiceContext, service: str, *, citizen: Citizen | None = None,
                 typed_id: str | None = None) -> Subject:
    """The subject of ``service`` from the card's citizen or a typed ID; refusals are recorded.

    A typed ID failing its checksum raises ``ValidationError`` before any lookup: a typing slip
    is not an attempt on someone's account.
    """
    ctx.require(Action.COUNTER_SERVICE)
    if service not in SERVICES:
        raise ValueError(f"unknown account service {service!r}")
    if citizen is None:
        if typed_id is None:
            raise ValueError("a citizen or a typed ID is needed")
        national_id = validate_national_id(typed_id)
        account = accounts.get_account(ctx.store, national_id)
        citizen = Citizen(national_id, account.name if account else "")
    else:
        account = accounts.get_account(ctx.store, citizen.national_id)
    try:
        checked = _check(service, account)
    except _Refused as refused:
        _record_refusal(ctx, service, citizen, refused.state)
        raise refused.error from None
    if typed_id is not None:
        # Looking someone up by a typed ID (no card at the counter) shows their devices, card and
        # authorizations: recorded even if nothing is done, so a curious lookup leaves a trace.
        with ctx.store.transaction():
            ctx.audit("lookup", subject_id=citizen.national_id, subject_name=citizen.name,
                      detail={"service": service, "by": "typed_id"})
    return Subject(citizen, checked, by_card=typed_id is None)


# --- F3 deregistration -----------------------------------------------------------------------


def deregistration_preview(ctx: ServiceContext, national_id: str) -> DeregistrationPreview:
    """What would be disabled now; counts use what is usable today (lapsed codes are not lost)."""
    now = ctx.clock.now()
    today = now.date()
    card = vcards.current_card(ctx.store, national_id)
    live = card if card is not None and card.state in LIVE_CARD_STATES else None
    return DeregistrationPreview(
        enabled_devices=tuple(d for d in devices.list_devices(ctx.store, national_id) if d.enabled),
        open_codes=1 if codes.current_code(ctx.store, national_id, now) is not None else 0,
        virtual_card=live,
        granted=tuple(a for a in authorizations.list_granted(ctx.store, national_id, today=today)
                      if a.state is AuthorizationState.ACTIVE),
        received=tuple(a for a in authorizations.list_received(ctx.store, national_id, today=today)
                       if a.state is AuthorizationState.ACTIVE),
    )


def deregister(ctx: ServiceContext, citizen: Citizen, document: IdDocument,
               reason: DeregistrationReason, *, by_card: bool = True) -> Deregistered:
    """Stop the online service: account, devices, codes, virtual card and authorizations at once."""

    def body(account: Account) -> Deregistered:
        nid = account.national_id
        now = ctx.clock.now()
        preview = deregistration_preview(ctx, nid)
        new_state = account_transition(account.state, "deregister")
        updated = accounts.set_state(ctx.store, nid, new_state, now=now, reason=reason)
        devices.disable_all_devices(ctx.store, nid)
        codes.void_codes(ctx.store, nid)
        if preview.virtual_card is not None:
            card = preview.virtual_card
            vcards.set_card_state(ctx.store, card.id, virtual_card_transition(card.state, "revoke"), now=now)
        # Every active row goes, including any past its end date, so nothing can be revived.
        authorizations.cancel_all_granted(ctx.store, nid, now=now)
        authorizations.cancel_all_received(ctx.store, nid, now=now)
        result_counts = {
            "devices_disabled": len(preview.enabled_devices),
            "codes_voided": preview.open_codes,
            "card_revoked": preview.virtual_card is not None,
            "authorizations_cancelled": len(preview.granted) + len(preview.received),
        }
        ctx.audit("deregister", subject_id=nid, subject_name=citizen.name or account.name,
                  detail={"reason": reason.value, "document": document.value,
                          "by": "card" if by_card else "typed_id", "was": account.state.value,
                          **result_counts})
        job = ctx.queue_receipt(deregistration_receipt(
            ctx.receipt_header(), _named(citizen, account), reason,
            devices_disabled=len(preview.enabled_devices), codes_voided=preview.open_codes,
            card_revoked=preview.virtual_card is not None,
            authorizations_cancelled=len(preview.granted) + len(preview.received)))
        return Deregistered(updated, preview, job)

    return _service(ctx, "deregister", citizen, body)


def _named(citizen: Citizen, account: Account) -> Citizen:
    # A typed-ID subject has no card name; the account's registered name goes on the receipt.
    if citizen.name:
        return citizen
    return Citizen(citizen.national_id, account.name, citizen.birth_date, citizen.sex, citizen.card_number)


# --- F4 password reset -----------------------------------------------------------------------


def reset_password(ctx: ServiceContext, citizen: Citizen, password: str, confirm: str) -> Done:
    """The citizen's new password (typed twice); it also lifts a lockout, as the model says."""
    validate_password(password, confirm)
    # scrypt is slow on purpose: hash before the transaction so the database is not held.
    password_digest = hash_secret(password)

    def body(account: Account) -> Done:
        now = ctx.clock.now()
        accounts.set_password_hash(ctx.store, account.national_id, password_digest, now=now)
        updated = accounts.set_state(ctx.store, account.national_id,
                                     account_transition(account.state, "reset_password"), now=now)
        ctx.audit("reset_password", subject_id=account.national_id, subject_name=citizen.name,
                  detail={"was": account.state.value, "failed_count_cleared": account.failed_passwords})
        job = ctx.queue_receipt(password_reset_receipt(ctx.receipt_header(), _named(citizen, account)))
        return Done(updated, job)

    return _service(ctx, "reset_password", citizen, body)


# --- F5 lockout lifted -----------------------------------------------------------------------


def lift_lockout(ctx: ServiceContext, citizen: Citizen) -> Done:
    def body(account: Account) -> Done:
        now = ctx.clock.now()
        accounts.set_failed_passwords(ctx.store, account.national_id, 0, now=now)
        updated = accounts.set_state(ctx.store, account.national_id,
                                     account_transition(account.state, "unlock"), now=now)
        ctx.audit("unlock", subject_id=account.national_id, subject_name=citizen.name,
                  detail={"failed_count_cleared": account.failed_passwords,
                          "threshold": ctx.config.rules.password_lockout_threshold})
        job = ctx.queue_receipt(lockout_lifted_receipt(ctx.receipt_header(), _named(citizen, account)))
        return Done(updated, job)

    return _service(ctx, "unlock", citizen, body)


# --- F6 pending web registration cancelled ---------------------------------------------------


def cancel_pending(ctx: ServiceContext, citizen: Citizen) -> Done:
    def body(account: Account) -> Done:
        now = ctx.clock.now()
        updated = accounts.set_state(ctx.store, account.national_id,
                                     account_transition(account.state, "cancel_pending"), now=now)
        ctx.audit("cancel_pending", subject_id=account.national_id, subject_name=citizen.name,
                  detail={"registered_via": account.registered_via or ""})
        job = ctx.queue_receipt(pending_cancelled_receipt(ctx.receipt_header(), _named(citizen, account)))
        return Done(updated, job)

    return _service(ctx, "cancel_pending", citizen, body)


# --- F7 contact data updated -----------------------------------------------------------------


def no_change_error() -> KioskError:
    return KioskError("資料無變更", "請修改要異動的欄位後再檢視",
                      message_en="Nothing was changed.", action_en="Change a field, then review again.")


def update_contact(ctx: ServiceContext, citizen: Citizen, contact: Contact) -> Done:
    """Store the new contact data. The screen validated it (``parse_contact_form``); the service checks
    again, since a service must not trust its caller with what goes into the database."""

    def body(account: Account) -> Done:
        changes = contact_changes(account.contact, contact)
        if not changes:
            raise no_change_error()
        check_changed_values(account.contact, contact)
        now = ctx.clock.now()
        account_transition(account.state, "update_contact")
        updated = accounts.update_contact(ctx.store, account.national_id, contact, now=now)
        ctx.audit("update_contact", subject_id=account.national_id, subject_name=citizen.name,
                  detail={"fields": [c.field for c in changes]})
        job = ctx.queue_receipt(contact_updated_receipt(ctx.receipt_header(), _named(citizen, account),
                                                        account.contact, contact))
        return Done(updated, job)

    return _service(ctx, "update_contact", citizen, body)


__all__ = [
    "SERVICES",
    "Deregistered",
    "DeregistrationPreview",
    "Done",
    "InvalidTransition",
    "Subject",
    "cancel_pending",
    "deregister",
    "deregistration_preview",
    "lift_lockout",
    "load_subject",
    "no_change_error",
    "reset_password",
    "update_contact",
]
