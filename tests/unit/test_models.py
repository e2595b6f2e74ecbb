import re
from datetime import datetime, timedelta

import pytest

from kiosk.core.clock import TAIPEI
from kiosk.core.errors import InvalidTransition, KioskError
from kiosk.core.models import (
    ACCOUNT_EVENTS,
    ACCOUNT_STATE_LABELS_ZH,
    VIRTUAL_CARD_LABELS_ZH,
    AccountState,
    AuthorizationState,
    CodeState,
    VerificationCode,
    VirtualCard,
    VirtualCardState,
    account_transition,
    authorization_transition,
    can_apply_for_virtual_card,
    code_transition,
    virtual_card_transition,
)

A = AccountState
V = VirtualCardState
Au = AuthorizationState
C = CodeState

# The whole allowed table, written out from DOMAIN.md; every pair not listed must be refused.
ACCOUNT_ALLOWED = {
    # Counter registration is active at once (rule 四); a deregistered person may register again.
    ("register_at_counter", A.UNREGISTERED): A.ACTIVE,
    ("register_at_counter", A.DEREGISTERED): A.ACTIVE,
    ("register_on_web", A.UNREGISTERED): A.PENDING,
    ("register_on_web", A.DEREGISTERED): A.PENDING,
    ("confirm_email", A.PENDING): A.ACTIVE,
    ("cancel_pending", A.PENDING): A.UNREGISTERED,  # 刪除註冊申請
    ("lock", A.ACTIVE): A.LOCKED,  # rule 十
    ("unlock", A.LOCKED): A.ACTIVE,
    ("deregister", A.ACTIVE): A.DEREGISTERED,
    ("deregister", A.LOCKED): A.DEREGISTERED,  # misuse: stop at once even when locked (rule 十一)
    ("deregister", A.PENDING): A.DEREGISTERED,
    ("reset_password", A.ACTIVE): A.ACTIVE,
    ("reset_password", A.LOCKED): A.ACTIVE,  # a forgotten password is what locked it
    ("update_contact", A.ACTIVE): A.ACTIVE,
    ("update_contact", A.LOCKED): A.LOCKED,  # contact data changes do not lift a lockout
}

CARD_ALLOWED = {
    ("approve", V.PENDING): V.APPROVED,
    ("reject", V.PENDING): V.REJECTED,
    ("revoke", V.APPROVED): V.REVOKED,  # also the first step of a photo change
    ("revoke", V.PENDING): V.REVOKED,
}

AUTHORIZATION_ALLOWED = {
    ("cancel", Au.ACTIVE): Au.CANCELLED,
    ("expire", Au.ACTIVE): Au.EXPIRED,
}

CODE_ALLOWED = {
    ("redeem", C.OPEN): C.REDEEMED,
    ("void", C.OPEN): C.VOIDED,  # a new code voids the previous one
    ("expire", C.OPEN): C.EXPIRED,
}

ASCII_LETTERS = re.compile(r"[A-Za-z]")


def test_account_events_are_exactly_the_tabled_ones():
    assert set(ACCOUNT_EVENTS) == {event for event, _ in ACCOUNT_ALLOWED}


@pytest.mark.parametrize("event", sorted({e for e, _ in ACCOUNT_ALLOWED}))
@pytest.mark.parametrize("state", list(AccountState))
def test_account_transitions(event, state):
    expected = ACCOUNT_ALLOWED.get((event, state))
    if expected is not None:
        assert account_transition(state, event) is expected
        return
    with pytest.raises(InvalidTransition) as exc:
        account_transition(state, event)
    assert ACCOUNT_STATE_LABELS_ZH[state] in exc.value.message
    assert state.value in exc.value.message_en


def test_already_registered_cannot_register_again():
    for state in (A.ACTIVE, A.LOCKED, A.PENDING):
        with pytest.raises(InvalidTransition):
            account_transition(state, "register_at_counter")


def test_unknown_account_event_is_a_programming_error():
    with pytest.raises(ValueError):
        account_transition(A.ACTIVE, "delete")


@pytest.mark.parametrize("event", sorted({e for e, _ in CARD_ALLOWED}))
@pytest.mark.parametrize("state", list(VirtualCardState))
def test_virtual_card_transitions(event, state):
    expected = CARD_ALLOWED.get((event, state))
    if expected is not None:
        assert virtual_card_transition(state, event) is expected
        return
    with pytest.raises(InvalidTransition) as exc:
        virtual_card_transition(state, event)
    assert VIRTUAL_CARD_LABELS_ZH[state] in exc.value.message


def test_virtual_card_labels_use_the_seed_words():
    assert [VIRTUAL_CARD_LABELS_ZH[s] for s in V] == ["審核中", "審核通過", "退件", "註銷"]


def test_unknown_virtual_card_event():
    with pytest.raises(ValueError):
        virtual_card_transition(V.APPROVED, "change_photo")


def _card(state: VirtualCardState) -> VirtualCard:
    return VirtualCard(1, "A123456789", state, datetime(2022, 5, 3, tzinfo=TAIPEI))


@pytest.mark.parametrize(("states", "allowed"), [
    ([], True),
    ([V.REJECTED], True),
    ([V.REVOKED], True),  # photo change: revoke, then a new counter application
    ([V.REVOKED, V.REJECTED], True),
    ([V.PENDING], False),
    ([V.APPROVED], False),
    ([V.REVOKED, V.APPROVED], False),
])
def test_can_apply_for_virtual_card(states, allowed):
    assert can_apply_for_virtual_card([_card(s) for s in states]) is allowed


@pytest.mark.parametrize("event", ["cancel", "expire"])
@pytest.mark.parametrize("state", list(AuthorizationState))
def test_authorization_transitions(event, state):
    expected = AUTHORIZATION_ALLOWED.get((event, state))
    if expected is not None:
        assert authorization_transition(state, event) is expected
        return
    with pytest.raises(InvalidTransition) as exc:
        authorization_transition(state, event)
    assert state.value in exc.value.message_en


def test_unknown_authorization_event():
    with pytest.raises(ValueError):
        authorization_transition(Au.ACTIVE, "extend")


@pytest.mark.parametrize("event", ["redeem", "void", "expire"])
@pytest.mark.parametrize("state", list(CodeState))
def test_code_transitions(event, state):
    expected = CODE_ALLOWED.get((event, state))
    if expected is not None:
        assert code_transition(state, event) is expected
        return
    with pytest.raises(InvalidTransition) as exc:
        code_transition(state, event)
    assert state.value in exc.value.message_en


def test_unknown_code_event():
    with pytest.raises(ValueError):
        code_transition(C.OPEN, "reuse")


def _refusals() -> list[KioskError]:
    """One refusal from every state machine in every state that refuses something."""
    found: list[KioskError] = []
    attempts = (
        [(account_transition, s, e) for s in A for e in ACCOUNT_EVENTS]
        + [(virtual_card_transition, s, e) for s in V for e in ("approve", "reject", "revoke")]
        + [(authorization_transition, s, e) for s in Au for e in ("cancel", "expire")]
        + [(code_transition, s, e) for s in C for e in ("redeem", "void", "expire")]
    )
    for func, state, event in attempts:
        try:
            func(state, event)  # type: ignore[operator]
        except InvalidTransition as exc:
            found.append(exc)
    return found


def test_refusal_messages_are_chinese_with_english_beside():
    refusals = _refusals()
    assert len(refusals) > 40
    for exc in refusals:
        # A raw enum value such as "redeemed" in the Chinese text means a label is missing.
        assert not ASCII_LETTERS.search(exc.message), exc.message
        assert exc.message_en != exc.message


# --- verification code validity ----------------------------------------------------------------

MADE = datetime(2022, 5, 3, 10, 0, 1, tzinfo=TAIPEI)


def _code(state: CodeState = C.OPEN, minutes: int = 10) -> VerificationCode:
    return VerificationCode(1, "A123456789", "R17b63g9", MADE, MADE + timedelta(minutes=minutes), state)


def test_code_valid_until_just_before_expiry():
    code = _code()
    assert code.is_valid_at(MADE)
    assert code.is_valid_at(MADE + timedelta(minutes=10) - timedelta(microseconds=1))
    assert not code.is_valid_at(MADE + timedelta(minutes=10))
    assert not code.is_valid_at(MADE + timedelta(minutes=10, seconds=1))


def test_expiry_compares_instants_not_wall_clocks():
    from datetime import UTC

    code = _code()
    just_before_in_utc = (MADE + timedelta(minutes=9, seconds=59)).astimezone(UTC)
    assert code.is_valid_at(just_before_in_utc)
    assert not code.is_valid_at((MADE + timedelta(minutes=10)).astimezone(UTC))


@pytest.mark.parametrize("state", [C.REDEEMED, C.VOIDED, C.EXPIRED])
def test_used_voided_or_expired_codes_are_never_valid(state):
    assert not _code(state).is_valid_at(MADE)
