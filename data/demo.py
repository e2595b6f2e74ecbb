"""Demo data for ``kiosk --demo``, training and tests: one person per situation a counter meets.

Every ID passes the checksum. Nobody here is real. Seeding is idempotent: a person or staff member
already in the store is left as it is, so re-running ``--demo`` never duplicates devices or cards.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from data import accounts, authorizations, devices, staff, vcards
from data.store import Store
from kiosk.core.models import AccountState, Citizen, Contact, DeregistrationReason, Role, VirtualCardState

DEMO_CITIZENS: list[Citizen] = [
    Citizen("A123456789", "陳大文", date(1980, 5, 17), "M", "000011112222"),  # never registered
    Citizen("F223456786", "林美華", date(1975, 3, 8), "F", "000022223333"),  # active, devices, card
    Citizen("B120000008", "王小明", date(1992, 11, 30), "M", "000033334444"),  # locked out
    Citizen("H220001110", "李淑芬", date(1968, 7, 21), "F", "000044445555"),  # web registration pending
    Citizen("K128765433", "張志堃", date(1988, 1, 5), "M", "000055556666"),  # 堃 is outside Big5
    Citizen("S224567895", "黃怡君", date(1995, 9, 12), "F", "000066667777"),  # deregistered
    Citizen("E123454323", "吳建宏", date(1983, 4, 2), "M", "000077778888"),  # batch-registered
]

# Cards with the faults a counter meets (README: "Name shows � / ID checksum warning"), for the demo and
# tests: the clerk corrects them from the identity document (Ctrl+K). Their holders are not seeded.
DEMO_BAD_NAME_CARD = Citizen("N223456782", "周美萍", date(1990, 6, 15), "F", "000088889999")
DEMO_BAD_ID_CARD = Citizen("C120000008", "陳志明", date(1979, 2, 14), "M", "000099990000")  # C120000009
# The name as the chip holds it when it is not plain Big5: an in-house character (造字) reads as ��.
DEMO_CARD_NAME_BYTES: dict[str, bytes] = {
    DEMO_BAD_NAME_CARD.card_number or "": "周".encode("cp950") + b"\x81\x81" + "萍".encode("cp950"),
}
DEMO_PROBLEM_CARDS: list[Citizen] = [DEMO_BAD_NAME_CARD, DEMO_BAD_ID_CARD]


def demo_card(citizen: Citizen):  # type: ignore[no-untyped-def]  # -> VirtualNhiCard
    """The simulated card a demo citizen carries, with the raw name bytes of a problem card."""
    from kiosk.reader.simulated import VirtualNhiCard

    return VirtualNhiCard.from_citizen(citizen, name=DEMO_CARD_NAME_BYTES.get(citizen.card_number or ""))


# (staff_no, name, role, PIN) — PINs printed in the README for training; hashed before storing.
DEMO_STAFF: list[tuple[str, str, Role, str]] = [
    ("S001", "陳專員", Role.CLERK, "1234"),
    ("S900", "林主任", Role.SUPERVISOR, "9999"),
]

DEMO_PASSWORD = "Demo@2026"  # every demo citizen's online-service password
DEMO_BATCH_UNIT = "宏達精密工業股份有限公司"

_BY_ID = {c.national_id: c for c in DEMO_CITIZENS}


def seed_demo(
    store: Store,
    *,
    now: datetime,
    hash_pin: Callable[[str], str],
    hash_password: Callable[[str], str] | None = None,
) -> int:
    """Add whatever demo staff and people are missing; returns how many were added."""
    hash_password = hash_password or hash_pin
    added = 0
    with store.transaction():
        for staff_no, name, role, pin in DEMO_STAFF:
            if staff.get_staff(store, staff_no) is None:
                staff.add_staff(store, staff_no, name, role, hash_pin(pin), now=now)
                added += 1
        password_hash = ""  # hashed only if someone is missing: a slow hash on every demo start adds up
        for national_id, seed in _SEEDS.items():
            if accounts.get_account(store, national_id) is None:
                password_hash = password_hash or hash_password(DEMO_PASSWORD)
                seed(store, _BY_ID[national_id], now, password_hash)
                added += 1
    return added


def _contact(mobile: str | None, email: str, household_no: str | None = None) -> Contact:
    return Contact(mobile=mobile, email=email, household_no=household_no)


def _active_with_devices_and_card(store: Store, who: Citizen, now: datetime, password_hash: str) -> None:
    nid = who.national_id
    accounts.create_account(
        store,
        nid,
        who.name,
        state=AccountState.ACTIVE,
        now=now,
        password_hash=password_hash,
        contact=Contact(
            mobile="0912345678",
            landline="+886-2-27065866#1234",
            email="meihua.lin@hotmail.com",
            backup_email="meihua.lin@example.com.tw",
            household_no="FB123456",
        ),
        registered_at=now - timedelta(days=400),
        registered_via="counter",
    )
    devices.bind_device(
        store,
        nid,
        "a3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "Samsung Galaxy A54",
        now=now - timedelta(days=390),
        enabled=False,
        last_used_at=now - timedelta(days=120),
    )
    devices.bind_device(
        store,
        nid,
        "7b2e9f10-3c4d-4e5f-9a6b-7c8d9e0f1a2b",
        "Apple iPhone 15",
        now=now - timedelta(days=100),
        enabled=True,
        last_used_at=now - timedelta(hours=5),
    )
    vcards.create_application(
        store, nid, applied_at=now - timedelta(days=95), channel="app", state=VirtualCardState.APPROVED
    )
    start = (now - timedelta(days=60)).date()
    authorizations.create_authorization(
        store, "482913", nid, "K128765433", start, start + timedelta(days=365)
    )
    to_s = authorizations.create_authorization(
        store, "735024", nid, "S224567895", start, start + timedelta(days=180)
    )
    # 黃怡君 was deregistered, so her card is gone and she can no longer act on this.
    authorizations.cancel_authorization(store, to_s.id, now=now - timedelta(days=10))


def _locked_out(store: Store, who: Citizen, now: datetime, password_hash: str) -> None:
    accounts.create_account(
        store,
        who.national_id,
        who.name,
        state=AccountState.LOCKED,
        now=now,
        password_hash=password_hash,
        contact=_contact("0933222111", "xiaoming.wang@example.com"),
        registered_at=now - timedelta(days=800),
        registered_via="app",
    )
    accounts.set_failed_passwords(store, who.national_id, 5, now=now - timedelta(hours=2))


def _pending_web(store: Store, who: Citizen, now: datetime, password_hash: str) -> None:
    accounts.create_account(
        store,
        who.national_id,
        who.name,
        state=AccountState.PENDING,
        now=now,
        password_hash=password_hash,
        contact=_contact(None, "shufen.li@example.com"),
        registered_at=now - timedelta(days=2),
        registered_via="web",
    )


def _active_with_card(store: Store, who: Citizen, now: datetime, password_hash: str) -> None:
    accounts.create_account(
        store,
        who.national_id,
        who.name,
        state=AccountState.ACTIVE,
        now=now,
        password_hash=password_hash,
        contact=_contact("0922333444", "chihkun.chang@example.com"),
        registered_at=now - timedelta(days=300),
        registered_via="counter",
    )
    devices.bind_device(
        store,
        who.national_id,
        "c0ffee00-1234-4abc-8def-0123456789ab",
        "Google Pixel 8",
        now=now - timedelta(days=290),
        enabled=True,
        last_used_at=now - timedelta(days=3),
    )
    vcards.create_application(
        store,
        who.national_id,
        applied_at=now - timedelta(days=280),
        channel="app",
        state=VirtualCardState.APPROVED,
    )


def _deregistered(store: Store, who: Citizen, now: datetime, password_hash: str) -> None:
    accounts.create_account(
        store,
        who.national_id,
        who.name,
        state=AccountState.ACTIVE,
        now=now,
        password_hash=password_hash,
        contact=_contact("0955666777", "yijun.huang@example.com"),
        registered_at=now - timedelta(days=500),
        registered_via="app",
    )
    card = vcards.create_application(
        store,
        who.national_id,
        applied_at=now - timedelta(days=200),
        channel="app",
        state=VirtualCardState.APPROVED,
    )
    vcards.set_card_state(store, card.id, VirtualCardState.REVOKED, now=now - timedelta(days=10))
    accounts.set_state(
        store,
        who.national_id,
        AccountState.DEREGISTERED,
        now=now - timedelta(days=10),
        reason=DeregistrationReason.OWN_REQUEST,
    )


def _batch_registered(store: Store, who: Citizen, now: datetime, password_hash: str) -> None:
    accounts.create_account(
        store,
        who.national_id,
        who.name,
        state=AccountState.ACTIVE,
        now=now,
        password_hash=password_hash,
        contact=_contact("0988777666", "chienhung.wu@example.com"),
        registered_at=now - timedelta(days=150),
        registered_via="batch",
        batch_unit=DEMO_BATCH_UNIT,
    )


# Order matters: authorizations point at K128765433 and S224567895, so they are created first.
_SEEDS: dict[str, Callable[[Store, Citizen, datetime, str], None]] = {
    "B120000008": _locked_out,
    "H220001110": _pending_web,
    "K128765433": _active_with_card,
    "S224567895": _deregistered,
    "E123454323": _batch_registered,
    "F223456786": _active_with_devices_and_card,
}
