"""產生裝置認證碼 (F9) driven with keys: issue, regenerate, restart, clearing, refusal; DB, audit, paper."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import zxingcpp

from data import codes as codes_repo
from data.audit import query_audit, verify_chain
from data.demo import DEMO_CITIZENS
from kiosk.core.errors import KioskError
from kiosk.core.models import CodeState
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.device_code import DeviceCodeScreen
from printing.preview import preview_image
from tests.conftest import TERMINAL, settle, sign_in, wait_until
from widgets.qr_view import QrView, half_block_lines, qr_matrix

BY_ID = {c.national_id: c for c in DEMO_CITIZENS}
LIN, WANG = BY_ID["F223456786"], BY_ID["B120000008"]


def _message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#service-message").render())


def _stored(app, citizen=LIN):  # type: ignore[no-untyped-def]
    return codes_repo.current_code(app.equipment.store, citizen.national_id, app.equipment.clock.now())


def _issued(app) -> list:  # type: ignore[no-untyped-def]
    return query_audit(app.equipment.store, action="device_code_issued", limit=100)


def _printed_code(payload: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(preview_image(payload).convert("L"))]


async def _card(pilot, citizen=LIN) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    app.equipment.reader.insert(VirtualNhiCard.from_citizen(citizen))
    await wait_until(pilot, lambda: app.card.result is not None)


async def _f9(pilot) -> DeviceCodeScreen:  # type: ignore[no-untyped-def]
    await pilot.press("f9")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DeviceCodeScreen)
                     and (pilot.app.screen.code is not None or bool(_message(pilot.app))))
    return pilot.app.screen


async def _f9_issue(pilot) -> DeviceCodeScreen:  # type: ignore[no-untyped-def]
    """F9, then G: opening shows; only G issues."""
    screen = await _f9(pilot)
    await pilot.press("g")
    await wait_until(pilot, lambda: screen.code is not None)
    return screen


async def test_card_f9_g_shows_and_prints_the_code(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot)
        screen = await _f9_issue(pilot)
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 1)
        stored = _stored(app)
        assert stored is not None and screen.code == stored
        qr = screen.query_one(QrView)
        assert qr.payload == stored.code and qr.lines == half_block_lines(qr_matrix(stored.code))
        assert str(screen.query_one("#code-plain").render()) == "  ".join(stored.code)
        assert "民國115年11月22日 10:40:00" in str(screen.query_one("#code-expiry").render())
        assert "請使用手機讀取QR-Code中之裝置認證碼" in str(screen.query_one("#code-way-qr").render())
        assert _printed_code(app.equipment.printer.jobs[0]) == [stored.code]
        (entry,) = _issued(app)
        assert entry.outcome == "ok" and stored.code not in str(entry.detail)
        assert verify_chain(app.equipment.store).ok


async def test_g_issues_a_new_code_and_voids_the_old(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot)
        screen = await _f9_issue(pilot)
        old = screen.code
        await pilot.press("g")  # a valid code exists: G asks before voiding it
        await wait_until(pilot, lambda: app.screen is not screen)
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.code is not None and screen.code.id != old.id)
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 2)
        assert _stored(app) == screen.code and screen.code.code != old.code
        assert "前一組認證碼已作廢" in _message(app)
        with pytest.raises(KioskError, match="作廢"):
            codes_repo.redeem_code(app.equipment.store, LIN.national_id, old.code, app.equipment.clock.now())
        assert _printed_code(app.equipment.printer.jobs[1]) == [screen.code.code]
        assert [e.detail["voided_previous"] for e in _issued(app)] == [True, False]


async def test_a_code_survives_a_restart_and_is_not_reissued(make_kiosk):
    first = make_kiosk()
    async with first.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot)
        code = (await _f9_issue(pilot)).code
    again = make_kiosk()  # same database file
    async with again.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot)
        screen = await _f9(pilot)
        assert screen.code == code and screen.query_one(QrView).payload == code.code
        assert "已有有效的裝置認證碼" in _message(again)
        assert len(_issued(again)) == 1 and again.equipment.printer.jobs == []
        await pilot.press("p")  # reprint the same code
        await wait_until(pilot, lambda: len(again.equipment.printer.jobs) == 1)
        assert _printed_code(again.equipment.printer.jobs[0]) == [code.code]
        assert len(query_audit(again.equipment.store, action="device_code_printed")) == 1


async def test_an_expired_code_is_never_shown_as_valid(make_kiosk, clock):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot)
        old = (await _f9_issue(pilot)).code
        await pilot.press("escape")
        clock.advance(timedelta(minutes=10))
        screen = await _f9(pilot)  # reopening shows the dead code's state, never the code itself
        await wait_until(pilot, lambda: "已逾期" in _message(app))
        assert screen.code is None and len(_issued(app)) == 1
        await pilot.press("g")
        await wait_until(pilot, lambda: screen.code is not None)
        assert screen.code.id != old.id and "前一組認證碼已逾期" in _message(app)
        # A card re-inserted while the screen is open shows the latest state and issues nothing.
        clock.advance(timedelta(minutes=10))
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: screen.citizen is None)
        await _card(pilot)
        await wait_until(pilot, lambda: "已逾期" in _message(app))
        assert screen.code is None and screen.query_one(QrView).payload is None
        assert codes_repo.latest_code(app.equipment.store, LIN.national_id, clock.now()).state is CodeState.EXPIRED
        assert len(_issued(app)) == 2


async def test_code_is_cleared_from_the_screen_after_the_display_setting(make_kiosk):
    app = make_kiosk()
    app.config = replace(app.config, rules=replace(app.config.rules, code_display_seconds=1))
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot)
        screen = await _f9_issue(pilot)
        code = screen.code
        assert code is not None
        await wait_until(pilot, lambda: screen.code is None, timeout=5)
        assert screen.query_one(QrView).payload is None
        assert str(screen.query_one("#code-plain").render()) == ""
        assert screen.query_one("#code-body").has_class("hidden")
        assert "已自畫面清除" in _message(app) and code.code not in _message(app)
        assert _stored(app) == code  # still valid: only the screen forgot it
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.code == code)


async def test_code_is_cleared_when_the_card_is_removed(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot)
        screen = await _f9_issue(pilot)
        assert screen.code is not None
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: screen.code is None)
        assert screen.query_one(QrView).payload is None
        assert "健保卡已取出" in _message(app)
        assert "請插入健保卡" in str(screen.query_one("#service-citizen").render())
        await pilot.press("g")  # no card, no code
        await settle(pilot)
        assert len(_issued(app)) == 1


async def test_refused_for_a_locked_account(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot, WANG)
        screen = await _f9(pilot)
        await wait_until(pilot, lambda: "已鎖定" in _message(app))
        assert "解除鎖定" in _message(app)
        assert screen.code is None and screen.query_one(QrView).payload is None
        assert codes_repo.latest_code(app.equipment.store, WANG.national_id, app.equipment.clock.now()) is None
        assert app.equipment.printer.jobs == [] and _issued(app) == []  # opening asks nothing of anyone
        await pilot.press("g")  # not offered, but pressed anyway: refused, and recorded
        await wait_until(pilot, lambda: len(_issued(app)) == 1)
        (entry,) = _issued(app)
        assert entry.outcome == "refused"


async def test_language_switch_keeps_the_code_and_resays_the_outcome(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot)
        screen = await _f9_issue(pilot)
        code = screen.code
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: "Device verification code issued" in _message(app))
        assert screen.code == code and screen.query_one(QrView).payload == code.code
        assert "valid until 2026-11-22 10:40:00" in str(screen.query_one("#code-expiry").render())
        assert str(screen.query_one("#code-classes").render()).split() == [
            "A" if c.isupper() else "a" if c.islower() else "1" for c in code.code]


def _keys(screen) -> list[str]:  # type: ignore[no-untyped-def]
    return [k for k, _label in screen.query_one("KeyBar").keys]


async def test_opening_f9_shows_the_valid_code_with_time_left_and_never_issues(make_kiosk, clock):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot)
        screen = await _f9(pilot)
        assert screen.code is None and _issued(app) == [] and app.equipment.printer.jobs == []
        assert "按 G" in _message(app)
        assert _keys(screen) == ["g", "escape", "f1"]  # nothing to print or show yet
        await pilot.press("g")  # the one key that issues
        await wait_until(pilot, lambda: screen.code is not None and len(app.equipment.printer.jobs) == 1)
        code = screen.code
        assert _keys(screen) == ["g", "p", "escape", "f1"]
        await pilot.press("escape")
        clock.advance(timedelta(minutes=3, seconds=20))
        screen = await _f9(pilot)  # opened again: the same code, its time left, nothing voided
        await wait_until(pilot, lambda: screen.code is not None)
        assert screen.code == code and len(_issued(app)) == 1 and len(app.equipment.printer.jobs) == 1
        assert "前一組認證碼已作廢" not in _message(app)
        assert "尚餘 6 分 40 秒" in str(screen.query_one("#code-expiry").render())
        assert _stored(app) == code


async def test_p_reprints_the_original_receipt_marked_reprint(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot)
        screen = await _f9(pilot)
        await pilot.press("g")
        await wait_until(pilot, lambda: screen.code is not None and len(app.equipment.printer.jobs) == 1)
        from data.print_jobs import last_sent_job

        original = last_sent_job(app.equipment.store)
        await pilot.press("p")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 2)
        copy = last_sent_job(app.equipment.store)
        assert copy.id != original.id and copy.kind == "device_code:reprint"
        assert copy.txn_no == original.txn_no  # the original number, no new 交易序號
        image = preview_image(app.equipment.printer.jobs[1])
        assert image.height > preview_image(app.equipment.printer.jobs[0]).height  # the 補印 banner on top
        assert _printed_code(app.equipment.printer.jobs[1]) == [screen.code.code]
        assert "補印" in _message(app)


async def test_key_bar_offers_nothing_a_locked_account_cannot_do(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _card(pilot, WANG)
        screen = await _f9(pilot)
        await wait_until(pilot, lambda: "已鎖定" in _message(app))
        assert _keys(screen) == ["escape", "f1"]
