"""The security review of SECURITY.md, tested: roles, idle lock, staff lockout, secrets kept out of
logs, receipts, error messages and the screen, file permissions, and what the audit chain proves.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from textual.widgets import Input

from data import accounts
from data.audit import append_audit, chain_head, query_audit, verify_chain
from data.print_jobs import get_job
from data.staff import get_staff
from data.store import open_store
from kiosk.core.errors import PermissionDenied
from kiosk.core.masking import mask_id, mask_name
from kiosk.core.models import AccountState, Role
from kiosk.core.permissions import _SUPERVISOR_ONLY, Action
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.login import LoginScreen
from kiosk.screens.main import MainScreen
from kiosk.services.catalog import SERVICES
from kiosk.services.staff import LoginRefused
from tests.conftest import FROZEN_AT, TERMINAL, settle, sign_in, wait_until
from tests.pilot.test_registration_helpers import (
    PASSWORD,
    UNREGISTERED,
    StaffKeys,
    citizen,
    insert,
    open_wizard,
    to_review,
)

SUPERVISOR_SERVICES = [s for s in SERVICES if s.needs is not Action.COUNTER_SERVICE]
CLERK_PIN, SUPERVISOR_PIN = "1234", "9999"


def _screen_class(service):  # type: ignore[no-untyped-def]
    import importlib

    module, _, name = service.screen.partition(":")
    return getattr(importlib.import_module(module), name)


def _refusals(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.detail["service"] for e in query_audit(app.equipment.store, action="permission_denied", limit=100)]


def test_the_catalogue_has_supervisor_services_to_check() -> None:
    # If this fails the enumeration below would check nothing: the test must be rewritten, not passed.
    assert {s.service_id for s in SUPERVISOR_SERVICES} >= {"audit", "staff_admin"}


@pytest.mark.parametrize("service", SUPERVISOR_SERVICES, ids=lambda s: s.service_id)
async def test_clerk_is_refused_by_the_menu(make_kiosk, service) -> None:  # type: ignore[no-untyped-def]
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot, "S001", CLERK_PIN)
        await pilot.press(service.key)
        await wait_until(pilot, lambda: bool(_refusals(app)))
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert _refusals(app) == [service.service_id]


@pytest.mark.parametrize("service", SUPERVISOR_SERVICES, ids=lambda s: s.service_id)
async def test_clerk_is_refused_by_the_screen_itself(make_kiosk, service) -> None:  # type: ignore[no-untyped-def]
    """Opened past the menu (a palette command, a future shortcut): the screen checks again."""
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot, "S001", CLERK_PIN)
        await app.push_screen(_screen_class(service)())
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert service.service_id in _refusals(app)


@pytest.mark.parametrize("service", SUPERVISOR_SERVICES, ids=lambda s: s.service_id)
async def test_supervisor_is_let_in(make_kiosk, service) -> None:  # type: ignore[no-untyped-def]
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot, "S900", SUPERVISOR_PIN)
        await pilot.press(service.key)
        await wait_until(pilot, lambda: isinstance(app.screen, _screen_class(service)))
        await settle(pilot)
        assert isinstance(app.screen, _screen_class(service)) and _refusals(app) == []


def _supervisor_calls(app):  # type: ignore[no-untyped-def]
    """Every service function behind a supervisor-only action, called as the staff in ``app.staff``."""
    from kiosk.services import supervisor
    from kiosk.services.supervisor import parse_filter

    flt = parse_filter()
    by = app.staff
    csv = Path(app.equipment.store.path).with_name("export.csv")
    return {
        Action.AUDIT_VIEW: [lambda ctx: supervisor.first_page(ctx, flt, 10),
                            lambda ctx: supervisor.page_before(ctx, flt, None, 10)],
        Action.AUDIT_VERIFY: [lambda ctx: supervisor.verify_audit(ctx)],
        Action.AUDIT_EXPORT: [lambda ctx: supervisor.export_audit(ctx, flt, csv)],
        Action.DAILY_SUMMARY: [lambda ctx: supervisor.daily_summary(ctx, FROZEN_AT.date())],
        Action.STAFF_MANAGE: [lambda _ctx: app.staff_service.add("S555", "新人", Role.CLERK, "5555", by=by),
                              lambda _ctx: app.staff_service.disable("S900", by=by),
                              lambda _ctx: app.staff_service.unlock("S900", by=by)],
    }


def test_every_supervisor_service_function_requires_the_role(make_kiosk) -> None:
    app = make_kiosk()
    app.staff = get_staff(app.equipment.store, "S001")
    calls = _supervisor_calls(app)
    assert set(calls) == set(_SUPERVISOR_ONLY), "a supervisor-only action has no service call checked here"
    assert {s.needs for s in SUPERVISOR_SERVICES} <= set(calls)
    for fns in calls.values():
        for fn in fns:
            with pytest.raises(PermissionDenied):
                fn(app.service_context())
    assert get_staff(app.equipment.store, "S555") is None and get_staff(app.equipment.store, "S900").enabled
    # The same calls go through for a supervisor (so the refusal above is about the role).
    app.staff = get_staff(app.equipment.store, "S900")
    for fn in _supervisor_calls(app)[Action.AUDIT_VIEW] + _supervisor_calls(app)[Action.AUDIT_VERIFY]:
        fn(app.service_context())


# --- idle lock and staff lockout ----------------------------------------------------------------


async def test_idle_lock_covers_the_citizen_and_needs_the_pin(make_kiosk) -> None:
    # Idle lock on (its timer checks every second) but far off while the test signs in and inserts a
    # card: a loaded machine must not lock the screen before the test has seen the main screen.
    app = make_kiosk(idle_lock_seconds=3600)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await insert(pilot, "F223456786")
        app.session.idle_seconds = 0.01  # now the clerk has walked away
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), timeout=5)
        app.session.idle_seconds = 3600  # and is back: the unlock below must not lock again at once
        assert app.card.result is None  # the card's data is forgotten, not just covered
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "F223" not in text and "林" not in text
        await pilot.press(*"0000", "enter")
        await wait_until(pilot, lambda: bool(str(app.screen.query_one("#login-error").render()).strip()))
        assert isinstance(app.screen, LoginScreen)
        await pilot.press(*CLERK_PIN, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        actions = [e.action for e in query_audit(app.equipment.store, staff_no="S001", limit=50)]
        assert "screen_unlock" in actions


def test_staff_lockout_survives_a_restart_and_a_right_pin(make_kiosk) -> None:
    app = make_kiosk()
    threshold = app.config.rules.staff_lockout_threshold
    for _ in range(threshold):
        with pytest.raises(LoginRefused):
            app.staff_service.login("S001", "0000")
    # A new kiosk on the same database file: the lock is in the database, not in the process.
    again = make_kiosk()
    with pytest.raises(LoginRefused) as info:
        again.staff_service.login("S001", CLERK_PIN)
    assert info.value.reason == "locked"
    assert get_staff(again.equipment.store, "S001").locked


# --- secrets stay out of logs, receipts, messages and the screen ------------------------------------


def _secrets() -> list[str]:
    return [UNREGISTERED, PASSWORD, UNREGISTERED.lower()]


def _assert_free_of_secrets(text: str, where: str) -> None:
    for secret in _secrets():
        assert secret not in text, f"{secret!r} found in {where}"


async def test_full_registration_and_deregistration_leave_no_secret_behind(make_kiosk, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        keys = StaffKeys(pilot)
        screen = await open_wizard(pilot, UNREGISTERED, keys)
        await to_review(pilot, keys)
        await keys.key("f10")
        await wait_until(pilot, lambda: screen.step == "done")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 1)
        # The service is done: whatever the password fields held is gone from them.
        for box in screen.query(Input):
            if box.password:
                assert box.value == "", box.id
        await keys.key("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert accounts.get_account(app.equipment.store, UNREGISTERED).state is AccountState.ACTIVE

        # Deregistration of the same person, by card: reason 1, document 1, confirm.
        await pilot.press("f3")
        await wait_until(pilot, lambda: getattr(app.screen, "subject", None) is not None)
        await pilot.pause()
        await pilot.press("1", "1")
        await wait_until(pilot, lambda: app.screen.step == "review")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: getattr(app.screen, "finished", False))
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 2)
        assert accounts.get_account(app.equipment.store, UNREGISTERED).state is AccountState.DEREGISTERED

        # Scrollback: the service ended and the card is out; nothing on the screen names the person.
        await pilot.press("escape")
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: app.card.result is None and isinstance(app.screen, MainScreen))
        await settle(pilot)
        app.clear_notifications()
        await settle(pilot)
        shown = "\n".join(s.text for s in app.screen._compositor.render_strips()) + app.export_screenshot()
        _assert_free_of_secrets(shown, "the screen after the service")
        name = citizen(UNREGISTERED).name
        assert name not in shown and mask_name(name) not in shown

        # Receipts: what the printer got (text preview stored with each job) and the receipt model.
        for job_id in (1, 2):
            job = get_job(app.equipment.store, job_id)
            assert job is not None and job.preview_text
            _assert_free_of_secrets(job.preview_text, f"receipt {job_id}")
            assert mask_id(UNREGISTERED) in job.preview_text

        # The audit log, as a supervisor reads or exports it.
        for entry in query_audit(app.equipment.store, limit=200):
            _assert_free_of_secrets(f"{entry.subject} {entry.detail}", f"audit entry {entry.action}")

    logged = "\n".join(r.getMessage() + str(r.args) + str(r.exc_text or "") for r in caplog.records)
    _assert_free_of_secrets(logged, "the Python log")


async def test_an_exception_with_the_id_in_it_is_not_shown_or_logged(make_kiosk, caplog) -> None:
    """A bug inside a service whose exception text quotes the full ID and the password: the clerk
    sees a plain 'unexpected error' message, and the log names only the exception's type."""
    caplog.set_level(logging.DEBUG)
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("f7")  # any service screen will do: the failure is injected below
        await wait_until(pilot, lambda: not isinstance(app.screen, MainScreen))
        screen = app.screen

        def broken(ctx, national_id: str = UNREGISTERED, password: str = PASSWORD):  # type: ignore[no-untyped-def]
            raise RuntimeError(f"cannot register {national_id} with {password}")

        screen.run_service(broken, lambda _result: None)
        await wait_until(pilot, lambda: bool(str(screen.query_one("#service-message").render()).strip()))
        await settle(pilot)
        shown = str(screen.query_one("#service-message").render())
        assert "未預期" in shown
        everything = shown + "".join(n.message for n in app._notifications) + app.export_screenshot()
        _assert_free_of_secrets(everything, "the screen after an exception")
    logged = "\n".join(r.getMessage() + str(r.exc_text or "") for r in caplog.records)
    assert "RuntimeError" in logged  # it was logged, by type
    _assert_free_of_secrets(logged, "the Python log after an exception")


def test_audit_log_refuses_secrets_in_detail(make_kiosk) -> None:
    app = make_kiosk()
    for key in ("password", "new_pin", "pin", "password_hash", "secret"):
        with pytest.raises(ValueError):
            append_audit(app.equipment.store, at=FROZEN_AT, staff_no="S001", role="clerk", counter="01",
                         action="x", subject="", outcome="ok", detail={key: PASSWORD})


# --- files -----------------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_files_are_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)  # the worst an operator's shell could hand us
    try:
        store = open_store(tmp_path / "kiosk.db")
        append_audit(store, at=FROZEN_AT, staff_no="S001", role="clerk", counter="01", action="login",
                     subject="", outcome="ok")
        for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
            path = tmp_path / name
            assert path.exists(), name
            assert _mode(path) == 0o600, f"{name} is {oct(_mode(path))}"
        store.close()
    finally:
        os.umask(old)


def test_receipts_folder_is_private(tmp_path: Path) -> None:
    from PIL import Image

    from printing.escpos_encode import encode_image
    from printing.preview import PreviewPrinter

    old = os.umask(0o000)
    try:
        PreviewPrinter(tmp_path / "receipts").send(encode_image(Image.new("1", (576, 24), 1)))
        assert _mode(tmp_path / "receipts") == 0o700
    finally:
        os.umask(old)


# --- what the audit chain proves --------------------------------------------------------------------


def _log_with_entries(make_kiosk, n: int = 10):  # type: ignore[no-untyped-def]
    app = make_kiosk()
    store = app.equipment.store
    for i in range(n):
        append_audit(store, at=FROZEN_AT, staff_no="S001", role="clerk", counter="01", action="login",
                     subject="", outcome="ok", detail={"n": i})
    return store


def _drop_guards(store) -> None:  # type: ignore[no-untyped-def]
    # What someone with the database file can do: the triggers are only a speed bump.
    store.conn.execute("DROP TRIGGER audit_log_no_delete")
    store.conn.execute("DROP TRIGGER audit_log_no_update")


def test_triggers_refuse_edits_and_deletes(make_kiosk) -> None:
    import sqlite3

    store = _log_with_entries(make_kiosk)
    with pytest.raises(sqlite3.DatabaseError):
        store.conn.execute("DELETE FROM audit_log WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError):
        store.conn.execute("UPDATE audit_log SET outcome = 'refused' WHERE seq = 1")


def test_edit_in_the_middle_is_caught_without_an_anchor(make_kiosk) -> None:
    store = _log_with_entries(make_kiosk)
    _drop_guards(store)
    store.conn.execute("UPDATE audit_log SET outcome = 'refused' WHERE seq = 3")
    result = verify_chain(store)
    assert not result.ok and result.first_bad_seq == 3


def test_tail_truncation_passes_without_an_anchor_and_is_caught_with_one(make_kiosk) -> None:
    store = _log_with_entries(make_kiosk)
    anchor = chain_head(store)  # printed on the daily summary, kept off this machine
    _drop_guards(store)
    store.conn.execute("DELETE FROM audit_log WHERE seq > ?", (anchor[0] - 3,))
    assert verify_chain(store).ok  # the chain alone cannot see what was cut off the end
    caught = verify_chain(store, anchor=anchor)
    assert not caught.ok and caught.reason


def test_a_rebuilt_chain_passes_without_an_anchor_and_is_caught_with_one(make_kiosk) -> None:
    """The chain proves order and integrity relative to itself, not authorship: anyone with the file
    can rewrite history and recompute every hash. Only an anchor kept elsewhere catches that."""
    store = _log_with_entries(make_kiosk)
    anchor = chain_head(store)
    _drop_guards(store)
    store.conn.execute("DELETE FROM audit_log")
    for i in range(anchor[0]):
        append_audit(store, at=FROZEN_AT, staff_no="S002", role="clerk", counter="01", action="login",
                     subject="", outcome="ok", detail={"n": i})
    assert verify_chain(store).ok
    assert not verify_chain(store, anchor=anchor).ok


def test_a_typed_id_lookup_is_audited_even_if_nothing_is_done(make_kiosk) -> None:
    from kiosk.services.account import deregistration_preview, load_subject

    app = make_kiosk()
    app.staff = get_staff(app.equipment.store, "S001")
    load_subject(app.service_context(), "deregister", typed_id="F223456786")
    deregistration_preview(app.service_context(), "F223456786")
    assert query_audit(app.equipment.store, subject_id="F223456786", limit=10)
