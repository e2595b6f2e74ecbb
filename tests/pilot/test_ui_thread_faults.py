"""A busy database or a bug in a worker ends in a message, never in a crash or a dead field; a
superseded load never lands on the screen (issue 13, item 2)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager

import pytest

from data import accounts
from data.demo import DEMO_CITIZENS
from kiosk.core.models import AccountState
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.login import LoginScreen
from kiosk.screens.main import MainScreen
from tests.conftest import TERMINAL, sign_in, wait_until

LOCKED, ACTIVE = "B120000008", "F223456786"
FAULTS = [sqlite3.OperationalError("database is locked"), RuntimeError("a bug")]


def _citizen(national_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in DEMO_CITIZENS if c.national_id == national_id)


def _break_store(monkeypatch, app, fault: Exception) -> None:  # type: ignore[no-untyped-def]
    """From now on every transaction on the app's store raises ``fault``."""

    @contextmanager
    def failing():  # type: ignore[no-untyped-def]
        raise fault
        yield

    monkeypatch.setattr(app.equipment.store, "transaction", failing)


def _errors(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications if n.severity == "error"]


@pytest.mark.parametrize("fault", FAULTS, ids=["busy", "bug"])
async def test_lock_with_a_failing_store_locks_and_says_so(make_kiosk, monkeypatch, fault):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        _break_store(monkeypatch, app, fault)
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: bool(_errors(app)))
        assert app.is_running
        assert isinstance(app.screen, LoginScreen) and app.screen.locked_by is not None


@pytest.mark.parametrize("fault", FAULTS, ids=["busy", "bug"])
async def test_idle_lock_with_a_failing_store_locks_and_says_so(make_kiosk, monkeypatch, fault):
    app = make_kiosk(idle_lock_seconds=3600)  # on, but not before the store is broken
    async with app.run_test(size=TERMINAL) as pilot:
        await pilot.press(*"S001", "enter", *"1234", "enter")
        await wait_until(pilot, lambda: app.staff is not None)
        _break_store(monkeypatch, app, fault)
        app.session.idle_seconds = 0.01  # now the clerk has walked away
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.locked_by is not None)
        await wait_until(pilot, lambda: bool(_errors(app)))
        assert app.is_running


@pytest.mark.parametrize("fault", FAULTS, ids=["busy", "bug"])
async def test_logout_with_a_failing_store_signs_out_and_says_so(make_kiosk, monkeypatch, fault):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        _break_store(monkeypatch, app, fault)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: bool(_errors(app)))
        assert app.is_running
        assert isinstance(app.screen, LoginScreen) and app.staff is None


@pytest.mark.parametrize("fault", FAULTS, ids=["busy", "bug"])
async def test_refusal_audit_with_a_failing_store_refuses_and_says_so(make_kiosk, monkeypatch, fault):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)  # a clerk: the audit log (F12) is refused
        _break_store(monkeypatch, app, fault)
        await pilot.press("f12")
        await wait_until(pilot, lambda: len(_errors(app)) >= 2)  # the refusal, then the lost record
        assert app.is_running
        assert isinstance(app.screen, MainScreen)


@pytest.mark.parametrize("fault", FAULTS, ids=["busy", "bug"])
async def test_demo_notes_with_a_failing_store_say_so(make_kiosk, monkeypatch, fault):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)

        def failing(*_a, **_k):  # type: ignore[no-untyped-def]
            raise fault

        monkeypatch.setattr(accounts, "get_account", failing)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: bool(_errors(app)))
        assert app.is_running


async def test_sign_in_after_an_unexpected_error_gives_the_pin_field_back(make_kiosk, monkeypatch):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:

        def failing(*_a, **_k):  # type: ignore[no-untyped-def]
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(app.staff_service, "login", failing)
        await pilot.press(*"S001", "enter", *"1234", "enter")
        pin = app.screen.query_one("#pin")
        await wait_until(pilot, lambda: str(app.screen.query_one("#login-error").render()) != "")
        await wait_until(pilot, lambda: not pin.disabled and pin.has_focus)
        assert pin.value == ""
        assert app.is_running


async def test_card_read_after_an_unexpected_error_says_so(make_kiosk, monkeypatch):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)

        def failing(*_a, **_k):  # type: ignore[no-untyped-def]
            raise RuntimeError("a bug")

        monkeypatch.setattr(accounts, "get_account", failing)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(_citizen(ACTIVE)))
        await wait_until(pilot, lambda: app.card.error is not None)
        assert not app.card.reading and app.card.result is None


async def test_a_superseded_load_never_becomes_the_subject(make_kiosk, monkeypatch):
    """Card A's load is slow; card B replaces A before it returns: the screen ends with B, never A."""
    import kiosk.screens.account.common as common

    real = common.load_subject
    release_a = threading.Event()
    a_started = threading.Event()
    a_thread: list[threading.Thread] = []

    def slow_for_a(ctx, service, *, citizen=None, typed_id=None):  # type: ignore[no-untyped-def]
        if citizen is not None and citizen.national_id == LOCKED:
            a_thread.append(threading.current_thread())
            a_started.set()
            release_a.wait(10)
        return real(ctx, service, citizen=citizen, typed_id=typed_id)

    monkeypatch.setattr(common, "load_subject", slow_for_a)
    app = make_kiosk()
    a_handed_over = threading.Event()
    call_from_thread = app.call_from_thread

    def handing_over(callback, *args, **kwargs):  # type: ignore[no-untyped-def]
        # A's worker hands its result (or failure) to the UI thread: note when that has run.
        try:
            return call_from_thread(callback, *args, **kwargs)
        finally:
            if a_thread and threading.current_thread() is a_thread[0] and release_a.is_set():
                a_handed_over.set()

    monkeypatch.setattr(app, "call_from_thread", handing_over)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        # Both are locked out, so the unlock service (F5) applies to either.
        accounts.set_state(app.equipment.store, ACTIVE, AccountState.LOCKED)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(_citizen(LOCKED)))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press("f5")
        await wait_until(pilot, lambda: not isinstance(app.screen, MainScreen))
        screen = app.screen
        await wait_until(pilot, a_started.is_set)
        app.equipment.reader.remove()
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(_citizen(ACTIVE)))
        await wait_until(pilot, lambda: screen.subject is not None)
        assert screen.subject.citizen.national_id == ACTIVE
        release_a.set()
        await wait_until(pilot, a_handed_over.is_set)
        await pilot.pause()
        assert screen.subject.citizen.national_id == ACTIVE
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.finished)
        assert accounts.get_account(app.equipment.store, ACTIVE).state is AccountState.ACTIVE
        assert accounts.get_account(app.equipment.store, LOCKED).state is AccountState.LOCKED
