"""Snapshots of the supervisor screens: audit viewer (first page, filtered with detail, broken
chain), daily summary, staff management and its add form, in both languages.

Plain ``def`` tests (pytest-textual-snapshot cannot await); the log is seeded at fixed times under
the frozen clock, so every hash on screen is the same on every run.
"""

from __future__ import annotations

import sqlite3

from tests.conftest import sign_in, wait_until
from tests.pilot.test_supervisor import seed


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    pilot.app.clear_notifications()
    await pilot.pause()


async def _viewer(pilot) -> None:  # type: ignore[no-untyped-def]
    from kiosk.screens.audit import AuditScreen

    await sign_in(pilot, "S900", "9999")
    await pilot.press("f12")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AuditScreen) and bool(pilot.app.screen.entries))


def _seeded(make_kiosk, **kw):  # type: ignore[no-untyped-def]
    app = make_kiosk(**kw)
    seed(app.equipment.store)
    return app


def test_viewer_first_page(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _viewer(pilot)
        await _settle(pilot)

    assert snap_compare(_seeded(make_kiosk), terminal_size=size, run_before=before)


def _filtered(pilot):  # type: ignore[no-untyped-def]
    async def apply() -> None:
        screen = pilot.app.screen
        screen.query_one("#f-staff_no").value = "S002"
        screen.query_one("#f-national_id").value = "A123456789"
        screen.query_one("#f-national_id").focus()
        await pilot.press("enter")  # Enter in the filters applies them
        await wait_until(pilot, lambda: screen.shown_request == screen._request
                         and screen.filter.staff_no == "S002")
        await pilot.press("f2")  # F2 from the filters goes back to the entries
        await pilot.press("down", "down")
        if screen.has_class("narrow"):  # 80 columns: the detail takes the table's place on Enter
            await pilot.press("enter")
        await _settle(pilot)

    return apply()


def test_viewer_filtered_with_detail(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _viewer(pilot)
        await _filtered(pilot)

    assert snap_compare(_seeded(make_kiosk), terminal_size=size, run_before=before)


def test_viewer_filtered_with_detail_en(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _viewer(pilot)
        await _filtered(pilot)

    assert snap_compare(_seeded(make_kiosk, locale="en"), terminal_size=size, run_before=before)


def test_viewer_broken_chain(snap_compare, make_kiosk, db_path, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _viewer(pilot)
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET staff_no = 'S003' WHERE seq = 33")
        conn.close()
        await pilot.press("f5")
        await wait_until(pilot, lambda: pilot.app.screen.entries and pilot.app.screen.entries[0].seq == 33)
        await _settle(pilot)

    assert snap_compare(_seeded(make_kiosk), terminal_size=size, run_before=before)


def test_daily_summary(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _viewer(pilot)
        await pilot.press("f6")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "counts", None) is not None)
        pilot.app.screen.query_one("#summary-day").value = "115-11-21"
        await pilot.press("enter")
        await wait_until(pilot, lambda: pilot.app.screen.counts.day.day == 21)
        await _settle(pilot)

    assert snap_compare(_seeded(make_kiosk), terminal_size=size, run_before=before)


def _staff(locale: str, form: bool):  # type: ignore[no-untyped-def]
    async def before(pilot):  # type: ignore[no-untyped-def]
        from kiosk.screens.staff_admin import StaffAdminScreen

        await sign_in(pilot, "S900", "9999")
        await pilot.press("ctrl+u")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, StaffAdminScreen) and pilot.app.screen.staff)
        if form:
            await pilot.press("f2", *"S002", "enter")
            await pilot.pause()
            pilot.app.screen.query_one("#name").value = "王小明"
        await _settle(pilot)

    return before


def test_staff_admin(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_staff("zh_TW", False))


def test_staff_admin_en(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=_staff("en", False))


def test_staff_admin_add_form(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_staff("zh_TW", True))


def test_staff_admin_add_form_en(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=_staff("en", True))
