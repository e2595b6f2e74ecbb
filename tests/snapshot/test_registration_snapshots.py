"""Snapshots of every registration wizard step in Chinese, and of the review in English.

Plain ``def`` tests (pytest-textual-snapshot cannot await). Frozen clock, demo data, the kiosk's
fixed terminal size. Review snapshot_report.html before ``--snapshot-update``.
"""

from __future__ import annotations

from tests.conftest import sign_in, wait_until
from tests.pilot.test_registration_helpers import (
    BATCH,
    UNREGISTERED,
    StaffKeys,
    open_wizard,
    to_contact,
    to_review,
)


def _settle(pilot):  # type: ignore[no-untyped-def]
    pilot.app.clear_notifications()
    return pilot.pause()


def _shot(snap_compare, make_kiosk, steps, size, locale: str = "zh_TW") -> bool:  # type: ignore[no-untyped-def]
    async def before(pilot):  # type: ignore[no-untyped-def]
        await sign_in(pilot)
        await steps(pilot)
        await _settle(pilot)

    return snap_compare(make_kiosk(locale=locale), terminal_size=size, run_before=before)


def test_document_step(snap_compare, make_kiosk, size):
    async def steps(pilot):  # type: ignore[no-untyped-def]
        await open_wizard(pilot, UNREGISTERED)

    assert _shot(snap_compare, make_kiosk, steps, size)


def test_no_card(snap_compare, make_kiosk, size):
    async def steps(pilot):  # type: ignore[no-untyped-def]
        await open_wizard(pilot, None)

    assert _shot(snap_compare, make_kiosk, steps, size)


def test_batch_registered_refused(snap_compare, make_kiosk, size):
    async def steps(pilot):  # type: ignore[no-untyped-def]
        await open_wizard(pilot, BATCH)

    assert _shot(snap_compare, make_kiosk, steps, size)


def test_password_step_with_errors(snap_compare, make_kiosk, size):
    async def steps(pilot):  # type: ignore[no-untyped-def]
        screen = await open_wizard(pilot, UNREGISTERED)
        # A space stops the step with the seed's rule; both fields are cleared for typing again.
        await pilot.press("1", *"Ab 1x@yz9", "enter", *"Ab 1x@yz9", "enter")
        await wait_until(pilot, lambda: "password" in screen._notes and pilot.app.focused.id == "password"
                         and not screen.query_one("#password").value)

    assert _shot(snap_compare, make_kiosk, steps, size)


def test_contact_step_with_warning_and_error(snap_compare, make_kiosk, size):
    async def steps(pilot):  # type: ignore[no-untyped-def]
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_contact(pilot, StaffKeys(pilot))
        await pilot.press("enter", *"dawen@hotmail.com", "enter", *"27065866", "enter")
        await wait_until(pilot, lambda: "landline" in screen._notes)

    assert _shot(snap_compare, make_kiosk, steps, size)


def test_review_step(snap_compare, make_kiosk, size):
    async def steps(pilot):  # type: ignore[no-untyped-def]
        await open_wizard(pilot, UNREGISTERED)
        await to_review(pilot, StaffKeys(pilot), email="dawen@hotmail.com")

    assert _shot(snap_compare, make_kiosk, steps, size)


def test_review_step_en(snap_compare, make_kiosk, size):
    async def steps(pilot):  # type: ignore[no-untyped-def]
        await open_wizard(pilot, UNREGISTERED)
        await to_review(pilot, StaffKeys(pilot), email="dawen@hotmail.com")

    assert _shot(snap_compare, make_kiosk, steps, size, locale="en")


def test_done_step(snap_compare, make_kiosk, size):
    async def steps(pilot):  # type: ignore[no-untyped-def]
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_review(pilot, StaffKeys(pilot))
        await pilot.press("f10")
        await wait_until(pilot, lambda: screen.step == "done")
        await wait_until(pilot, lambda: pilot.app.card.result is not None and not pilot.app.card.reading)
        await wait_until(pilot, lambda: bool(pilot.app.equipment.printer.jobs) and pilot.app.queued_jobs == 0)

    assert _shot(snap_compare, make_kiosk, steps, size)
