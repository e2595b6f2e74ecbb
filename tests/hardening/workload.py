"""Generated citizens for every counter service, the service call for each, and the checks that say
whether a service was done completely or not at all.

Shared by the crash test (tests/hardening/crash_worker.py kills a process running these), the
concurrent-counters test and ``bench/concurrency``.

Every operation has an index ``i``; it runs at the instant ``BASE + i seconds`` on a frozen clock.
Its audit entry's ``at`` and its print jobs' ``created_at`` are that instant, which is how an audit
entry is joined to the receipt(s) of the same service: the schema has no column linking the two
(``print_jobs`` has no subject, and only registration puts its ``txn_no`` in the audit detail).
"""

from __future__ import annotations

import io
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from data import accounts, authorizations, codes, devices, vcards
from data.audit import subject_key
from data.store import Store, ts
from kiosk.config import Config
from kiosk.core.clock import TAIPEI, FrozenClock
from kiosk.core.ids import check_digit
from kiosk.core.models import (
    AccountState,
    Citizen,
    Contact,
    DeregistrationReason,
    IdDocument,
    Staff,
    VirtualCardState,
)
from kiosk.core.photo import PreparedPhoto, prepare_photo
from kiosk.services.context import ServiceContext

BASE = datetime(2026, 11, 22, 8, 0, tzinfo=TAIPEI)
SETUP_AT = BASE - timedelta(days=30)
SEED_HASH = "scrypt$seeded-not-a-real-hash"
NEW_PASSWORD = "Ab1x@yz9"

KINDS = (
    "registration", "deregistration", "password_reset", "unlock", "cancel_pending", "contact_update",
    "device_enable", "code_issue", "card_revoke", "photo", "authorization_cancel", "receipt_send",
)

_ACTION = {
    "registration": "register", "deregistration": "deregister", "password_reset": "reset_password",
    "split_deregistration": "deregister", "unlock": "unlock", "cancel_pending": "cancel_pending",
    "contact_update": "update_contact",
    "device_enable": "device_enabled", "code_issue": "device_code_issued",
    "card_revoke": "virtual_card_revoked", "authorization_cancel": "authorization_cancelled",
}


@dataclass(frozen=True)
class Item:
    """One operation: ``kind`` on citizen ``nid`` (or print job ``arg`` for a receipt send)."""

    kind: str
    i: int
    nid: str
    arg: int | None = None

    def as_json(self) -> list[Any]:
        return [self.kind, self.i, self.nid, self.arg]

    @classmethod
    def from_json(cls, value: list[Any]) -> Item:
        return cls(str(value[0]), int(value[1]), str(value[2]), None if value[3] is None else int(value[3]))

    @property
    def at(self) -> datetime:
        return instant(self.i)

    @property
    def replaces_card(self) -> bool:
        return self.kind == "photo" and self.i % 2 == 0


def instant(i: int) -> datetime:
    return BASE + timedelta(seconds=i)


def make_id(letter: str, n: int) -> str:
    """A checksum-valid national ID, distinct for each ``(letter, n)``, n < 10 000 000."""
    prefix = f"{letter}{1 + n % 2}{n:07d}"
    return prefix + check_digit(prefix)


# Card holders every generated authorization points at: the grantor gives one to each deregistration
# subject, the grantee receives the ones the subjects grant.
GRANTOR_ID = make_id("Y", 1)
GRANTEE_ID = make_id("Y", 2)


def name_for(nid: str) -> str:
    return "測試" + nid[-4:]


def new_email(nid: str) -> str:
    return f"new.{nid.lower()}@example.com.tw"


def audit_action(item: Item) -> str | None:
    if item.kind == "photo":
        return "virtual_card_photo_replaced" if item.replaces_card else "virtual_card_applied"
    return _ACTION.get(item.kind)


def receipts_expected(item: Item) -> int:
    return 2 if item.replaces_card else 1


# --- population --------------------------------------------------------------------------------


def _active(store: Store, nid: str, state: AccountState = AccountState.ACTIVE) -> None:
    first = AccountState.PENDING if state is AccountState.PENDING else AccountState.ACTIVE
    accounts.create_account(store, nid, name_for(nid), state=first, now=SETUP_AT, password_hash=SEED_HASH,
                            contact=Contact(mobile="0912345678", email=f"{nid.lower()}@example.com"),
                            registered_at=SETUP_AT, registered_via="web")
    if state is AccountState.LOCKED:
        accounts.set_failed_passwords(store, nid, 5, now=SETUP_AT)
        accounts.set_state(store, nid, AccountState.LOCKED, now=SETUP_AT)


def _card(store: Store, nid: str) -> None:
    vcards.create_application(store, nid, applied_at=SETUP_AT, channel="app", state=VirtualCardState.APPROVED)


def _grant(store: Store, grantor: str, grantee: str, n: int) -> int:
    today = BASE.date()
    return authorizations.create_authorization(store, f"{n % 1_000_000:06d}", grantor, grantee,
                                               today - timedelta(days=1), today + timedelta(days=60)).id


def ensure_partners(store: Store) -> None:
    """The two card holders every generated authorization points at."""
    with store.transaction():
        for nid in (GRANTOR_ID, GRANTEE_ID):
            if accounts.get_account(store, nid) is None:
                _active(store, nid)
                _card(store, nid)


def populate(store: Store, kind: str, indexes: range, letter: str = "Z") -> list[Item]:
    """Citizens in the state ``kind`` applies to, one per index; returns their operations.

    ``receipt_send`` has no citizens: see ``send_items``.
    """
    ensure_partners(store)
    items: list[Item] = []
    with store.transaction():
        for i in indexes:
            nid = make_id(letter, i)
            at = instant(i)
            arg: int | None = None
            if kind == "registration":
                pass
            elif kind in ("password_reset", "unlock"):
                _active(store, nid, AccountState.LOCKED)
            elif kind == "cancel_pending":
                _active(store, nid, AccountState.PENDING)
            else:
                _active(store, nid)
            if kind == "deregistration":
                devices.bind_device(store, nid, f"phone-{i}", "iPhone 15", now=SETUP_AT, enabled=True)
                devices.bind_device(store, nid, f"tablet-{i}", "iPad", now=SETUP_AT, enabled=False)
                codes.issue_code(store, nid, "R17b63g9", at - timedelta(minutes=1), at + timedelta(minutes=9))
                _card(store, nid)
                _grant(store, nid, GRANTEE_ID, i)
                _grant(store, GRANTOR_ID, nid, i + 1)
            elif kind == "device_enable":
                devices.bind_device(store, nid, f"phone-{i}", "iPhone 15", now=SETUP_AT, enabled=True)
                arg = devices.bind_device(store, nid, f"tablet-{i}", "iPad", now=SETUP_AT, enabled=False).id
            elif kind == "code_issue":
                codes.issue_code(store, nid, "R17b63g9", at - timedelta(minutes=1), at + timedelta(minutes=9))
            elif kind in ("card_revoke", "authorization_cancel") or (kind == "photo" and i % 2 == 0):
                _card(store, nid)
                arg = _grant(store, nid, GRANTEE_ID, i)
            items.append(Item(kind, i, nid, arg))
    return items


def send_items(store: Store, first_index: int, limit: int) -> list[Item]:
    """The queued print jobs, oldest first, as receipt-send operations."""
    rows = store.all("SELECT id FROM print_jobs WHERE state = 'queued' ORDER BY id LIMIT ?", (limit,))
    return [Item("receipt_send", first_index + n, "", int(r["id"])) for n, r in enumerate(rows)]


# --- running -----------------------------------------------------------------------------------


def sample_photo() -> PreparedPhoto:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (600, 800), "peru").save(out, "JPEG")
    return prepare_photo(out.getvalue())


def make_context(store: Store, staff: Staff, printer: Any, *, counter: str = "1") -> ServiceContext:
    from kiosk.factory import make_queue

    config = Config()
    config = replace(config, centre=replace(config.centre, counter=counter))
    clock = FrozenClock(BASE)
    return ServiceContext(store, clock, config, staff, make_queue(config, store, printer, clock))


def run_op(ctx: ServiceContext, item: Item, photo: PreparedPhoto) -> object:
    """Perform ``item`` as the counter app would; the clock is set to the item's instant first."""
    from kiosk.services import account, registration, virtual_card
    from kiosk.services import devices as device_services

    assert isinstance(ctx.clock, FrozenClock)
    ctx.clock.set(item.at)
    citizen = Citizen(item.nid, name_for(item.nid), date(1980, 1, 1))
    kind = item.kind
    if kind == "registration":
        return registration.register_at_counter(ctx, registration.Application(
            citizen, IdDocument.NATIONAL_ID_CARD, NEW_PASSWORD, NEW_PASSWORD,
            registration.ContactForm(mobile="0912345678", email=new_email(item.nid))))
    if kind == "split_deregistration":
        # Deliberately broken (two commits with a pause between), so a test can show the crash
        # checks catch a service that is not one transaction.
        devices.disable_all_devices(ctx.store, item.nid)
        time.sleep(0.5)
        kind = "deregistration"
    if kind == "deregistration":
        return account.deregister(ctx, citizen, IdDocument.NATIONAL_ID_CARD, DeregistrationReason.OWN_REQUEST)
    if kind == "password_reset":
        return account.reset_password(ctx, citizen, NEW_PASSWORD, NEW_PASSWORD)
    if kind == "unlock":
        return account.lift_lockout(ctx, citizen)
    if kind == "cancel_pending":
        return account.cancel_pending(ctx, citizen)
    if kind == "contact_update":
        return account.update_contact(ctx, citizen, Contact(mobile="0912345678", email=new_email(item.nid)))
    if kind == "device_enable":
        assert item.arg is not None
        return device_services.enable_device(ctx, citizen, item.arg)
    if kind == "code_issue":
        return device_services.issue_device_code(ctx, citizen)
    if kind == "card_revoke":
        return virtual_card.revoke_card(ctx, citizen, virtual_card.RevokeReason.OWN_REQUEST)
    if kind == "photo":
        return virtual_card.apply_with_photo(ctx, citizen, photo)
    if kind == "authorization_cancel":
        assert item.arg is not None
        return virtual_card.cancel_authorization(ctx, citizen, item.arg)
    if kind == "receipt_send":
        assert item.arg is not None
        result = ctx.queue.send_job(item.arg)
        if not result.ok:
            raise RuntimeError(f"job {item.arg} not sent: {result.error}")
        return result
    raise ValueError(f"unknown kind {kind!r}")


# --- checks ------------------------------------------------------------------------------------


def _codes(store: Store, nid: str) -> list[sqlite3.Row]:
    return store.all("SELECT code, state FROM verification_codes WHERE national_id = ? ORDER BY id", (nid,))


def _cards(store: Store, nid: str) -> list[str]:
    return [c.state.value for c in sorted(vcards.list_cards(store, nid), key=lambda c: c.id)]


def _auth_state(store: Store, auth_id: int | None) -> str:
    row = store.one("SELECT state FROM authorizations WHERE id = ?", (auth_id,))
    return "" if row is None else str(row["state"])


def observe(store: Store, item: Item) -> tuple[bool | None, str]:
    """``(True, …)`` when the service is completely done, ``(False, …)`` when not at all, and
    ``(None, description)`` when the database holds a half-done service."""
    nid = item.nid
    kind = "deregistration" if item.kind == "split_deregistration" else item.kind
    if kind == "receipt_send":
        row = store.one("SELECT state FROM print_jobs WHERE id = ?", (item.arg,))
        state = "missing" if row is None else row["state"]
        return {"sent": True, "queued": False}.get(state), f"job {item.arg} {state}"
    acct = accounts.get_account(store, nid)
    state = acct.state.value if acct else "none"
    seen: tuple[Any, ...]
    done: tuple[Any, ...]
    not_done: tuple[Any, ...]
    if kind == "registration":
        seen = (state, acct.contact.email if acct else None, bool(accounts.get_password_hash(store, nid)))
        done, not_done = ("active", new_email(nid), True), ("none", None, False)
    elif kind == "deregistration":
        devs = [d.enabled for d in sorted(devices.list_devices(store, nid), key=lambda d: d.id)]
        auths = sorted(a.state.value for a in authorizations.list_granted(store, nid)
                       + authorizations.list_received(store, nid))
        seen = (state, devs, [r["state"] for r in _codes(store, nid)], _cards(store, nid), auths)
        done = ("deregistered", [False, False], ["voided"], ["revoked"], ["cancelled", "cancelled"])
        not_done = ("active", [True, False], ["open"], ["approved"], ["active", "active"])
    elif kind in ("password_reset", "unlock"):
        seen = (state, acct.failed_passwords if acct else None,
                accounts.get_password_hash(store, nid) == SEED_HASH)
        done = ("active", 0, kind == "unlock")  # a new password clears the wrong-password count too
        not_done = ("locked", 5, True)
    elif kind == "cancel_pending":
        seen, done, not_done = (state,), ("unregistered",), ("pending",)
    elif kind == "contact_update":
        seen = (state, acct.contact.email if acct else None)
        done, not_done = ("active", new_email(nid)), ("active", f"{nid.lower()}@example.com")
    elif kind == "device_enable":
        seen = ([d.enabled for d in sorted(devices.list_devices(store, nid), key=lambda d: d.id)],)
        done, not_done = ([False, True],), ([True, False],)
    elif kind == "code_issue":
        rows = _codes(store, nid)
        seen = tuple((r["code"] == "R17b63g9", r["state"]) for r in rows)
        done, not_done = ((True, "voided"), (False, "open")), ((True, "open"),)
    elif kind in ("card_revoke", "authorization_cancel"):
        seen = (_cards(store, nid), _auth_state(store, item.arg))
        done = (["revoked" if kind == "card_revoke" else "approved"], "cancelled")
        not_done = (["approved"], "active")
    elif kind == "photo":
        if item.replaces_card:
            seen = (_cards(store, nid), _auth_state(store, item.arg))
            done, not_done = (["revoked", "pending"], "cancelled"), (["approved"], "active")
        else:
            seen, done, not_done = (_cards(store, nid),), (["pending"],), ([],)
    else:
        raise ValueError(kind)
    if seen == done:
        return True, repr(seen)
    if seen == not_done:
        return False, repr(seen)
    return None, f"{kind} {nid}: half-done {seen!r} (done {done!r}, untouched {not_done!r})"


def audit_outcomes(store: Store, item: Item) -> Counter[tuple[str, str]]:
    """(action, outcome) of every audit entry naming the item's citizen."""
    rows = store.all("SELECT action, outcome FROM audit_log WHERE subject_key = ?", (subject_key(item.nid),))
    return Counter((r["action"], r["outcome"]) for r in rows)


def item_problems(store: Store, item: Item, *, reported_done: bool) -> tuple[bool, list[str]]:
    """Is ``item`` done, and what is wrong with it: half-done, a reported write lost, audit entries
    or receipts missing or doubled."""
    done, seen = observe(store, item)
    problems: list[str] = []
    if done is None:
        return False, [seen]
    if reported_done and not done:
        problems.append(f"{item.kind} {item.nid or item.arg}: reported done but not in the database ({seen})")
    if item.kind == "receipt_send":
        return done, problems
    action = audit_action(item)
    outcomes = audit_outcomes(store, item)
    expected = Counter({(action, "ok"): 1}) if done else Counter()
    if outcomes != expected:
        problems.append(f"{item.kind} {item.nid}: audit entries {dict(outcomes)}, expected {dict(expected)}")
    jobs = store.one("SELECT count(*) FROM print_jobs WHERE created_at = ?", (ts(item.at),))
    n_jobs = int(jobs[0]) if jobs else 0
    want = receipts_expected(item) if done else 0
    if n_jobs != want:
        problems.append(f"{item.kind} {item.nid}: {n_jobs} print jobs, expected {want}")
    return done, problems


def global_problems(store: Store) -> list[str]:
    """Rules across the whole database that no crash or race may break."""
    checks = {
        "deregistered account with an enabled device":
            "SELECT a.national_id FROM accounts a JOIN devices d USING (national_id) "
            "WHERE a.state = 'deregistered' AND d.enabled = 1 AND d.unbound_at IS NULL",
        "deregistered account with an open code":
            "SELECT a.national_id FROM accounts a JOIN verification_codes c USING (national_id) "
            "WHERE a.state = 'deregistered' AND c.state = 'open'",
        "deregistered account with a pending/approved virtual card":
            "SELECT a.national_id FROM accounts a JOIN virtual_cards v USING (national_id) "
            "WHERE a.state = 'deregistered' AND v.state IN ('pending', 'approved')",
        "deregistered account in an active authorization":
            "SELECT a.national_id FROM accounts a JOIN authorizations z "
            "ON a.national_id IN (z.grantor_id, z.grantee_id) WHERE a.state = 'deregistered' AND z.state = 'active'",
        "revoked card holder (no live card) still granting":
            "SELECT z.grantor_id FROM authorizations z WHERE z.state = 'active' AND EXISTS (SELECT 1 FROM "
            "virtual_cards v WHERE v.national_id = z.grantor_id) AND NOT EXISTS (SELECT 1 FROM virtual_cards v "
            "WHERE v.national_id = z.grantor_id AND v.state IN ('pending', 'approved'))",
        "more than one enabled device for an ID":
            "SELECT national_id FROM devices WHERE enabled = 1 AND unbound_at IS NULL "
            "GROUP BY national_id HAVING count(*) > 1",
        "more than one open code for an ID":
            "SELECT national_id FROM verification_codes WHERE state = 'open' GROUP BY national_id HAVING count(*) > 1",
        "more than one live virtual card for an ID":
            "SELECT national_id FROM virtual_cards WHERE state IN ('pending', 'approved') "
            "GROUP BY national_id HAVING count(*) > 1",
        "receipt transaction number used twice":
            "SELECT txn_no FROM print_jobs WHERE kind NOT LIKE '%:reprint' GROUP BY txn_no HAVING count(*) > 1",
        "print job without its service's audit entry":
            "SELECT j.id FROM print_jobs j WHERE j.created_at >= ? AND NOT EXISTS "
            "(SELECT 1 FROM audit_log a WHERE a.at = j.created_at AND a.outcome = 'ok')",
    }
    problems = []
    for what, sql in checks.items():
        rows = store.all(sql, (ts(BASE),) if "?" in sql else ())
        if rows:
            problems.append(f"{what}: {[tuple(r) for r in rows[:5]]} ({len(rows)} in all)")
    return problems
