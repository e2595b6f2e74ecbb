"""Drive the account services F3–F7 with keys; assert on the database, the audit log and the receipt."""

from __future__ import annotations

import pytest

from data import accounts, authorizations, codes, devices, vcards
from data.audit import query_audit, verify_chain
from data.demo import DEMO_CITIZENS, DEMO_PASSWORD
from data.print_jobs import last_sent_job
from kiosk.core.models import AccountState, AuthorizationState, VirtualCardState
from kiosk.core.secrets_hash import verify_secret
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.main import MainScreen
from tests.conftest import TERMINAL, sign_in, wait_until

ACTIVE, LOCKED, PENDING, DEREGISTERED, UNREGISTERED = (
    "F223456786", "B120000008", "H220001110", "S224567895", "A123456789")


def _citizen(national_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in DEMO_CITIZENS if c.national_id == national_id)


def _entries(app, action: str):  # type: ignore[no-untyped-def]
    return query_audit(app.equipment.store, action=action, limit=50)


def _shown(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    """The text a widget shows (its content printed as plain text, tables included)."""
    from rich.console import Console

    console = Console(width=120, color_system=None)
    with console.capture() as capture:
        console.print(app.screen.query_one(selector).content)
    return capture.get()


def _message(app) -> str:  # type: ignore[no-untyped-def]
    """The message above the form, or the refusal that replaced the form."""
    return _shown(app, "#service-message") + _shown(app, "#service-refusal")


async def _open(pilot, key: str, national_id: str | None):  # type: ignore[no-untyped-def]
    app = pilot.app
    await sign_in(pilot)
    if national_id is not None:
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(_citizen(national_id)))
        await wait_until(pilot, lambda: app.card.result is not None)
    await pilot.press(key)
    await wait_until(pilot, lambda: not isinstance(app.screen, MainScreen))
    await pilot.pause()


async def _wait_subject(pilot) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: pilot.app.screen.subject is not None)
    await pilot.pause()


async def _wait_done(pilot) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: pilot.app.screen.finished)
    await wait_until(pilot, lambda: len(pilot.app.equipment.printer.jobs) == 1)


# --- F5 lockout lifted -----------------------------------------------------------------------


async def test_unlock_with_two_keys(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f5", LOCKED)
        await _wait_subject(pilot)
        assert "密碼連續錯誤 5 次，已達鎖定門檻（5 次）" in _shown(app, "#acct-info")
        await pilot.press("enter")
        await _wait_done(pilot)
        account = accounts.get_account(app.equipment.store, LOCKED)
        assert account.state is AccountState.ACTIVE and account.failed_passwords == 0
        entries = _entries(app, "unlock")
        assert [(e.outcome, e.subject) for e in entries] == [("ok", "B120****08 王○明")]
        assert entries[0].counter == "01" and entries[0].staff_no == "S001"
        assert last_sent_job(app.equipment.store, kind="lockout_lifted") is not None
        # The card panel learns the new state when the card is read again.
        await wait_until(pilot, lambda: app.card.account_state == "active")
        assert verify_chain(app.equipment.store).ok


async def test_unlock_refused_for_active_account_is_recorded(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f5", ACTIVE)
        await wait_until(pilot, lambda: "未被鎖定" in _message(app))
        assert app.screen.subject is None
        await pilot.press("enter")  # on a refusal, Enter leaves: it never retries the service
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert [e.outcome for e in _entries(app, "unlock")] == ["refused"]
        assert app.equipment.printer.jobs == []


async def test_no_card_asks_for_one(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f5", None)
        await wait_until(pilot, lambda: "請插入" in _message(app))
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(_citizen(LOCKED)))
        await _wait_subject(pilot)  # inserting the card while the screen is open finds the person


# --- F6 pending cancelled --------------------------------------------------------------------


async def test_cancel_pending_after_confirmation(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f6", PENDING)
        await _wait_subject(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "註冊密碼及聯絡資料將失效" in app.screen.question
        await pilot.press("y")
        await _wait_done(pilot)
        assert accounts.get_account(app.equipment.store, PENDING).state is AccountState.UNREGISTERED
        assert [e.outcome for e in _entries(app, "cancel_pending")] == ["ok"]
        assert last_sent_job(app.equipment.store, kind="pending_cancelled") is not None


async def test_cancel_pending_declined_changes_nothing(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f6", PENDING)
        await _wait_subject(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: "未做任何異動" in _message(app))
        assert accounts.get_account(app.equipment.store, PENDING).state is AccountState.PENDING
        assert _entries(app, "cancel_pending") == [] and app.equipment.printer.jobs == []


async def test_cancel_pending_refused_for_active(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f6", ACTIVE)
        await wait_until(pilot, lambda: "沒有待確認" in _message(app))
        assert accounts.get_account(app.equipment.store, ACTIVE).state is AccountState.ACTIVE


# --- F4 password reset -----------------------------------------------------------------------


async def test_password_reset_also_lifts_lockout(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f4", LOCKED)
        await _wait_subject(pilot)
        await pilot.press(*"Newpw1!", "enter", *"Newpw1!", "enter")
        await _wait_done(pilot)
        account = accounts.get_account(app.equipment.store, LOCKED)
        assert account.state is AccountState.ACTIVE and account.failed_passwords == 0
        stored = accounts.get_password_hash(app.equipment.store, LOCKED)
        assert verify_secret("Newpw1!", stored) and not verify_secret(DEMO_PASSWORD, stored)
        entries = _entries(app, "reset_password")
        assert [e.outcome for e in entries] == ["ok"]
        assert "Newpw1!" not in str(entries[0].detail)
        assert last_sent_job(app.equipment.store, kind="password_reset") is not None


async def test_password_mismatch_clears_both_and_changes_nothing(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f4", ACTIVE)
        await _wait_subject(pilot)
        await pilot.press(*"Abc@1234", "enter", *"Abc@1235", "enter")
        await wait_until(pilot, lambda: "不一致" in _message(app))
        assert app.screen.query_one("#pw1").value == "" and app.screen.query_one("#pw2").value == ""
        assert verify_secret(DEMO_PASSWORD, accounts.get_password_hash(app.equipment.store, ACTIVE))
        assert _entries(app, "reset_password") == [] and app.equipment.printer.jobs == []


@pytest.mark.parametrize(("typed", "rule"), [
    ("Pw<12345", "特殊符號不可為(空白)、(大於>)、(小於<)"),
    ("Pw 12345", "特殊符號不可為(空白)"),
    ("Ab1!Ab1!Ab1!x", "註冊密碼長度必需6-12碼"),
])
async def test_password_reset_with_a_forbidden_or_13th_character_stops(make_kiosk, typed, rule):
    """Issue 12 item 1: the typed password is never changed into another one and stored."""
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f4", ACTIVE)
        await _wait_subject(pilot)
        await pilot.press(*typed)
        # The rule shows while the citizen types, before Enter.
        await wait_until(pilot, lambda: rule in _shown(app, "#pw1-note"))
        assert app.screen.query_one("#pw1").value == typed
        await pilot.press("enter", *typed, "enter")
        await wait_until(pilot, lambda: rule in _message(app))
        assert not app.screen.finished
        assert app.screen.query_one("#pw1").value == "" and app.screen.query_one("#pw2").value == ""
        assert app.screen.query_one("#pw1").has_focus
        assert verify_secret(DEMO_PASSWORD, accounts.get_password_hash(app.equipment.store, ACTIVE))
        assert _entries(app, "reset_password") == [] and app.equipment.printer.jobs == []


async def test_password_reset_shows_the_strength_meter(make_kiosk):
    from widgets.strength_meter import StrengthMeter

    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f4", ACTIVE)
        await _wait_subject(pilot)
        meter = app.screen.query_one(StrengthMeter)
        assert meter.level == 0
        for typed, level in (("abcdef", 1), ("1", 2), ("A", 3), ("!", 4)):
            await pilot.press(*typed)
            await wait_until(pilot, lambda level=level: meter.level == level)


@pytest.mark.parametrize(("locale", "sentence"), [
    ("zh_TW", "兩次輸入的註冊密碼不一致。請重新輸入註冊密碼。"),
    ("en", "The two passwords do not match. Type the password again."),
])
async def test_password_mismatch_message_is_one_clean_sentence(make_kiosk, locale, sentence):
    app = make_kiosk(locale=locale)
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f4", ACTIVE)
        await _wait_subject(pilot)
        await pilot.press(*"Abc@1234", "enter", *"Abc@1235", "enter")
        await wait_until(pilot, lambda: sentence in _message(app))
        assert "。，" not in _message(app)


async def test_password_reset_refused_for_pending(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f4", PENDING)
        await wait_until(pilot, lambda: "電子郵件確認" in _message(app))
        assert app.screen.query_one("#pw1").disabled


async def test_card_removed_mid_password_stops_and_clears(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f4", ACTIVE)
        await _wait_subject(pilot)
        await pilot.press(*"Abc@1234", "enter", *"Abc@1234")
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: "已取出" in _message(app))
        assert app.screen.query_one("#pw1").value == "" and app.screen.query_one("#pw2").disabled
        await pilot.press("enter")
        await pilot.pause()
        assert _entries(app, "reset_password") == [] and app.equipment.printer.jobs == []


# --- F7 contact data -------------------------------------------------------------------------


async def test_contact_update_reviews_old_and_new(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f7", ACTIVE)
        await _wait_subject(pilot)
        assert "微軟" in _shown(app, "#contact-warning")  # advice, not a block
        await pilot.press(*"0987654321", "f10")
        await wait_until(pilot, lambda: app.screen.step == "review")
        review = _shown(app, "#contact-review")
        assert "(0912)-***678" in review and "(0987)-654321" in review
        assert "0912345678" not in review and "聯絡電話" not in review  # unchanged landline: not a change
        await pilot.press("enter")
        await _wait_done(pilot)
        account = accounts.get_account(app.equipment.store, ACTIVE)
        assert account.contact.mobile == "0987654321"
        assert account.contact.landline == "+886-2-27065866#1234"  # untouched: kept exactly as stored
        entries = _entries(app, "update_contact")
        assert [(e.outcome, e.detail) for e in entries] == [("ok", {"fields": ["mobile"]})]
        assert last_sent_job(app.equipment.store, kind="contact_updated") is not None


async def test_contact_no_change_is_refused(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f7", ACTIVE)
        await _wait_subject(pilot)
        await pilot.press("f10")
        await wait_until(pilot, lambda: "資料無變更" in _message(app))
        assert app.screen.step == "form" and _entries(app, "update_contact") == []


async def test_contact_bad_field_and_missing_email(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f7", LOCKED)  # a locked account may still update its contact data
        await _wait_subject(pilot)
        await pilot.press(*"0812", "enter")
        await wait_until(pilot, lambda: "行動電話格式錯誤" in _message(app))
        assert app.screen.focused.id == "mobile" and app.screen.query_one("#mobile").has_class("bad")
        await pilot.press("ctrl+u", "enter", "enter", "ctrl+u", "f10")
        await wait_until(pilot, lambda: "請輸入電子郵件信箱" in _message(app))
        assert app.screen.focused.id == "email"
        assert accounts.get_account(app.equipment.store, LOCKED).contact.mobile == "0933222111"


# --- F3 deregistration -----------------------------------------------------------------------


async def test_deregistration_by_card_disables_everything(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        store = app.equipment.store
        now = app.equipment.clock.now()
        from datetime import timedelta

        codes.issue_code(store, ACTIVE, "R17b63g9", now, now + timedelta(minutes=10))
        await _open(pilot, "f3", ACTIVE)
        await _wait_subject(pilot)
        await pilot.press("1", "2")
        await wait_until(pilot, lambda: app.screen.step == "review")
        review = _shown(app, "#dereg-review")
        assert "Apple iPhone 15" in review and "482913" in review and "審核通過" in review
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen.question
        for lost in ("停用 1 部行動裝置", "作廢 1 組裝置認證碼", "註銷虛擬健保卡", "取消 1 筆授權"):
            assert lost in question
        await pilot.press("y")
        await _wait_done(pilot)
        assert accounts.get_account(store, ACTIVE).state is AccountState.DEREGISTERED
        assert accounts.deregistration_reason(store, ACTIVE).value == "misuse"
        assert not any(d.enabled for d in devices.list_devices(store, ACTIVE))
        assert codes.current_code(store, ACTIVE, now) is None
        assert all(c.state is not VirtualCardState.APPROVED for c in vcards.list_cards(store, ACTIVE))
        auths = authorizations.list_granted(store, ACTIVE) + authorizations.list_received(store, ACTIVE)
        assert all(a.state is not AuthorizationState.ACTIVE for a in auths)
        entries = _entries(app, "deregister")
        assert len(entries) == 1 and entries[0].outcome == "ok"
        assert entries[0].detail["codes_voided"] == 1 and entries[0].detail["by"] == "card"
        assert ACTIVE not in str(entries[0].detail)
        assert last_sent_job(store, kind="deregistration") is not None
        assert verify_chain(store).ok


async def test_deregistration_by_typed_id_without_card(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f3", None)
        await wait_until(pilot, lambda: app.screen.step == "find")
        await pilot.press(*"b120000009", "enter")  # checksum wrong
        await wait_until(pilot, lambda: "檢查碼錯誤" in _message(app))
        assert app.screen.subject is None
        await pilot.press("ctrl+u", *"A123456789", "enter")  # valid, never registered
        await wait_until(pilot, lambda: "尚未註冊" in _message(app))
        await pilot.press("ctrl+u", *"b120000008", "enter")
        await _wait_subject(pilot)
        assert app.screen.subject.by_card is False and app.screen.step == "document"
        await pilot.press("4", "1")
        await wait_until(pilot, lambda: app.screen.step == "review")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await _wait_done(pilot)
        assert accounts.get_account(app.equipment.store, LOCKED).state is AccountState.DEREGISTERED
        outcomes = [(e.outcome, e.detail.get("by")) for e in _entries(app, "deregister")]
        assert outcomes == [("ok", "typed_id"), ("refused", None)]  # newest first


async def test_deregistration_refused_when_already_deregistered(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f3", DEREGISTERED)
        await wait_until(pilot, lambda: "已辦理註冊停用" in _message(app))
        await pilot.press("1")
        await pilot.pause()
        assert app.screen.step != "reason" and app.equipment.printer.jobs == []


async def test_deregistration_declined_and_esc_steps_back(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f3", ACTIVE)
        await _wait_subject(pilot)
        await pilot.press("1", "1")
        await wait_until(pilot, lambda: app.screen.step == "review")
        await pilot.press("escape")
        assert app.screen.step == "reason"
        await pilot.press("3")
        await wait_until(pilot, lambda: app.screen.step == "review")
        assert app.screen.reason.value == "false_data"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: "未做任何異動" in _message(app))
        assert accounts.get_account(app.equipment.store, ACTIVE).state is AccountState.ACTIVE
        assert any(d.enabled for d in devices.list_devices(app.equipment.store, ACTIVE))
        assert _entries(app, "deregister") == [] and app.equipment.printer.jobs == []


async def test_card_removed_mid_deregistration_stops(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, "f3", ACTIVE)
        await _wait_subject(pilot)
        await pilot.press("1", "1")
        await wait_until(pilot, lambda: app.screen.step == "review")
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: "已取出" in _message(app))
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert accounts.get_account(app.equipment.store, ACTIVE).state is AccountState.ACTIVE
        assert _entries(app, "deregister") == []
