"""Drive 虛擬健保卡授權 (F11): list, cancel one (confirmed, audited, printed), refusals."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import DataTable

from data import authorizations as auth_repo
from data.audit import query_audit, verify_chain
from data.demo import DEMO_CITIZENS
from data.print_jobs import last_sent_job
from kiosk.core.models import AuthorizationState
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.authorizations import AuthorizationsScreen
from kiosk.screens.confirm import ConfirmScreen
from tests.conftest import TERMINAL, sign_in, wait_until

BY_ID = {c.national_id: c for c in DEMO_CITIZENS}


def _message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#service-message").render())


def _rows(app) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#auth-granted", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def _states(app) -> dict[str, AuthorizationState]:  # type: ignore[no-untyped-def]
    return {a.code: a.state for a in auth_repo.list_granted(app.equipment.store, "F223456786")}


async def _open(pilot, national_id: str) -> AuthorizationsScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await sign_in(pilot)
    app.equipment.reader.insert(VirtualNhiCard.from_citizen(BY_ID[national_id]))
    await wait_until(pilot, lambda: app.card.result is not None)
    await pilot.press("f11")
    await wait_until(pilot, lambda: isinstance(app.screen, AuthorizationsScreen)
                     and app.screen.view is not None)
    return app.screen


async def test_list_masks_grantees_and_shows_roc_ranges(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "F223456786")
        rows = _rows(app)
        assert ["735024", "S224****95", "115-09-23 ～ 116-03-22", "已取消"] in rows
        assert ["482913", "K128****33", "115-09-23 ～ 116-09-23", "授權中"] in rows
        assert "K128765433" not in str(rows)


async def test_cancel_one_authorization(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "F223456786")
        # The cursor starts on the active one.
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "482913" in app.screen.question and "K128****33" in app.screen.question
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 1)
        await wait_until(pilot, lambda: "已取消授權碼 482913" in _message(app))
        assert _states(app)["482913"] is AuthorizationState.CANCELLED
        entries = [e for e in query_audit(app.equipment.store, limit=50) if e.action == "authorization_cancelled"]
        assert len(entries) == 1 and entries[0].detail["grantee"] == "K128****33"
        assert last_sent_job(app.equipment.store, kind="authorization_cancelled") is not None
        assert verify_chain(app.equipment.store).ok
        row = ["482913", "K128****33", "115-09-23 ～ 116-09-23", "已取消"]
        await wait_until(pilot, lambda: row in _rows(app))


async def test_cancel_declined(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "F223456786")
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: "未取消" in _message(app))
        assert _states(app)["482913"] is AuthorizationState.ACTIVE
        assert app.equipment.printer.jobs == []


async def test_already_cancelled_is_not_offered(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "F223456786")
        table = app.screen.query_one("#auth-granted", DataTable)
        cancelled_row = next(i for i, row in enumerate(_rows(app)) if row[0] == "735024")
        table.move_cursor(row=cancelled_row)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, AuthorizationsScreen)
        assert "已取消" in _message(app)


async def test_grantee_sees_received_only(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "K128765433")
        assert not app.screen.query_one("#auth-granted", DataTable).display
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#auth-received").content)
        received = console.export_text()
        assert "F223****86" in received and "482913" in received and "F223456786" not in received
        await pilot.press("c")
        assert "沒有授權他人" in _message(app)
        assert app.equipment.printer.jobs == []


async def test_without_card(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("f11")
        await wait_until(pilot, lambda: isinstance(app.screen, AuthorizationsScreen))
        await pilot.press("c")
        assert "請插入" in _message(app)
