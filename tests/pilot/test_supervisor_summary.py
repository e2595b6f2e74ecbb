"""每日統計 driven with keys: refusals and look-ups apart from services done, every action named in
the screen's language, the printed summary holding exactly the rows on screen, usable at 80x24."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text

from data.audit import append_audit
from data.print_jobs import get_job
from kiosk.screens.audit import AuditScreen
from kiosk.screens.audit_summary import DailySummaryScreen
from tests.conftest import FROZEN_AT, TERMINAL, sign_in, wait_until

SMALL = (80, 24)


def seed_day(store) -> None:  # type: ignore[no-untyped-def]
    """This morning: one deregistration found by typed ID, two refused password resets, a sign-in."""
    at = FROZEN_AT - timedelta(hours=2)
    for action, outcome, detail in (
        ("login", "ok", None),
        ("lookup", "ok", {"service": "deregister", "by": "typed_id"}),
        ("deregister", "ok", {"reason": "own_request", "card_revoked": False}),
        ("reset_password", "refused", {"state": "deregistered"}),
        ("reset_password", "refused", {"state": "deregistered"}),
    ):
        append_audit(store, at=at, staff_no="S001", role="clerk", counter="01", action=action,
                     subject="A123****89 甄○康", outcome=outcome, detail=detail)


async def _open_summary(pilot) -> DailySummaryScreen:  # type: ignore[no-untyped-def]
    await sign_in(pilot, "S900", "9999")
    await pilot.press("f12")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AuditScreen) and bool(pilot.app.screen.entries))
    await pilot.press("f6")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DailySummaryScreen)
                     and pilot.app.screen.counts is not None)
    await pilot.pause()
    return pilot.app.screen


def _cells(screen: DailySummaryScreen) -> list[list[str]]:
    table = screen.query_one("#summary-table")
    return [[c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def _row(screen: DailySummaryScreen, staff: str, label: str) -> list[str]:
    return next(r[2:] for r in _cells(screen) if r[0] == staff and r[1] == label)


async def test_refusals_and_lookups_are_not_services_done(make_kiosk):
    app = make_kiosk()
    seed_day(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open_summary(pilot)
        # columns: done, refused, failed, look-ups
        assert _row(screen, "S001", "註冊停用") == ["1", "0", "0", "1"]
        assert _row(screen, "S001", "忘記註冊密碼") == ["0", "2", "0", "0"]
        assert _row(screen, "S001", "小計") == ["1", "2", "0", "1"]
        assert _row(screen, "", "服務合計") == ["1", "2", "0", "1"]
        assert _row(screen, "S001", "登入") == ["1", "0", "0", "0"]  # listed, not a service
        line = str(screen.query_one("#service-citizen").render())
        assert "完成服務 1 件" in line and "拒絕 2 件" in line and "查詢 1 次" in line


async def test_every_action_is_translated_in_both_languages(make_kiosk):
    app = make_kiosk()
    seed_day(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open_summary(pilot)
        labels = {r[1] for r in _cells(screen)}
        assert "lookup" not in labels and not any(label.isascii() and "_" in label for label in labels)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: any(r[1] == "Deregistration" for r in _cells(screen)))
        labels = {r[1] for r in _cells(screen)}
        assert {"Sign-in", "Password reset", "Services total"} <= labels
        assert not any("_" in label for label in labels)


async def test_the_printed_summary_holds_exactly_the_rows_on_screen(make_kiosk):
    app = make_kiosk()
    seed_day(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open_summary(pilot)
        shown = [(f"{r[0]} {r[1]}".strip(), "／".join(n for n in r[2:] if n)) for r in _cells(screen)]
        await pilot.press("f9")
        await wait_until(pilot, lambda: "已送出" in str(screen.query_one("#service-message").render()))
        job = _last_job(app)
        printed = [tuple(line.split("：", 1)) for line in job.preview_text.splitlines() if "：" in line]
        start = printed.index(("員工 作業", "完成／拒絕／失敗／查詢"))
        end = next(i for i, (label, _) in enumerate(printed) if label == "列印失敗")
        assert printed[start + 1:end] == shown
        assert "主管核閱簽章" in job.preview_text


def _last_job(app):  # type: ignore[no-untyped-def]
    row = app.equipment.store.one("SELECT id FROM print_jobs WHERE kind = 'daily_summary' ORDER BY id DESC LIMIT 1")
    return get_job(app.equipment.store, int(row[0])) if row else None


async def test_summary_is_whole_at_80x24_in_both_languages(make_kiosk):
    app = make_kiosk()
    seed_day(app.equipment.store)
    async with app.run_test(size=SMALL) as pilot:
        screen = await _open_summary(pilot)
        for then in ("Services total", "服務合計"):
            table = screen.query_one("#summary-table")
            widths = [col.get_render_width(table) for col in table.columns.values()]
            assert len(widths) == 6
            assert sum(widths) <= table.scrollable_content_region.width
            assert table.region.right <= SMALL[0] and table.region.height >= 5
            for key in ("#summary-day", "KeyBar", "StatusBar"):
                widget = screen.query_one(key)
                assert widget.region.height and widget.region.bottom <= SMALL[1]
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda label=then: any(r[1] == label for r in _cells(screen)))
            await pilot.pause()
