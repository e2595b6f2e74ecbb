"""In-person registration (臨櫃註冊): the account is active at once, with no e-mail step.

Rule 四 of the management rules (seed 000) exempts applications made at an NHIA-designated place
from the e-mail confirmation, so a counter registration goes straight to ``ACTIVE``.

Who may register here: nobody with an account row, unless that row was deregistered (a deregistered
citizen registers again on the same row). A *pending* web application is refused too, with the
advice to cancel it first (刪除註冊申請): the pending row carries a password and e-mail typed
somewhere else, possibly by someone using the citizen's card, and cancelling it explicitly leaves
its own audit entry and receipt instead of being silently overwritten. The state machine in
``kiosk.core.models`` says the same (``register_at_counter`` only leaves UNREGISTERED/DEREGISTERED).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from data import accounts as accounts_repo
from data.store import Store
from kiosk.core.contact import ContactForm, check_contact_field
from kiosk.core.errors import InvalidTransition, KioskError, ValidationError
from kiosk.core.models import (
    Account,
    AccountState,
    Citizen,
    Contact,
    IdDocument,
    PriorState,
    account_transition,
    prior_state,
)
from kiosk.core.password import validate_password
from kiosk.core.permissions import Action
from kiosk.core.rocdate import format_roc_date
from kiosk.core.secrets_hash import hash_secret
from kiosk.services.context import ServiceContext
from printing.receipt import registration_receipt

AUDIT_ACTION = "register"
CONTACT_FIELDS = ("mobile", "email", "landline", "backup_email", "household_no")


class AlreadyRegistered(KioskError):
    """The citizen has an account this service must not overwrite. ``state`` and ``batch_unit``
    let a screen say more; the message already names what to do instead."""

    def __init__(self, account: Account) -> None:
        self.state = account.state
        self.batch_unit = account.batch_unit
        since = format_roc_date(account.registered_at.date()) if account.registered_at else ""
        since_zh = f"（{since} 註冊）" if since else ""
        if account.state is AccountState.PENDING:
            super().__init__(
                "此民眾已於網路申請註冊，尚待電子郵件確認；臨櫃註冊不會覆蓋網路申請",
                "請先以「刪除註冊申請」(F6) 刪除該申請，再辦理臨櫃註冊",
                message_en="This citizen has a web registration waiting for e-mail confirmation; "
                           "a counter registration does not overwrite it.",
                action_en="Cancel it first with 'Cancel pending registration' (F6), then register here.",
            )
        elif account.registered_via == "batch" and account.batch_unit:
            super().__init__(
                f"此民眾已由投保單位「{account.batch_unit}」批次註冊{since_zh}，勿需重覆辦理註冊",
                "如忘記密碼請改辦「忘記註冊密碼」(F4)",
                message_en=f"Already registered in a batch by the employer {account.batch_unit}; "
                           "no need to register again.",
                action_en="If the password is forgotten, use 'Forgot password' (F4).",
            )
        elif account.state is AccountState.LOCKED:
            super().__init__(
                f"此民眾已完成註冊{since_zh}，但帳號因密碼錯誤次數過多已鎖定，不可重複註冊",
                "請改辦「解除鎖定」(F5) 或「忘記註冊密碼」(F4)",
                message_en="Already registered, but the account is locked after too many wrong passwords.",
                action_en="Use 'Unlock' (F5) or 'Forgot password' (F4) instead.",
            )
        else:
            super().__init__(
                f"此民眾已完成健保卡網路服務註冊{since_zh}，不可重複註冊",
                "如忘記密碼請改辦「忘記註冊密碼」(F4)，資料變更請辦「基本資料異動」(F7)",
                message_en="This citizen is already registered for NHI card online services.",
                action_en="For a forgotten password use 'Forgot password' (F4); for new contact data, "
                          "'Update contact data' (F7).",
            )


class ContactErrors(ValidationError):
    """Every contact field that is wrong, by field name, so a screen can show each beside its field."""

    def __init__(self, errors: dict[str, ValidationError]) -> None:
        first = next(iter(errors.values()))
        super().__init__(first.field, first.message, first.action,
                         message_en=first.message_en, action_en=first.action_en)
        self.errors = errors


@dataclass(frozen=True)
class CheckedContact:
    contact: Contact
    # field -> (zh, en) advice to pass on; never a reason to refuse.
    warnings: dict[str, tuple[str, str]] = field(default_factory=dict)


def check_contact(form: ContactForm) -> CheckedContact:
    """All fields checked; ``ContactErrors`` lists every wrong one (not just the first)."""
    values: dict[str, str | None] = {}
    warnings: dict[str, tuple[str, str]] = {}
    errors: dict[str, ValidationError] = {}
    for name in CONTACT_FIELDS:
        try:
            values[name], warning = check_contact_field(name, getattr(form, name), primary_email=form.email)
        except ValidationError as exc:
            errors[name] = exc
            continue
        if warning:
            warnings[name] = warning
    if errors:
        raise ContactErrors(errors)
    return CheckedContact(Contact(**values), warnings)


@dataclass(frozen=True)
class Application:
    """What the wizard collected. The password lives only here, on its way to ``hash_secret``."""

    citizen: Citizen
    document: IdDocument
    password: str = field(repr=False)
    password_confirm: str = field(repr=False)
    contact: ContactForm


@dataclass(frozen=True)
class Registration:
    account: Account
    txn_no: str
    job_id: int
    prior: PriorState  # what the citizen had before: nothing, a deregistered account, a cancelled application
    warnings: dict[str, tuple[str, str]]

    @property
    def registered_again(self) -> bool:
        """Registered once before and deregistered; a cancelled web application is not that."""
        return self.prior is PriorState.DEREGISTERED


def registrable(store: Store, national_id: str) -> Account | None:
    """The citizen's earlier row (deregistered, or left 未註冊 by a cancelled web application) or
    None; ``AlreadyRegistered`` otherwise."""
    account = accounts_repo.get_account(store, national_id)
    state = account.state if account else AccountState.UNREGISTERED
    try:
        account_transition(state, "register_at_counter")
    except InvalidTransition:
        assert account is not None  # an absent row is UNREGISTERED, which may register
        raise AlreadyRegistered(account) from None
    return account


def _refuse(ctx: ServiceContext, citizen: Citizen, refusal: AlreadyRegistered) -> None:
    ctx.audit(AUDIT_ACTION, subject_id=citizen.national_id, subject_name=citizen.name, outcome="refused",
              detail={"reason": "already_registered", "state": refusal.state.value,
                      "batch": bool(refusal.batch_unit)})


def check_can_register(ctx: ServiceContext, citizen: Citizen) -> PriorState:
    """Run when the card is read: refuse at once (and record the refusal) if already registered.

    Returns what the citizen had before, so the screen names it truly: a deregistered account
    registers again; a cancelled web application was never a registration.
    """
    ctx.require(Action.COUNTER_SERVICE)
    refusal: AlreadyRegistered | None = None
    with ctx.store.transaction():
        try:
            return prior_state(registrable(ctx.store, citizen.national_id))
        except AlreadyRegistered as exc:
            refusal = exc
            _refuse(ctx, citizen, exc)
    # Raised after the commit, so the refusal's audit entry is kept.
    raise refusal


def register_at_counter(ctx: ServiceContext, application: Application) -> Registration:
    """Register the citizen: account ACTIVE at once, one audit entry, one receipt job, one transaction.

    Checks everything again (the screen may be stale, another counter may have registered the same
    person a moment ago); the password is hashed before the write lock is taken, since scrypt is
    slow on purpose and another counter would wait for it.
    """
    ctx.require(Action.COUNTER_SERVICE)
    citizen = application.citizen
    password = validate_password(application.password, application.password_confirm)
    checked = check_contact(application.contact)
    password_hash = hash_secret(password)
    refusal: AlreadyRegistered | None = None
    with ctx.store.transaction():
        try:
            prior = prior_state(registrable(ctx.store, citizen.national_id))
        except AlreadyRegistered as exc:
            refusal = exc
            _refuse(ctx, citizen, exc)
        else:
            now = ctx.clock.now()
            account = accounts_repo.create_account(
                ctx.store, citizen.national_id, citizen.name, state=AccountState.ACTIVE, now=now,
                password_hash=password_hash, contact=checked.contact, registered_at=now,
                registered_via="counter",
            )
            header = ctx.receipt_header()
            job_id = ctx.queue_receipt(registration_receipt(header, citizen, checked.contact,
                                                            application.document, prior=prior))
            ctx.audit(AUDIT_ACTION, subject_id=citizen.national_id, subject_name=citizen.name,
                      detail={"document": application.document.value, "txn_no": header.txn_no,
                              "registered_again": prior is PriorState.DEREGISTERED,
                              "prior_state": prior.value,
                              "mobile_given": checked.contact.mobile is not None,
                              "warnings": sorted(checked.warnings)})
            return Registration(account, header.txn_no, job_id, prior, checked.warnings)
    assert refusal is not None
    raise refusal
