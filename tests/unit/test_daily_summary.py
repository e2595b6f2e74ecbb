"""The daily summary's counts (data/audit_summary.py): services done apart from refusals, failures
and look-ups; other activity (sign-ins, prints, staff changes) never counted as a service."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from data.audit import append_audit
from data.audit_summary import KNOWN_ACTIONS, OUTCOMES, SERVICE_ACTIONS, daily_counts
from data.store import Store, open_store
from kiosk.core.clock import TAIPEI
from kiosk.locales.en import STRINGS as EN
from kiosk.locales.zh_TW import STRINGS as ZH

DAY = date(2026, 11, 22)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "kiosk.db")
    yield s
    s.close()


def _log(store: Store, staff_no: str, action: str, outcome: str = "ok", detail: dict | None = None,
         minutes: int = 600) -> None:
    append_audit(store, at=datetime(2026, 11, 22, tzinfo=TAIPEI) + timedelta(minutes=minutes), staff_no=staff_no,
                 role="clerk", counter="01", action=action, subject="", outcome=outcome, detail=detail)


def test_a_refused_service_is_not_a_service_done(store: Store) -> None:
    _log(store, "S001", "deregister", "ok")
    _log(store, "S001", "reset_password", "refused", {"state": "deregistered"})
    _log(store, "S001", "reset_password", "refused", {"state": "deregistered"})
    counts = daily_counts(store, DAY)
    assert counts.total == 1
    rows = {r.action: r for r in counts.rows}
    assert (rows["deregister"].done, rows["deregister"].refused) == (1, 0)
    assert (rows["reset_password"].done, rows["reset_password"].refused) == (0, 2)
    assert (counts.totals.done, counts.totals.refused) == (1, 2)


def test_a_lookup_is_counted_under_its_service_in_a_column_of_its_own(store: Store) -> None:
    _log(store, "S001", "lookup", "ok", {"service": "deregister", "by": "typed_id"})
    _log(store, "S001", "deregister", "ok")
    _log(store, "S002", "lookup", "ok", {"service": "unlock", "by": "typed_id"})
    counts = daily_counts(store, DAY)
    assert counts.total == 1 and counts.totals.lookups == 2
    assert [(r.staff_no, r.action, r.done, r.lookups) for r in counts.rows] == [
        ("S001", "deregister", 1, 1), ("S002", "unlock", 0, 1)]
    assert "lookup" not in {r.action for r in counts.rows}


def test_sign_ins_and_other_activity_are_listed_but_not_services(store: Store) -> None:
    _log(store, "S001", "login")
    _log(store, "S001", "login", "refused", {"reason": "wrong PIN"})
    _log(store, "S001", "staff_locked", "locked")
    _log(store, "S001", "register")
    _log(store, "S900", "audit_export", "failed")
    counts = daily_counts(store, DAY)
    assert counts.total == 1 and counts.staff_total("S001").done == 1 and counts.staff_total("S900").done == 0
    assert [r.action for r in counts.services] == ["register"]
    others = {(r.staff_no, r.action): (r.done, r.refused, r.failed) for r in counts.others}
    assert others == {("S001", "login"): (1, 1, 0), ("S001", "staff_locked"): (0, 1, 0),
                      ("S900", "audit_export"): (0, 0, 1)}


def test_services_come_first_in_menu_order_per_staff(store: Store) -> None:
    for action in ("logout", "unlock", "register", "login"):
        _log(store, "S001", action)
    counts = daily_counts(store, DAY)
    assert [r.action for r in counts.rows] == ["register", "unlock", "login", "logout"]


def test_every_action_and_outcome_is_named_in_both_languages() -> None:
    assert "lookup" in KNOWN_ACTIONS and set(SERVICE_ACTIONS) <= set(KNOWN_ACTIONS)
    for catalog in (ZH, EN):
        for action in KNOWN_ACTIONS:
            assert catalog.get(f"audit.action.{action}"), action
        for outcome in OUTCOMES:
            assert catalog.get(f"audit.outcome.{outcome}"), outcome
