"""Supervisor services without a screen: role checks, filters, daily counts, staff administration."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from data import staff as staff_repo
from data.audit import append_audit, query_audit, verify_chain
from data.audit_summary import daily_counts
from data.print_jobs import queued_jobs
from data.store import Store, open_store
from kiosk.config import Config
from kiosk.core.clock import TAIPEI, FrozenClock
from kiosk.core.errors import PermissionDenied, ValidationError
from kiosk.core.models import Role, Staff
from kiosk.core.secrets_hash import hash_secret
from kiosk.services import supervisor
from kiosk.services.context import ServiceContext
from kiosk.services.receipt_queue import PrintQueue
from kiosk.services.staff import SelfChangeRefused, StaffService
from printing.port import CapturePrinter

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=TAIPEI)
BOSS = Staff("S900", "林主任", Role.SUPERVISOR)
CLERK = Staff("S001", "陳專員", Role.CLERK)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "kiosk.db")
    for staff in (BOSS, CLERK):
        staff_repo.add_staff(s, staff.staff_no, staff.name, staff.role, hash_secret("1234"), now=NOW)
    yield s
    s.close()


def _ctx(store: Store, staff: Staff) -> ServiceContext:
    clock = FrozenClock(NOW)
    return ServiceContext(store, clock, Config(), staff, PrintQueue(store, CapturePrinter(), clock))


def _service(store: Store) -> StaffService:
    return StaffService(store, FrozenClock(NOW), counter="01", lockout_threshold=5)


@pytest.mark.parametrize(
    "call",
    [
        lambda ctx: supervisor.first_page(ctx, supervisor.AuditFilter(), 10),
        lambda ctx: supervisor.page_before(ctx, supervisor.AuditFilter(), None, 10),
        lambda ctx: supervisor.export_audit(ctx, supervisor.AuditFilter(), Path("/tmp/never.csv")),
        lambda ctx: supervisor.verify_audit(ctx),
        lambda ctx: supervisor.daily_summary(ctx, NOW.date()),
        lambda ctx: supervisor.print_daily_summary(ctx, NOW.date()),
    ],
)
def test_every_supervisor_service_refuses_a_clerk(store: Store, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        call(_ctx(store, CLERK))
    assert not Path("/tmp/never.csv").exists()


def test_parse_filter_reads_roc_days_and_names_the_bad_field() -> None:
    flt = supervisor.parse_filter(since="115-11-01", until="１１５/１１/２２", staff_no=" s001 ", action="Register",
                                  outcome="OK", national_id="a123456789")
    assert (flt.since, flt.until) == (date(2026, 11, 1), date(2026, 11, 22))
    assert (flt.staff_no, flt.action, flt.outcome, flt.subject_id) == ("S001", "register", "ok", "A123456789")
    kw = flt.query_kwargs()
    assert kw["until"] == datetime(2026, 11, 23, tzinfo=TAIPEI)  # the last day is included whole
    assert "A123456789" not in str(flt.for_audit()) and flt.for_audit()["by_citizen"] is True
    for kwargs, field in (({"since": "115-02-30"}, "since"), ({"until": "abc"}, "until"),
                          ({"since": "115-11-22", "until": "115-11-01"}, "until"),
                          ({"national_id": "A123456788"}, "national_id")):
        with pytest.raises(ValidationError) as err:
            supervisor.parse_filter(**kwargs)
        assert err.value.field == field
    assert supervisor.parse_filter().empty


def test_daily_counts_per_staff_and_action_for_one_taipei_day(store: Store) -> None:
    day = date(2026, 11, 21)
    for minutes, staff_no, action in ((-1, "S001", "register"), (0, "S001", "register"), (60, "S001", "register"),
                                      (61, "S002", "unlock"), (24 * 60 - 1, "S002", "register"),
                                      (24 * 60, "S001", "register")):
        at = datetime(2026, 11, 21, tzinfo=TAIPEI) + timedelta(minutes=minutes)
        append_audit(store, at=at, staff_no=staff_no, role="clerk", counter="01", action=action, subject="",
                     outcome="ok")
    counts = daily_counts(store, day)
    assert [(r.staff_no, r.action, r.done) for r in counts.rows] == [
        ("S001", "register", 2), ("S002", "register", 1), ("S002", "unlock", 1)]
    assert (counts.staff_total("S001").done, counts.staff_total("S002").done, counts.total) == (2, 2, 4)
    assert daily_counts(store, date(2026, 11, 19)).total == 0


def test_printed_summary_carries_the_chain_anchor(store: Store) -> None:
    ctx = _ctx(store, BOSS)
    append_audit(store, at=NOW, staff_no="S001", role="clerk", counter="01", action="register", subject="",
                 outcome="ok")
    head_before = query_audit(store, limit=1)[0]
    supervisor.print_daily_summary(ctx, NOW.date())
    [job] = queued_jobs(store)
    assert job.staff_no == "S900" and job.preview_text is not None
    assert f"#1 {head_before.hash[:16]}" in job.preview_text and "S001 臨櫃註冊：1／0／0／0" in job.preview_text
    entry = query_audit(store, action="daily_summary_print", limit=1)[0]
    assert entry.detail == {"day": "2026-11-22", "total": 1, "anchor_seq": 1}


def test_staff_admin_changes_are_audited_with_the_target_as_subject(store: Store) -> None:
    service = _service(store)
    service.add("S002", "王小明", Role.CLERK, "2468", by=BOSS)
    service.disable("s002", by=BOSS)
    service.enable("S002", by=BOSS)
    service.reset_pin("S002", "1357", by=BOSS)
    service.set_role("S002", Role.SUPERVISOR, by=BOSS)
    for _ in range(5):
        staff_repo.record_login_failure(store, "S002", 5)
    service.unlock("S002", by=BOSS)
    entries = query_audit(store, limit=6)[::-1]
    assert [e.action for e in entries] == ["staff_add", "staff_disable", "staff_enable", "staff_reset_pin",
                                           "staff_role", "staff_unlock"]
    assert {(e.staff_no, e.role, e.subject, e.outcome) for e in entries} == {("S900", "supervisor", "staff S002",
                                                                              "ok")}
    assert service.login("S002", "1357").role is Role.SUPERVISOR
    with pytest.raises(ValidationError):
        service.unlock("S002", by=BOSS)  # not locked: nothing to lift
    with pytest.raises(ValidationError):
        service.reset_pin("S404", "1357", by=BOSS)
    assert verify_chain(store).ok


def test_self_disable_and_self_demotion_are_refused_and_recorded(store: Store) -> None:
    service = _service(store)
    with pytest.raises(SelfChangeRefused) as err:
        service.disable("S900", by=BOSS)
    assert "另一位主管" in err.value.action and "another supervisor" in err.value.action_en
    with pytest.raises(SelfChangeRefused):
        service.set_role("s900", Role.CLERK, by=BOSS)
    service.set_role("S900", Role.SUPERVISOR, by=BOSS)  # staying a supervisor is no demotion
    me = staff_repo.get_staff(store, "S900")
    assert me is not None and me.enabled and me.role is Role.SUPERVISOR
    refused = [(e.action, e.detail["reason"]) for e in query_audit(store, outcome="refused", limit=5)]
    assert refused == [("staff_role", "own account"), ("staff_disable", "own account")]


def test_a_clerk_calling_staff_admin_directly_is_refused_and_recorded(store: Store) -> None:
    service = _service(store)
    with pytest.raises(PermissionDenied):
        service.set_role("S001", Role.SUPERVISOR, by=CLERK)
    with pytest.raises(PermissionDenied):
        service.add("S003", "x", Role.SUPERVISOR, "1111", by=CLERK)
    assert staff_repo.get_staff(store, "S001").role is Role.CLERK  # type: ignore[union-attr]
    assert staff_repo.get_staff(store, "S003") is None
    refused = query_audit(store, outcome="refused", limit=5)
    assert [(e.staff_no, e.action, e.detail["reason"]) for e in refused] == [
        ("S001", "staff_add", "not a supervisor"), ("S001", "staff_role", "not a supervisor")]
