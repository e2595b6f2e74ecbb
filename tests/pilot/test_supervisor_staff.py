"""Staff management (Ctrl+U) driven with keys: add, disable/enable, reset PIN, role, unlock,
and the supervisor who tries to disable or demote themselves."""

from __future__ import annotations

from data import staff as staff_repo
from data.audit import query_audit, verify_chain
from kiosk.core.models import Role
from kiosk.core.secrets_hash import verify_secret
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.staff_admin import StaffAdminScreen
from kiosk.screens.staff_admin_forms import AddStaffScreen, PinScreen
from tests.conftest import TERMINAL, sign_in, wait_until


def _message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#service-message").render())


def _last(app, action: str):  # type: ignore[no-untyped-def]
    return query_audit(app.equipment.store, action=action, limit=1)[0]


async def _open(pilot) -> StaffAdminScreen:  # type: ignore[no-untyped-def]
    await sign_in(pilot, "S900", "9999")
    await pilot.press("ctrl+u")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, StaffAdminScreen) and bool(pilot.app.screen.staff))
    return pilot.app.screen


async def _select(pilot, screen: StaffAdminScreen, staff_no: str) -> None:  # type: ignore[no-untyped-def]
    row = [s.staff_no for s in screen.staff].index(staff_no)
    screen.query_one("#staff-table").move_cursor(row=row)
    await pilot.pause()


async def test_add_a_clerk_with_the_pin_typed_twice(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, AddStaffScreen))
        form = app.screen
        await pilot.press(*"s002", "enter", "tab")  # Enter moves on; the role stays 櫃檯人員
        form.query_one("#name").value = "王小明"
        form.query_one("#pin").focus()
        await pilot.press(*"2468", "enter", *"2469", "enter")
        await wait_until(pilot, lambda: "不一致" in str(form.query_one("#form-error").render()))
        assert form.query_one("#pin2").value == "" and form.query_one("#pin2").has_focus
        assert form.query_one("#pin").password and form.query_one("#pin2").password
        await pilot.press(*"2468", "enter")
        await wait_until(pilot, lambda: "已新增" in _message(app) and len(screen.staff) == 3)
        added = staff_repo.get_staff(app.equipment.store, "S002")
        assert added is not None and added.name == "王小明" and added.role is Role.CLERK
        assert verify_secret("2468", staff_repo.get_pin_hash(app.equipment.store, "S002") or "")
        entry = _last(app, "staff_add")
        assert (entry.staff_no, entry.subject, entry.detail) == ("S900", "staff S002",
                                                                 {"target": "S002", "role": "clerk"})
        assert "2468" not in str(entry.detail)


async def test_enter_on_the_role_field_moves_on_and_no_key_is_lost(make_kiosk):
    """Issue 12 item 16: Enter on 角色 moves to the PIN (it does not open the list), and the PIN typed
    next lands in the PIN field; the arrow keys still change the role."""
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, AddStaffScreen))
        form = app.screen
        await pilot.press(*"s003", "enter", *"Lin", "enter")
        assert form.query_one("#role").has_focus
        await pilot.press("down")  # the list opens; Down, Enter picks 主管
        await wait_until(pilot, lambda: form.query_one("#role").expanded)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: not form.query_one("#role").expanded)
        assert form.query_one("#role").value == "supervisor" and form.query_one("#role").has_focus
        await pilot.press("enter", *"1357")
        assert form.query_one("#pin").value == "1357" and form.query_one("#pin").has_focus
        await pilot.press("enter", *"1357", "enter")
        await wait_until(pilot, lambda: len(screen.staff) == 3)
        added = staff_repo.get_staff(app.equipment.store, "S003")
        assert added is not None and added.role is Role.SUPERVISOR
        assert verify_secret("1357", staff_repo.get_pin_hash(app.equipment.store, "S003") or "")


async def test_disable_enable_reset_pin_role_and_unlock_are_each_audited(make_kiosk):
    app = make_kiosk()
    for _ in range(5):
        staff_repo.record_login_failure(app.equipment.store, "S001", 5)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        await _select(pilot, screen, "S001")
        assert "鎖定" in str(screen.query_one("#staff-table").get_row_at(0)[3])

        await pilot.press("f6")
        await wait_until(pilot, lambda: "已解除" in _message(app))
        assert not staff_repo.get_staff(app.equipment.store, "S001").locked
        assert _last(app, "staff_unlock").detail == {"target": "S001", "failures": 5}

        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # declined: nothing changes
        await pilot.pause()
        assert staff_repo.get_staff(app.equipment.store, "S001").enabled
        await pilot.press("f3", "y")
        await wait_until(pilot, lambda: "已停用" in _message(app))
        assert not staff_repo.get_staff(app.equipment.store, "S001").enabled
        await pilot.press("f3")  # enabling needs no confirmation: nothing is lost
        await wait_until(pilot, lambda: "已啟用" in _message(app))
        assert staff_repo.get_staff(app.equipment.store, "S001").enabled

        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, PinScreen))
        await pilot.press(*"8642", "enter", *"8642", "enter")
        await wait_until(pilot, lambda: "已重設" in _message(app))
        assert verify_secret("8642", staff_repo.get_pin_hash(app.equipment.store, "S001") or "")

        await pilot.press("f5", "y")
        await wait_until(pilot, lambda: "角色" in _message(app))
        assert staff_repo.get_staff(app.equipment.store, "S001").role is Role.SUPERVISOR
        assert _last(app, "staff_role").detail == {"target": "S001", "role_from": "clerk",
                                                   "role_to": "supervisor"}
        actions = [e.action for e in query_audit(app.equipment.store, limit=8) if e.staff_no == "S900"]
        for action in ("staff_unlock", "staff_disable", "staff_enable", "staff_reset_pin", "staff_role"):
            assert action in actions
        assert verify_chain(app.equipment.store.path).ok


async def test_a_supervisor_cannot_disable_or_demote_themselves(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        await _select(pilot, screen, "S900")
        await pilot.press("f3")
        await wait_until(pilot, lambda: "不能停用自己" in _message(app))
        assert "另一位主管" in _message(app)  # says why, and what to do
        await pilot.press("f5")
        await wait_until(pilot, lambda: "不能取消自己的主管權限" in _message(app))
        me = staff_repo.get_staff(app.equipment.store, "S900")
        assert me.enabled and me.role is Role.SUPERVISOR
        refusals = [(e.action, e.outcome, e.detail["reason"]) for e in query_audit(app.equipment.store, limit=3)
                    if e.outcome == "refused"]
        assert ("staff_disable", "refused", "own account") in refusals
        assert ("staff_role", "refused", "own account") in refusals


async def test_english_labels(make_kiosk):
    app = make_kiosk(locale="en")
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        row = screen.query_one("#staff-table").get_row_at(1)
        assert "(you)" in str(row[1]) and str(row[2]) == "supervisor"
