"""The supervisor's audit screens driven with keys: refusal for clerks, viewer, filters, paging,
detail, export, integrity check (intact and tampered), daily summary."""

from __future__ import annotations

import csv
import sqlite3
from datetime import timedelta
from pathlib import Path

from data.audit import append_audit, count_audit, query_audit
from kiosk.screens.audit import AuditScreen
from kiosk.screens.audit_dialogs import ExportPathScreen
from kiosk.screens.audit_summary import DailySummaryScreen
from kiosk.screens.main import MainScreen
from kiosk.screens.staff_admin import StaffAdminScreen
from tests.conftest import FROZEN_AT, TERMINAL, sign_in, wait_until

IDS = ["F223456786", "K128765433", "A123456789"]
ACTIONS = ["register", "deregister", "unlock"]


def seed(store, n: int = 60) -> None:  # type: ignore[no-untyped-def]
    """``n`` entries over the two days before the frozen clock: staff S00k, actions and IDs in turn."""
    start = FROZEN_AT - timedelta(days=2)
    for i in range(n):
        nid = IDS[i % 3]
        append_audit(store, at=start + timedelta(minutes=45 * i), staff_no=f"S00{i % 4}", role="clerk",
                     counter="01", action=ACTIONS[i % 3], subject=f"{nid[:4]}****{nid[-2:]}",
                     outcome="refused" if i % 10 == 9 else "ok", detail={"i": i}, subject_id=nid)


def _message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#service-message").render())


def _denials(app) -> list[dict]:  # type: ignore[no-untyped-def]
    return [e.detail for e in query_audit(app.equipment.store, action="permission_denied", limit=20)]


async def _open_viewer(pilot) -> AuditScreen:  # type: ignore[no-untyped-def]
    await sign_in(pilot, "S900", "9999")
    await pilot.press("f12")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AuditScreen) and bool(pilot.app.screen.entries))
    return pilot.app.screen


async def test_clerk_is_refused_by_the_menu_keys_and_it_is_audited(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)  # S001, a clerk
        await pilot.press("f12")
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        denied = _denials(app)
        assert {"service": "audit"} in denied and {"service": "staff_admin"} in denied
        entry = query_audit(app.equipment.store, action="permission_denied", limit=1)[0]
        assert entry.staff_no == "S001" and entry.outcome == "refused"


async def test_screens_refuse_a_clerk_who_reaches_them_another_way(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        for screen, service in ((AuditScreen(), "audit"), (StaffAdminScreen(), "staff_admin"),
                                (DailySummaryScreen(), "audit_summary")):
            before = len(_denials(app))
            app.push_screen(screen)
            await wait_until(pilot, lambda n=before: isinstance(app.screen, MainScreen) and len(_denials(app)) > n)
            assert _denials(app)[0] == {"service": service}
        # Nothing was shown: no page of the log was loaded for the clerk.
        assert not any(e.action == "audit_search" for e in query_audit(app.equipment.store, limit=50))


async def test_viewer_pages_newest_first_with_page_down_and_up(make_kiosk):
    app = make_kiosk()
    seed(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open_viewer(pilot)
        total = count_audit(app.equipment.store)
        first = [e.seq for e in screen.entries]
        assert first[0] == total  # the supervisor's own sign-in, newest
        assert first == list(range(total, total - len(first), -1))
        assert len(first) == screen.page_size and 15 <= screen.page_size <= 30
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: screen.entries and screen.entries[0].seq == first[-1] - 1)
        assert "第 2 頁" in str(screen.query_one("#audit-page").render())
        await pilot.press("pagedown", "pagedown")
        await wait_until(pilot, lambda: screen.entries[-1].seq == 1)
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: "最後一頁" in _message(app))
        await pilot.press("pageup", "pageup", "pageup")
        await wait_until(pilot, lambda: [e.seq for e in screen.entries] == first)


async def test_filters_by_staff_action_outcome_dates_and_citizen_id(make_kiosk):
    app = make_kiosk()
    seed(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open_viewer(pilot)

        async def apply(**values: str) -> None:
            for name in ("since", "until", "staff_no", "national_id"):
                screen.query_one(f"#f-{name}").value = values.get(name, "")
            for name in ("action", "outcome"):
                if values.get(name):
                    screen.query_one(f"#f-{name}").value = values[name]
                else:
                    screen.query_one(f"#f-{name}").clear()
            screen.query_one("#f-since").focus()
            await pilot.press("enter")
            await pilot.pause()
            await wait_until(pilot, lambda: screen.shown_request == screen._request)

        await apply(staff_no="s001", action="deregister")
        assert screen.entries and all(e.staff_no == "S001" and e.action == "deregister" for e in screen.entries)
        await apply(outcome="refused")
        assert {e.detail["i"] for e in screen.entries} == {9, 19, 29, 39, 49, 59}
        # The seeded entries run from 115-11-20 10:30 every 45 minutes; 115-11-21 alone is 32 of them.
        await apply(since="115-11-21", until="115/11/21")
        assert len(screen.entries) == screen.page_size and screen._has_more
        assert all(e.at.date().isoformat() == "2026-11-21" for e in screen.entries)
        await apply(national_id="k128765433")
        assert screen.entries and all(e.subject.startswith("K128") for e in screen.entries[1:])
        # Looking a citizen up is itself recorded, with the ID masked, and shows up first.
        assert screen.entries[0].action == "audit_search" and screen.entries[0].subject == "K128****33"
        await apply(national_id="K128765434")
        assert "檢查碼" in _message(app)
        assert screen.query_one("#f-national_id").has_focus
        await apply(since="115-13-01")
        assert "無法辨識" in _message(app) and screen.query_one("#f-since").has_focus
        await pilot.press("f3")
        await wait_until(pilot, lambda: screen.entries and screen.entries[0].seq == count_audit(app.equipment.store))


async def test_detail_pane_follows_the_highlighted_entry(make_kiosk):
    app = make_kiosk()
    seed(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open_viewer(pilot)
        await pilot.press("down", "down")
        await pilot.pause()
        entry = screen.entries[2]
        text = str(screen.query_one("#audit-detail-text").render())
        for part in (str(entry.seq), entry.hash[:16], entry.prev_hash[:16], entry.subject, "i：", "櫃檯人員"):
            assert part in text
        assert entry.hash[:17] not in text  # a prefix, not the whole hash


async def test_export_from_the_screen_writes_the_filtered_csv_and_is_audited(make_kiosk, tmp_path: Path):
    app = make_kiosk()
    seed(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open_viewer(pilot)
        screen.query_one("#f-action").value = "unlock"
        await wait_until(pilot, lambda: screen.filter.action == "unlock")
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportPathScreen))
        field = app.screen.query_one("#export-path")
        assert field.value.startswith(str(tmp_path / "exports" / "audit-20261122-1030"))
        field.value = str(tmp_path / "out" / "unlocks.csv")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "已匯出" in _message(app))
        raw = (tmp_path / "out" / "unlocks.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
        assert rows[0][0] == "seq 序號" and len(rows) == 1 + 20
        assert {r[6] for r in rows[1:]} == {"unlock"}
        assert "A123456789" not in raw.decode("utf-8-sig")
        entry = query_audit(app.equipment.store, action="audit_export", limit=1)[0]
        assert entry.staff_no == "S900" and entry.detail == {"action": "unlock", "file": "unlocks.csv", "rows": 20}


def _tamper(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute(sql)
    conn.close()


async def test_integrity_check_intact_then_tampered_shows_the_first_bad_entry(make_kiosk, db_path: Path):
    app = make_kiosk()
    seed(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open_viewer(pilot)
        await pilot.press("f5")
        await wait_until(pilot, lambda: "完整" in _message(app))
        assert not screen.query_one("#audit-progress").has_class("running")
        checked = query_audit(app.equipment.store, action="audit_verify", limit=1)[0]
        assert checked.outcome == "ok" and checked.detail["first_bad_seq"] is None

        _tamper(db_path, "UPDATE audit_log SET outcome = 'ok' WHERE seq = 20")
        await pilot.press("f5")
        await wait_until(pilot, lambda: "竄改" in _message(app))
        assert "第 20 筆" in _message(app) and "其前 19 筆無誤" in _message(app)
        await wait_until(pilot, lambda: screen.entries and screen.entries[0].seq == 20)
        assert "20" in str(screen.query_one("#audit-detail-text").render())
        broken = query_audit(app.equipment.store, action="audit_verify", limit=1)[0]
        assert broken.outcome == "broken" and broken.detail["first_bad_seq"] == 20


async def test_daily_summary_on_screen_and_printed(make_kiosk):
    app = make_kiosk()
    seed(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        await _open_viewer(pilot)
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, DailySummaryScreen) and app.screen.counts)
        screen = app.screen
        # 115-11-22 before 10:30: the seeded entries from 00:00 on, plus today's sign-in.
        today = screen.counts
        assert "S900" in today.staff and today.staff_total("S900").done == 0  # a sign-in is not a service
        assert today.total == sum(r.done for r in today.services)
        screen.query_one("#summary-day").value = "115-11-21"
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.counts.day.isoformat() == "2026-11-21")
        totals = screen.counts.totals
        assert totals.done + totals.refused == 32 and totals.refused in (3, 4)
        assert any(r.staff_no == "S000" and r.action == "register" and r.done in (2, 3) for r in screen.counts.rows)
        assert f"完成服務 {totals.done} 件" in str(screen.query_one("#service-citizen").render())
        await pilot.press("f9")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 1)
        printed = query_audit(app.equipment.store, action="daily_summary_print", limit=1)[0]
        assert printed.detail["day"] == "2026-11-21" and printed.detail["total"] == totals.done
