"""Demo data: valid IDs, one person per situation, idempotent seeding."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from data import accounts, authorizations, devices, staff, vcards
from data.demo import DEMO_BATCH_UNIT, DEMO_CITIZENS, DEMO_PASSWORD, seed_demo
from data.store import Store, open_store
from kiosk.core.clock import TAIPEI
from kiosk.core.models import AccountState, AuthorizationState, DeregistrationReason, Role, VirtualCardState

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=TAIPEI)
_LETTERS = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))


def _checksum_ok(national_id: str) -> bool:
    """Independent of kiosk.core.ids on purpose: the demo must not lean on the code it demonstrates."""
    code = _LETTERS[national_id[0]]
    digits = [code // 10, code % 10, *(int(c) for c in national_id[1:])]
    weights = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def _hash(text: str) -> str:
    return "test-hash:" + text[::-1]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "demo.db")
    seed_demo(s, now=NOW, hash_pin=_hash)
    yield s
    s.close()


def test_demo_citizens_are_well_formed() -> None:
    assert _checksum_ok("A123456789") and not _checksum_ok("A223456789") and not _checksum_ok("G123456789")
    ids = [c.national_id for c in DEMO_CITIZENS]
    assert len(set(ids)) == len(ids) == 7
    for citizen in DEMO_CITIZENS:
        assert _checksum_ok(citizen.national_id), citizen.national_id
        assert (
            citizen.card_number is not None
            and len(citizen.card_number) == 12
            and citizen.card_number.isdigit()
        )
        assert citizen.birth_date is not None
        assert citizen.sex == {"1": "M", "2": "F"}[citizen.national_id[1]]
    assert len({c.card_number for c in DEMO_CITIZENS}) == 7


def test_each_person_is_in_their_situation(store: Store) -> None:
    assert accounts.get_account(store, "A123456789") is None  # 陳大文 never registered
    states = {
        nid: accounts.get_account(store, nid).state
        for nid in ("F223456786", "B120000008", "H220001110", "K128765433", "S224567895", "E123454323")
    }
    assert states == {
        "F223456786": AccountState.ACTIVE,
        "B120000008": AccountState.LOCKED,
        "H220001110": AccountState.PENDING,
        "K128765433": AccountState.ACTIVE,
        "S224567895": AccountState.DEREGISTERED,
        "E123454323": AccountState.ACTIVE,
    }
    assert accounts.get_account(store, "B120000008").failed_passwords == 5
    batch = accounts.get_account(store, "E123454323")
    assert batch.batch_unit == DEMO_BATCH_UNIT and batch.registered_via == "batch"
    assert accounts.get_account(store, "K128765433").name == "張志堃"  # 堃 kept as text
    assert accounts.deregistration_reason(store, "S224567895") is DeregistrationReason.OWN_REQUEST
    assert accounts.get_password_hash(store, "F223456786") == _hash(DEMO_PASSWORD)


def test_lin_meihua_has_two_devices_a_card_and_two_authorizations(store: Store) -> None:
    listed = devices.list_devices(store, "F223456786")
    assert len(listed) == 2 and sum(d.enabled for d in listed) == 1
    assert vcards.current_card(store, "F223456786").state is VirtualCardState.APPROVED
    granted = {a.grantee_id: a for a in authorizations.list_granted(store, "F223456786", today=NOW.date())}
    assert set(granted) == {"K128765433", "S224567895"}
    assert granted["K128765433"].state is AuthorizationState.ACTIVE
    assert granted["S224567895"].state is AuthorizationState.CANCELLED  # her card was revoked
    assert all(len(a.code) == 6 for a in granted.values())
    assert vcards.current_card(store, "K128765433").state is VirtualCardState.APPROVED
    assert vcards.current_card(store, "S224567895").state is VirtualCardState.REVOKED


def test_demo_staff_pins_are_hashed_by_the_caller(store: Store) -> None:
    clerk, supervisor = staff.get_staff(store, "S001"), staff.get_staff(store, "S900")
    assert (clerk.name, clerk.role) == ("陳專員", Role.CLERK)
    assert (supervisor.name, supervisor.role) == ("林主任", Role.SUPERVISOR)
    assert staff.get_pin_hash(store, "S001") == _hash("1234")
    assert staff.get_pin_hash(store, "S900") == _hash("9999")


def test_seeding_again_adds_nothing_and_keeps_changes(store: Store) -> None:
    accounts.set_state(store, "B120000008", AccountState.ACTIVE, now=NOW)  # a trainee unlocked him
    before = store.one(
        "SELECT (SELECT count(*) FROM devices), (SELECT count(*) FROM virtual_cards), "
        "(SELECT count(*) FROM authorizations), (SELECT count(*) FROM accounts), "
        "(SELECT count(*) FROM staff)"
    )
    assert seed_demo(store, now=NOW, hash_pin=_hash) == 0
    after = store.one(
        "SELECT (SELECT count(*) FROM devices), (SELECT count(*) FROM virtual_cards), "
        "(SELECT count(*) FROM authorizations), (SELECT count(*) FROM accounts), "
        "(SELECT count(*) FROM staff)"
    )
    assert tuple(before) == tuple(after) == (3, 3, 2, 6, 2)
    assert accounts.get_account(store, "B120000008").state is AccountState.ACTIVE


def test_seeding_fills_in_only_what_is_missing(tmp_path: Path) -> None:
    s = open_store(tmp_path / "partial.db")
    staff.add_staff(s, "S001", "已存在", Role.CLERK, "own-hash", now=NOW)
    assert seed_demo(s, now=NOW, hash_pin=_hash) == 7  # S900 and six people
    assert staff.get_staff(s, "S001").name == "已存在"
    s.close()
