"""Domain models and their state machines.

Plain frozen dataclasses; the store maps rows to them and back. A state change is a function that
returns the new state or raises ``InvalidTransition``, so every rule about which change is allowed
lives here and nowhere in a screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from kiosk.core.errors import InvalidTransition


class Role(StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"


class AccountState(StrEnum):
    UNREGISTERED = "unregistered"
    PENDING = "pending"  # registered on the web, email confirmation outstanding
    ACTIVE = "active"
    LOCKED = "locked"  # too many wrong passwords (rule 十)
    DEREGISTERED = "deregistered"


class PriorState(StrEnum):
    """What a citizen registering at the counter had before, as messages and receipts must name it."""

    NONE = "none"  # no account row: never registered, never applied
    DEREGISTERED = "deregistered"  # registered once, then deregistered: registers again
    APPLICATION_CANCELLED = "application_cancelled"  # a web application deleted before it was confirmed


def prior_state(account: Account | None) -> PriorState:
    """The prior state of a citizen who may register. A row left 未註冊 exists only because a
    pending web application was cancelled (``cancel_pending``); that is never a deregistration."""
    if account is None:
        return PriorState.NONE
    if account.state is AccountState.DEREGISTERED:
        return PriorState.DEREGISTERED
    if account.state is AccountState.UNREGISTERED:
        return PriorState.APPLICATION_CANCELLED
    raise ValueError(f"an account that is {account.state.value} cannot register")


class IdDocument(StrEnum):
    NATIONAL_ID_CARD = "national_id_card"  # 國民身分證
    RESIDENT_CERTIFICATE = "resident_certificate"  # 居留證
    PASSPORT = "passport"  # 護照
    HOUSEHOLD_CERTIFICATE = "household_certificate"  # 戶口名簿


class DeregistrationReason(StrEnum):
    OWN_REQUEST = "own_request"  # 本人申請
    MISUSE = "misuse"  # 健保卡或密碼遭他人冒用 (rule 十一)
    FALSE_DATA = "false_data"  # 資料不完整或不實 (rule 八)


class VirtualCardState(StrEnum):
    PENDING = "pending"  # 審核中
    APPROVED = "approved"  # 審核通過
    REJECTED = "rejected"  # 退件
    REVOKED = "revoked"  # 註銷


class AuthorizationState(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class CodeState(StrEnum):
    OPEN = "open"
    REDEEMED = "redeemed"
    VOIDED = "voided"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Staff:
    staff_no: str
    name: str
    role: Role
    enabled: bool = True
    failed_logins: int = 0
    locked: bool = False


@dataclass(frozen=True, slots=True)
class Citizen:
    """What the card (or the typed ID plus the document) tells us about a person."""

    national_id: str
    name: str
    birth_date: date | None = None
    sex: str | None = None
    card_number: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    mobile: str | None = None  # 09xxxxxxxx, digits only
    landline: str | None = None  # E.164-ish as formatted by kiosk.core.contact
    email: str | None = None
    backup_email: str | None = None
    household_no: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    national_id: str
    name: str
    state: AccountState
    contact: Contact
    failed_passwords: int = 0
    registered_at: datetime | None = None
    registered_via: str | None = None  # counter, web, app, batch
    batch_unit: str | None = None  # employer that batch-registered (seed 003)


@dataclass(frozen=True, slots=True)
class DeviceBinding:
    id: int
    national_id: str
    device_id: str
    name: str
    bound_at: datetime
    last_used_at: datetime | None
    enabled: bool
    unbound_at: datetime | None = None  # set when unbound: the row stays, as seed 004 lists every device

    @property
    def unbound(self) -> bool:
        return self.unbound_at is not None


@dataclass(frozen=True, slots=True)
class VerificationCode:
    id: int
    national_id: str
    code: str
    created_at: datetime
    expires_at: datetime
    state: CodeState

    def is_valid_at(self, now: datetime) -> bool:
        return self.state is CodeState.OPEN and now < self.expires_at


@dataclass(frozen=True, slots=True)
class VirtualCard:
    id: int
    national_id: str
    state: VirtualCardState
    applied_at: datetime
    decided_at: datetime | None = None
    reject_reason: str | None = None
    channel: str = "app"  # app, counter (專案申請)


@dataclass(frozen=True, slots=True)
class Authorization:
    id: int
    code: str  # 6 digits
    grantor_id: str
    grantee_id: str
    starts_on: date
    ends_on: date
    state: AuthorizationState


# --- state machines -------------------------------------------------------------------------

_ACCOUNT_TRANSITIONS: dict[str, dict[AccountState, AccountState]] = {
    "register_at_counter": {AccountState.UNREGISTERED: AccountState.ACTIVE,
                            AccountState.DEREGISTERED: AccountState.ACTIVE},
    "register_on_web": {AccountState.UNREGISTERED: AccountState.PENDING,
                        AccountState.DEREGISTERED: AccountState.PENDING},
    "confirm_email": {AccountState.PENDING: AccountState.ACTIVE},
    "cancel_pending": {AccountState.PENDING: AccountState.UNREGISTERED},
    "lock": {AccountState.ACTIVE: AccountState.LOCKED},
    "unlock": {AccountState.LOCKED: AccountState.ACTIVE},
    "deregister": {AccountState.ACTIVE: AccountState.DEREGISTERED,
                   AccountState.LOCKED: AccountState.DEREGISTERED,
                   AccountState.PENDING: AccountState.DEREGISTERED},
    "reset_password": {AccountState.ACTIVE: AccountState.ACTIVE,
                       AccountState.LOCKED: AccountState.ACTIVE},
    "update_contact": {AccountState.ACTIVE: AccountState.ACTIVE,
                       AccountState.LOCKED: AccountState.LOCKED},
}

ACCOUNT_EVENTS = tuple(_ACCOUNT_TRANSITIONS)


def account_transition(state: AccountState, event: str) -> AccountState:
    """The account state after ``event``, or ``InvalidTransition`` naming why not."""
    table = _ACCOUNT_TRANSITIONS.get(event)
    if table is None:
        raise ValueError(f"unknown account event {event!r}")
    if state not in table:
        raise InvalidTransition(
            f"帳號狀態為「{ACCOUNT_STATE_LABELS_ZH[state]}」，無法執行此作業",
            message_en=f"The account is {state.value}; this service does not apply.",
        )
    return table[state]


ACCOUNT_STATE_LABELS_ZH: dict[AccountState, str] = {
    AccountState.UNREGISTERED: "未註冊",
    AccountState.PENDING: "待電子郵件確認",
    AccountState.ACTIVE: "已註冊",
    AccountState.LOCKED: "已鎖定",
    AccountState.DEREGISTERED: "已停用",
}

_CARD_TRANSITIONS: dict[str, dict[VirtualCardState, VirtualCardState]] = {
    "approve": {VirtualCardState.PENDING: VirtualCardState.APPROVED},
    "reject": {VirtualCardState.PENDING: VirtualCardState.REJECTED},
    "revoke": {VirtualCardState.APPROVED: VirtualCardState.REVOKED,
               VirtualCardState.PENDING: VirtualCardState.REVOKED},
}

VIRTUAL_CARD_LABELS_ZH: dict[VirtualCardState, str] = {
    VirtualCardState.PENDING: "審核中",
    VirtualCardState.APPROVED: "審核通過",
    VirtualCardState.REJECTED: "退件",
    VirtualCardState.REVOKED: "註銷",
}


def virtual_card_transition(state: VirtualCardState, event: str) -> VirtualCardState:
    table = _CARD_TRANSITIONS.get(event)
    if table is None:
        raise ValueError(f"unknown virtual card event {event!r}")
    if state not in table:
        raise InvalidTransition(
            f"虛擬健保卡狀態為「{VIRTUAL_CARD_LABELS_ZH[state]}」，無法執行此作業",
            message_en=f"The virtual card is {state.value}; this action does not apply.",
        )
    return table[state]


# A card in these states is the holder's one live card: it blocks a new application, and revoking or
# deregistering ends it.
LIVE_CARD_STATES = frozenset({VirtualCardState.PENDING, VirtualCardState.APPROVED})


def can_apply_for_virtual_card(existing: list[VirtualCard]) -> bool:
    """A new application is allowed when no card is pending or approved."""
    return not any(c.state in LIVE_CARD_STATES for c in existing)


AUTHORIZATION_LABELS_ZH: dict[AuthorizationState, str] = {
    AuthorizationState.ACTIVE: "授權中",
    AuthorizationState.CANCELLED: "已取消",
    AuthorizationState.EXPIRED: "已到期",
}

CODE_STATE_LABELS_ZH: dict[CodeState, str] = {
    CodeState.OPEN: "有效",
    CodeState.REDEEMED: "已使用",
    CodeState.VOIDED: "已作廢",
    CodeState.EXPIRED: "已逾期",
}


def authorization_transition(state: AuthorizationState, event: str) -> AuthorizationState:
    table = {"cancel": AuthorizationState.CANCELLED, "expire": AuthorizationState.EXPIRED}
    if event not in table:
        raise ValueError(f"unknown authorization event {event!r}")
    if state is not AuthorizationState.ACTIVE:
        raise InvalidTransition(f"授權狀態為「{AUTHORIZATION_LABELS_ZH[state]}」，無法執行此作業",
                                message_en=f"The authorization is {state.value}.")
    return table[event]


def code_transition(state: CodeState, event: str) -> CodeState:
    table = {"redeem": CodeState.REDEEMED, "void": CodeState.VOIDED, "expire": CodeState.EXPIRED}
    if event not in table:
        raise ValueError(f"unknown code event {event!r}")
    if state is not CodeState.OPEN:
        raise InvalidTransition(f"裝置認證碼{CODE_STATE_LABELS_ZH[state]}，不可再使用",
                                message_en=f"The device code is {state.value} and cannot be used.")
    return table[event]
