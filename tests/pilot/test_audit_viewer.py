"""The audit viewer (F12) as a supervisor meets it: actions picked from the translated list, every
outcome, staff label, action and detail in the screen's language, no cut names, the filters on a
documented key, and the whole screen usable at 80x24."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.cells import cell_len
from rich.text import Text

from data.audit import append_audit
from data.audit_summary import KNOWN_ACTIONS
from kiosk.screens.audit import AuditScreen
from tests.conftest import FROZEN_AT, TERMINAL, sign_in, wait_until
from widgets.key_bar import KeyBar

SMALL = (80, 24)


def seed(store) -> None:  # type: ignore[no-untyped-def]
    at = FROZEN_AT - timedelta(hours=1)
    for i, (action, outcome, detail) in enumerate((
        ("deregister", "ok", {"reason": "own_request", "card_revoked": False, "devices_disabled": 1}),
        ("virtual_card_revoked", "ok", None),
        ("reset_password", "refused", {"state": "deregistered"}),
        ("lookup", "ok", {"service": "deregister", "by": "typed_id"}),
        ("authorization_cancelled", "ok", None),
        ("deregister", "refused", {"state": "deregistered"}),
    )):
        append_audit(store, at=at + timedelta(minutes=i), staff_no="S001", role="clerk", counter="01", action=action,
                     subject="A123****89 甄○康", outcome=outcome, detail=detail)
    append_audit(store, at=at + timedelta(minutes=9), staff_no="S900", role="supervisor", counter="01",
                 action="staff_unlock", subject="staff S001", outcome="ok", detail={"target": "S001"})


async def _open(pilot) -> AuditScreen:  # type: ignore[no-untyped-def]
    await sign_in(pilot, "S900", "9999")
    await pilot.press("f12")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AuditScreen) and bool(pilot.app.screen.entries))
    await pilot.pause()
    return pilot.app.screen


def _cells(screen: AuditScreen) -> list[list[str]]:
    table = screen.query_one("#audit-table")
    return [[c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def _labels(screen: AuditScreen) -> list[str]:
    return [str(col.label) for col in screen.query_one("#audit-table").columns.values()]


def _column(screen: AuditScreen, name: str) -> list[str]:
    index = _labels(screen).index(name)
    return [row[index] for row in _cells(screen)]


async def test_action_filter_is_picked_from_translated_names_with_keys(make_kiosk):
    app = make_kiosk()
    seed(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        choice = screen.query_one("#f-action")
        options = [str(label) for label, _ in choice._options]
        assert "註冊停用" in options and "輸入身分證號查詢民眾" in options
        assert not any(label in KNOWN_ACTIONS for label in options)  # no internal code offered
        await pilot.press("f2")
        await wait_until(pilot, lambda: screen.query_one("#f-since").has_focus)
        await pilot.press("tab", "tab", "tab")
        await wait_until(pilot, lambda: choice.has_focus)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*["down"] * (KNOWN_ACTIONS.index("deregister") + 1), "enter")
        await wait_until(pilot, lambda: screen.filter.action == "deregister"
                         and screen.shown_request == screen._request)
        assert len(screen.entries) == 2 and all(e.action == "deregister" for e in screen.entries)
        assert "註冊停用" in str(screen.query_one("#service-citizen").render())


async def test_outcomes_staff_actions_and_details_are_translated(make_kiosk):
    app = make_kiosk()
    seed(app.equipment.store)
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        cells = {c for row in _cells(screen) for c in row}
        assert {"完成", "拒絕", "人員 S001", "輸入身分證號查詢民眾"} <= cells
        assert not {"ok", "refused", "staff S001", "lookup"} & cells
        table = screen.query_one("#audit-table")
        table.move_cursor(row=next(i for i, e in enumerate(screen.entries) if e.action == "deregister"
                                   and e.outcome == "ok"))
        await pilot.pause()
        text = str(screen.query_one("#audit-detail-text").render())
        assert "註銷虛擬健保卡：否" in text and "停用裝置數：1" in text and "結果：完成" in text
        assert "card_revoked" not in text and "False" not in text
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: "Done" in {c for row in _cells(screen) for c in row})
        cells = {c for row in _cells(screen) for c in row}
        assert {"Refused", "staff S001", "Citizen looked up by ID"} <= cells and "lookup" not in cells
        text = str(screen.query_one("#audit-detail-text").render())
        assert "Virtual card revoked: no" in text


@pytest.mark.parametrize("size", [TERMINAL, SMALL])
async def test_action_names_are_never_cut(make_kiosk, size):
    app = make_kiosk()
    seed(app.equipment.store)
    async with app.run_test(size=size) as pilot:
        screen = await _open(pilot)
        for name, then, whole in (("作業", "Action", {"註銷虛擬健保卡", "取消授權"}),
                                  ("Action", "作業", {"Virtual card revoked", "Deregistration"})):
            table = screen.query_one("#audit-table")
            columns = list(table.columns.values())
            index = _labels(screen).index(name)
            assert whole <= set(_column(screen, name))
            assert columns[index].get_render_width(table) >= max(cell_len(v) for v in _column(screen, name)) + 2
            # the column is on screen, not scrolled off to the right
            assert sum(c.get_render_width(table) for c in columns[:index + 1]) <= table.scrollable_content_region.width
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda label=then: label in _labels(screen))


async def test_filters_have_a_documented_key(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        bar = screen.query_one(KeyBar)
        assert ("f2", "篩選條件") in bar.keys
        await pilot.press("f2")
        await wait_until(pilot, lambda: screen.query_one("#f-since").has_focus)
        assert ("f2", "回到紀錄") in bar.keys and ("enter", "篩選") in bar.keys
        await pilot.press("f2")
        await wait_until(pilot, lambda: screen.query_one("#audit-table").has_focus)


async def test_empty_filters_show_examples_not_values_in_english(make_kiosk):
    """An empty filter's placeholder must read as an example (例 / e.g.), never as a filter already set:
    an English supervisor saw "115-11-01", "115-11-22" and "S001" and took them for active filters."""
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: screen.query_one("#f-since").border_title == "From (ROC)")
        for name in ("since", "until", "staff_no"):
            assert screen.query_one(f"#f-{name}").placeholder.startswith("e.g. "), name


async def test_viewer_is_whole_at_80x24(make_kiosk):
    app = make_kiosk()
    seed(app.equipment.store)
    async with app.run_test(size=SMALL) as pilot:
        screen = await _open(pilot)
        for name in ("since", "until", "staff_no", "action", "outcome", "national_id"):
            region = screen.query_one(f"#f-{name}").region
            assert region.width >= 12 and region.right <= SMALL[0] and region.bottom <= SMALL[1] - 4, name
        table = screen.query_one("#audit-table")
        assert table.region.height >= 6
        for then in ("Action", "作業"):
            for name in ("since", "until", "staff_no", "national_id"):
                field = screen.query_one(f"#f-{name}")
                assert field.region.width >= cell_len(str(field.border_title)) + 6, name  # title not cut
            assert sum(c.get_render_width(table) for c in list(table.columns.values())[:4]) \
                <= table.scrollable_content_region.width  # time, staff, action, outcome all shown
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda label=then: label in _labels(screen))
        # Enter shows the entry's detail in the table's place, Enter again goes back.
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.query_one("#audit-detail").region.height >= 6)
        assert "S900" in str(screen.query_one("#audit-detail-text").render())
        await pilot.press("enter")
        await wait_until(pilot, lambda: table.has_focus and table.region.height >= 6)
