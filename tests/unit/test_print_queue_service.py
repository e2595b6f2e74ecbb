"""Print queue actions for staff (kiosk.services.print_queue): who may cancel a queued receipt."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from data import staff as staff_repo
from data.audit import query_audit
from data.print_jobs import PrintJobState, enqueue_job, get_job
from data.store import Store, open_store
from kiosk.config import Config
from kiosk.core.clock import TAIPEI, FrozenClock
from kiosk.core.errors import PermissionDenied
from kiosk.core.models import Role, Staff
from kiosk.core.secrets_hash import hash_secret
from kiosk.services import print_queue
from kiosk.services.context import ServiceContext
from kiosk.services.receipt_queue import PrintQueue
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
    config = Config()
    return ServiceContext(store, clock, config, staff,
                          PrintQueue(store, CapturePrinter(), clock, counter=config.centre.counter))


def _job(store: Store, counter: str) -> int:
    return enqueue_job(store, "register", "S001", "T1", b"\x1b@", now=NOW, counter=counter)


def _cancels(store: Store) -> list[object]:
    return [e for e in query_audit(store) if e.action == "print_cancel"]


@pytest.mark.parametrize("staff", [replace(CLERK, enabled=False), replace(CLERK, locked=True)])
def test_cancel_requires_print_cancel(store: Store, staff: Staff) -> None:
    job = _job(store, Config().centre.counter)
    with pytest.raises(PermissionDenied):
        print_queue.cancel(_ctx(store, staff), job)
    assert get_job(store, job).state is PrintJobState.QUEUED and _cancels(store) == []


def test_a_clerk_cancels_only_receipts_of_their_own_counter(store: Store) -> None:
    here, there = _job(store, Config().centre.counter), _job(store, "09")
    with pytest.raises(PermissionDenied):
        print_queue.cancel(_ctx(store, CLERK), there)
    assert get_job(store, there).state is PrintJobState.QUEUED
    assert print_queue.cancel(_ctx(store, CLERK), here).state is PrintJobState.CANCELLED
    assert print_queue.cancel(_ctx(store, BOSS), there).state is PrintJobState.CANCELLED
    assert len(_cancels(store)) == 2
