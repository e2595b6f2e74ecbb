"""Drive 臨櫃註冊 with keys: the whole flow, every refusal and every field error.

Each test asserts on the database, the audit log (exactly one entry for the service) and the receipt
job, not only on what the screen says.
"""

from __future__ import annotations

import pytest

from data import accounts
from data.audit import query_audit, verify_chain
from data.print_jobs import PrintJobState, get_job
from kiosk.core.models import AccountState
from kiosk.core.secrets_hash import verify_secret
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.main import MainScreen
from tests.conftest import TERMINAL, sign_in, wait_until
from tests.pilot.test_registration_helpers import (
    ACTIVE,
    BATCH,
    DEREGISTERED,
    LOCKED,
    PASSWORD,
    PENDING,
    UNREGISTERED,
    StaffKeys,
    insert,
    note,
    open_wizard,
    text_of,
    to_contact,
    to_review,
)

MAX_STAFF_KEYS = 8


def register_entries(app):  # type: ignore[no-untyped-def]
    return query_audit(app.equipment.store, action="register", limit=100)


@pytest.fixture
def receipts(monkeypatch):  # type: ignore[no-untyped-def]
    """Every registration receipt built, as the model the printer renders (text, before the image)."""
    import kiosk.services.registration as service

    built = []
    real = service.registration_receipt

    def capture(*args, **kwargs):  # type: ignore[no-untyped-def]
        receipt = real(*args, **kwargs)
        built.append(receipt)
        return receipt

    monkeypatch.setattr(service, "registration_receipt", capture)
    return built


async def test_whole_registration_within_eight_staff_keys(make_kiosk, receipts):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        keys = StaffKeys(pilot)
        screen = await open_wizard(pilot, UNREGISTERED, keys)
        assert "尚未註冊" in text_of(app, "#eligibility")
        await to_contact(pilot, keys)
        await keys.type("0912-345678")
        await keys.key("enter")
        await keys.type("Dawen.Chen@Example.com.TW")
        await keys.key("f9")
        await wait_until(pilot, lambda: screen.step == "review")
        review = text_of(app, "#review")
        assert "(0912)-345678" in review and "A123****89" in review and "陳○文" in review
        assert PASSWORD not in review and "A123456789" not in review
        await keys.key("f10")
        await wait_until(pilot, lambda: screen.step == "done")
        assert "已啟用" in text_of(app, "#done-text")
        await wait_until(pilot, lambda: bool(app.equipment.printer.jobs))
        await keys.key("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))

        assert keys.staff <= MAX_STAFF_KEYS, keys.log
        account = accounts.get_account(app.equipment.store, UNREGISTERED)
        assert account is not None and account.state is AccountState.ACTIVE
        assert account.registered_via == "counter"
        assert account.contact.mobile == "0912345678"
        assert account.contact.email == "Dawen.Chen@example.com.tw"
        stored = accounts.get_password_hash(app.equipment.store, UNREGISTERED)
        assert stored is not None and PASSWORD not in stored and verify_secret(PASSWORD, stored)

        [entry] = register_entries(app)
        assert (entry.outcome, entry.subject) == ("ok", "A123****89 陳○文")
        assert entry.detail["document"] == "national_id_card"
        assert PASSWORD not in str(entry.detail) and "A123456789" not in str(entry.detail)
        assert verify_chain(app.equipment.store).ok

        [receipt] = receipts
        lines = " ".join(receipt.text_lines())
        assert "A123****89" in lines and "國民身分證" in lines and "已註冊" in lines
        assert PASSWORD not in lines and "A123456789" not in lines
        job = get_job(app.equipment.store, 1)
        assert job is not None and job.kind == "registration" and job.txn_no == receipt.header.txn_no
        await wait_until(pilot, lambda: get_job(app.equipment.store, 1).state is PrintJobState.SENT)
        assert app.equipment.printer.jobs[0] == get_job(app.equipment.store, 1).payload


@pytest.mark.parametrize(("national_id", "words", "state"), [
    (ACTIVE, ["已完成健保卡網路服務註冊", "忘記註冊密碼"], "active"),
    (BATCH, ["宏達精密工業股份有限公司", "批次註冊", "勿需重覆辦理"], "active"),
    (PENDING, ["網路申請註冊", "刪除註冊申請"], "pending"),
    (LOCKED, ["鎖定", "解除鎖定"], "locked"),
])
async def test_already_registered_is_refused_before_any_typing(make_kiosk, receipts, national_id, words,
                                                               state):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        before = accounts.get_account(app.equipment.store, national_id)
        screen = await open_wizard(pilot, national_id)
        message = text_of(app, "#eligibility")
        assert all(word in message for word in words), message
        assert not screen.query_one("#documents").display
        await pilot.press("1", "enter", "f10")
        assert screen.step == "document"
        assert accounts.get_account(app.equipment.store, national_id) == before
        [entry] = register_entries(app)
        assert entry.outcome == "refused" and entry.detail["state"] == state
        assert entry.detail["batch"] is (national_id == BATCH)
        assert receipts == [] and app.equipment.queue.count() == 0


async def test_password_mismatch_clears_the_confirmation_and_stays(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await pilot.press("1", *PASSWORD, "enter", *"Ab1x@yz8", "enter")
        await wait_until(pilot, lambda: "不一致" in note(app, "password_confirm"))
        assert screen.step == "password"
        assert screen.query_one("#password_confirm").value == ""
        assert screen.query_one("#password").value == PASSWORD
        assert app.focused.id == "password_confirm"
        await pilot.press(*PASSWORD, "enter")
        await wait_until(pilot, lambda: screen.step == "contact")
        assert note(app, "password_confirm") == ""
        assert register_entries(app) == []


async def test_too_short_password_is_refused_inline(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await pilot.press("1", *"Ab1x", "enter")
        await wait_until(pilot, lambda: "6-12" in note(app, "password"))
        assert app.focused.id == "password"
        # Even with a matching confirmation the step does not move on.
        await pilot.press(*"Ab1x", "enter", *"Ab1x", "enter")
        await pilot.pause()
        assert screen.step == "password"


@pytest.mark.parametrize(("typed", "rule"), [
    ("Pw<12345", "特殊符號不可為(空白)、(大於>)、(小於<)"),
    ("Ab 1x@yz9", "特殊符號不可為(空白)"),
    ("it's\"ok\"", "(單引號')、(雙引號\")"),
    ("Ab1x@yz9Ab1x@", "註冊密碼長度必需6-12碼"),
])
async def test_a_forbidden_or_13th_character_stops_the_step(make_kiosk, typed, rule):
    """Issue 12 item 1: nothing typed is dropped; the step stops with the rule in the seed's words."""
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await pilot.press("1", *typed)
        await wait_until(pilot, lambda: rule in note(app, "password"))
        assert screen.query_one("#password").value == typed
        await pilot.press("enter", *typed, "enter")
        await wait_until(pilot, lambda: screen.step == "password" and app.focused.id == "password")
        assert rule in note(app, "password")
        assert screen.query_one("#password").value == "" and screen.query_one("#password_confirm").value == ""
        await pilot.press("f10")
        await pilot.pause()
        assert accounts.get_account(app.equipment.store, UNREGISTERED) is None
        assert register_entries(app) == []


async def test_strength_meter_follows_the_password(make_kiosk):
    from widgets.strength_meter import StrengthMeter

    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        meter = screen.query_one(StrengthMeter)
        await pilot.press("1")
        assert meter.level == 0
        for typed, level in (("abcdef", 1), ("1", 2), ("A", 3), ("!", 4)):
            await pilot.press(*typed)
            await wait_until(pilot, lambda level=level: meter.level == level)


@pytest.mark.parametrize(("field", "typed", "words"), [
    ("mobile", "0212345678", "09 開頭"),
    ("landline", "27065866", "區碼"),
    ("email", "dawen.example.com", "@"),
    ("backup_email", "dawen@@x", "格式錯誤"),
    ("household_no", "12345678", "戶號格式錯誤"),
])
async def test_bad_contact_field_is_shown_beside_it_and_blocks(make_kiosk, field, typed, words):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_contact(pilot, StaffKeys(pilot))
        values = {"mobile": "0912345678", "email": "dawen@example.com", field: typed}
        for name in ("mobile", "email", "landline", "backup_email", "household_no"):
            screen.query_one(f"#{name}").value = values.get(name, "")
        await pilot.press("f9")
        await wait_until(pilot, lambda: words in note(app, field))
        assert screen.step == "contact" and app.focused.id == field
        assert [n for n in ("mobile", "email", "landline", "backup_email", "household_no")
                if note(app, n).startswith("✖")] == [field]
        assert accounts.get_account(app.equipment.store, UNREGISTERED) is None


async def test_primary_email_is_required(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_contact(pilot, StaffKeys(pilot))
        await pilot.press(*"0912345678", "enter", "enter")
        await wait_until(pilot, lambda: "必填" in note(app, "email"))
        assert app.focused.id == "email" and screen.step == "contact"


async def test_microsoft_mail_warns_without_blocking(make_kiosk, receipts):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        keys = StaffKeys(pilot)
        screen = await open_wizard(pilot, UNREGISTERED, keys)
        await to_contact(pilot, keys)
        await pilot.press(*"0912345678", "enter", *"dawen@hotmail.com", "enter")
        await wait_until(pilot, lambda: "微軟" in note(app, "email"))
        assert app.focused.id == "landline"  # a warning does not hold the clerk back
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.step == "review")
        assert "微軟" in text_of(app, "#review")
        await pilot.press("f10")
        await wait_until(pilot, lambda: screen.step == "done")
        account = accounts.get_account(app.equipment.store, UNREGISTERED)
        assert account is not None and account.contact.email == "dawen@hotmail.com"
        [entry] = register_entries(app)
        assert entry.detail["warnings"] == ["email"]


async def test_empty_mobile_is_advised_not_required(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_contact(pilot, StaffKeys(pilot))
        await pilot.press("enter")
        await wait_until(pilot, lambda: "行動電話" in note(app, "mobile"))
        assert app.focused.id == "email"
        await pilot.press(*"dawen@example.com", "f9")
        await wait_until(pilot, lambda: screen.step == "review")
        await pilot.press("f10")
        await wait_until(pilot, lambda: screen.step == "done")
        account = accounts.get_account(app.equipment.store, UNREGISTERED)
        assert account is not None and account.contact.mobile is None


async def test_landline_with_extension_and_optional_fields_are_stored(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_contact(pilot, StaffKeys(pilot))
        await pilot.press(*"0912345678", "enter", *"dawen@example.com", "enter", *"02-2706-5866#123", "enter",
                          *"dawen@example.org", "enter", *"fb123456", "enter")
        await wait_until(pilot, lambda: screen.step == "review")
        await pilot.press("f10")
        await wait_until(pilot, lambda: screen.step == "done")
        contact = accounts.get_account(app.equipment.store, UNREGISTERED).contact
        assert contact.landline == "(02)2706-5866#123"
        assert (contact.backup_email, contact.household_no) == ("dawen@example.org", "FB123456")


async def test_enter_on_review_does_not_register(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_review(pilot, StaffKeys(pilot))
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert screen.step == "review" and "F10" in text_of(app, "#service-message")
        assert accounts.get_account(app.equipment.store, UNREGISTERED) is None


async def test_escape_steps_back_keeping_everything_typed(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_review(pilot, StaffKeys(pilot), document="3")
        await pilot.press("escape")
        assert screen.step == "contact"
        assert screen.query_one("#mobile").value == "0912345678"
        assert screen.query_one("#email").value == "dawen.chen@example.com.tw"
        await pilot.press("escape")
        assert screen.step == "password"
        assert screen.query_one("#password").value == PASSWORD
        assert screen.query_one("#password_confirm").value == PASSWORD
        await pilot.press("escape")
        assert screen.step == "document"
        assert screen.query_one("#documents").highlighted == 2
        # Forward again with only Enter: nothing to retype.
        await pilot.press("enter", "enter", "enter")
        await wait_until(pilot, lambda: screen.step == "contact")
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.step == "review")
        assert "護照" in text_of(app, "#review")
        await pilot.press("escape", "escape", "escape", "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert register_entries(app) == []


async def test_card_removed_mid_wizard_clears_and_registers_nobody(make_kiosk, receipts):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_review(pilot, StaffKeys(pilot))
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: screen.step == "document")
        assert "已取出" in text_of(app, "#service-message")
        assert "請插入" in text_of(app, "#eligibility")
        assert all(screen.query_one(f"#{n}").value == "" for n in ("password", "password_confirm", "email"))
        # Another person's card: the wizard starts over for them, the old data is gone.
        await insert(pilot, DEREGISTERED)
        await wait_until(pilot, lambda: screen.eligible)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.step == "password" and screen.query_one("#password").value == ""
        # F10 here is not "confirm" (that is the review step's): it is the virtual-card service key,
        # which asks first, since a document was chosen; declining keeps the wizard as it was.
        await pilot.press("f10")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is screen)
        assert accounts.get_account(app.equipment.store, UNREGISTERED) is None
        assert accounts.get_account(app.equipment.store, DEREGISTERED).state is AccountState.DEREGISTERED
        assert register_entries(app) == [] and receipts == []


async def test_card_swapped_without_removal_event_starts_over(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_contact(pilot, StaffKeys(pilot))
        await insert(pilot, DEREGISTERED)  # the simulated reader reports the old card's removal first
        await wait_until(pilot, lambda: getattr(screen.citizen, "national_id", None) == DEREGISTERED)
        assert screen.step == "document" and screen.query_one("#password").value == ""


async def test_deregistered_citizen_registers_again(make_kiosk, receipts):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, DEREGISTERED)
        assert "停用" in text_of(app, "#eligibility")
        await to_review(pilot, StaffKeys(pilot))
        await pilot.press("f10")
        await wait_until(pilot, lambda: screen.step == "done")
        assert "重新註冊" in text_of(app, "#done-text")
        account = accounts.get_account(app.equipment.store, DEREGISTERED)
        assert account.state is AccountState.ACTIVE and account.contact.mobile == "0912345678"
        assert accounts.deregistration_reason(app.equipment.store, DEREGISTERED) is None
        assert verify_secret(PASSWORD, accounts.get_password_hash(app.equipment.store, DEREGISTERED))
        [entry] = register_entries(app)
        assert entry.outcome == "ok" and entry.detail["registered_again"] is True
        assert len(receipts) == 1


@pytest.mark.parametrize(("locale", "says", "never"), [
    ("zh_TW", "網路註冊申請已刪除", "停用"),
    ("en", "web application was cancelled", "deregistered"),
])
async def test_after_a_cancelled_web_application_f2_tells_the_real_story(make_kiosk, receipts, locale, says,
                                                                         never):
    """Issue 12 item 4: Ctrl+N 4, F6, Y, Esc, F2 — she was never deregistered, nor registered again."""
    from kiosk.screens.confirm import ConfirmScreen

    app = make_kiosk(locale=locale)
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await insert(pilot, PENDING)
        await pilot.press("f6")
        await wait_until(pilot, lambda: getattr(app.screen, "subject", None) is not None)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: getattr(app.screen, "finished", False))
        await wait_until(pilot, lambda: app.card.account_state == "unregistered")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        screen = await open_wizard(pilot, None)
        await wait_until(pilot, lambda: screen.eligible)
        eligibility = text_of(app, "#eligibility")
        assert says in eligibility and never not in eligibility
        await to_review(pilot, StaffKeys(pilot))
        await pilot.press("f10")
        await wait_until(pilot, lambda: screen.step == "done")
        done = text_of(app, "#done-text")
        assert "重新" not in done and "again" not in done
        [entry] = register_entries(app)
        assert entry.detail["registered_again"] is False
        assert entry.detail["prior_state"] == "application_cancelled"
        [receipt] = receipts
        assert dict(receipt.lines)["辦理前狀態"] == "網路註冊申請已刪除"


async def test_no_card_then_card_inserted_while_open(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, None)
        assert "請插入" in text_of(app, "#eligibility")
        await pilot.press("1")
        assert screen.step == "document"
        await insert(pilot, UNREGISTERED)
        await wait_until(pilot, lambda: screen.eligible)
        await pilot.press("2")
        assert screen.step == "password" and screen.document.value == "resident_certificate"


async def test_registration_in_english(make_kiosk):
    app = make_kiosk(locale="en")
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, BATCH)
        assert "batch" in text_of(app, "#eligibility")
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: "Insert" in text_of(app, "#eligibility"))
        await insert(pilot, UNREGISTERED)
        await wait_until(pilot, lambda: screen.eligible)
        await to_review(pilot, StaffKeys(pilot))
        review = text_of(app, "#review")
        assert "National ID card" in review and "Strong" in review
        await pilot.press("f10")
        await wait_until(pilot, lambda: screen.step == "done")
        assert "active" in text_of(app, "#done-text")


async def test_fast_typing_lands_in_the_right_fields(make_kiosk):
    """Keys arriving in one burst (a fast typist, a barcode wedge): each lands in its own field."""
    from textual import events

    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        burst = ["2", *PASSWORD, "enter", *PASSWORD, "enter", *"0912345678", "enter", *"dawen@example.com", "f9"]
        for key in burst:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await wait_until(pilot, lambda: screen.step == "review")
        values = {n: screen.query_one(f"#{n}").value for n in ("password", "password_confirm", "mobile", "email")}
        assert values == {"password": PASSWORD, "password_confirm": PASSWORD, "mobile": "0912345678",
                          "email": "dawen@example.com"}
        assert "居留證" in text_of(app, "#review")


async def test_a_refused_password_typed_in_one_burst_stays_refused(make_kiosk):
    """Typed fast, the rule's refusal (and its 請重新輸入) is not overwritten by the typing that came before it."""
    from textual import events

    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        for key in ["1", *"Pw<12345", "enter"]:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await wait_until(pilot, lambda: screen.step == "password" and app.focused.id == "password"
                         and "請重新輸入註冊密碼" in note(app, "password"))
        await pilot.pause()
        assert "特殊符號不可為" in note(app, "password") and "請重新輸入註冊密碼" in note(app, "password")
        assert screen.query_one("#password").value == ""
