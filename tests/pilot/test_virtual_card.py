"""Drive 虛擬健保卡 (F10) with keys: status per citizen, revoke, photo replacement, under 14, settings."""

from __future__ import annotations

import dataclasses
import io
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console
from textual.widgets import Input

from data import accounts, vcards
from data import authorizations as auth_repo
from data.audit import query_audit, verify_chain
from data.demo import DEMO_CITIZENS
from data.print_jobs import last_sent_job
from kiosk.core.ids import check_digit
from kiosk.core.models import AccountState, AuthorizationState, Citizen, Contact, VirtualCardState
from kiosk.core.photo import prepare_photo
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.virtual_card import RevokeReasonPicker, VirtualCardScreen
from kiosk.screens.virtual_card_photo import PhotoReplacementScreen
from tests.conftest import TERMINAL, sign_in, wait_until
from widgets.key_bar import KeyBar
from widgets.photo_view import PhotoView

BY_ID = {c.national_id: c for c in DEMO_CITIZENS}


def _text(widget) -> str:  # type: ignore[no-untyped-def]
    content = widget.content if hasattr(widget, "content") else widget.render()
    if isinstance(content, str):
        return content
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def _message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#service-message").render())


def _vc_actions(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.action for e in query_audit(app.equipment.store, limit=100)
            if e.action.startswith(("virtual_card", "authorization"))]


def _jpeg(path: Path, size: tuple[int, int] = (900, 1200), colour: str = "teal") -> Path:
    Image.new("RGB", size, colour).save(path, "JPEG", quality=90)
    return path


def _child(app) -> Citizen:  # type: ignore[no-untyped-def]
    prefix = "A12000002"
    child = Citizen(prefix + check_digit(prefix), "陳小安", date(2016, 3, 1), "F", "000099991111")
    store, now = app.equipment.store, app.equipment.clock.now()
    accounts.create_account(store, child.national_id, child.name, state=AccountState.ACTIVE, now=now,
                            contact=Contact(mobile="0912000222"))
    vcards.create_application(store, child.national_id, applied_at=now - timedelta(days=40), channel="app",
                              state=VirtualCardState.APPROVED)
    return child


async def _open(pilot, citizen: Citizen) -> VirtualCardScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await sign_in(pilot)
    app.equipment.reader.insert(VirtualNhiCard.from_citizen(citizen))
    await wait_until(pilot, lambda: app.card.result is not None)
    await pilot.press("f10")
    await wait_until(pilot, lambda: isinstance(app.screen, VirtualCardScreen) and app.screen.view is not None)
    return app.screen


@pytest.mark.parametrize(
    ("national_id", "current", "granted", "received"),
    [
        ("F223456786", "審核通過", ["K128****33", "S224****95", "授權中", "已取消", "482913", "735024"],
         "沒有他人授權本人"),
        ("K128765433", "審核通過", "本人沒有授權他人", "F223****86"),
        ("S224567895", "註銷", "本人沒有授權他人", "F223****86"),
        ("A123456789", "尚未申請", "本人沒有授權他人", "沒有他人授權本人"),
        ("B120000008", "尚未申請", "本人沒有授權他人", "沒有他人授權本人"),
        ("H220001110", "尚未申請", "本人沒有授權他人", "沒有他人授權本人"),
        ("E123454323", "尚未申請", "本人沒有授權他人", "沒有他人授權本人"),
    ],
)
async def test_status_for_each_demo_citizen(make_kiosk, national_id, current, granted, received):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot, BY_ID[national_id])
        assert current in _text(screen.query_one("#vc-current"))
        for expected in [granted] if isinstance(granted, str) else granted:
            assert expected in _text(screen.query_one("#vc-granted"))
        assert received in _text(screen.query_one("#vc-received"))
        assert national_id not in _text(screen.query_one("#vc-body").query_one("#vc-granted"))


async def test_status_shows_rejection_reason_and_history(make_kiosk):
    app = make_kiosk()
    store, now = app.equipment.store, app.equipment.clock.now()
    card = vcards.create_application(store, "E123454323", applied_at=now - timedelta(days=20))
    vcards.set_card_state(store, card.id, VirtualCardState.REJECTED, now=now - timedelta(days=15),
                          reject_reason="人像太小")
    vcards.create_application(store, "E123454323", applied_at=now - timedelta(days=2), channel="counter")
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot, BY_ID["E123454323"])
        assert "審核中" in _text(screen.query_one("#vc-current"))
        history = _text(screen.query_one("#vc-history"))
        assert "退件" in history and "人像太小" in history and "專案申請（臨櫃）" in history
        assert history.index("審核中") < history.index("退件")  # newest first


async def test_revoke_with_reason_cancels_authorizations_and_prints(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, BY_ID["F223456786"])
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RevokeReasonPicker))
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen.question
        assert "K128****33" in question and "1筆" in question and "行動裝置遺失" in question
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 1)
        await wait_until(pilot, lambda: "已註銷" in _message(app))
        assert vcards.current_card(app.equipment.store, "F223456786").state is VirtualCardState.REVOKED
        granted = {a.code: a.state for a in auth_repo.list_granted(app.equipment.store, "F223456786")}
        assert granted == {"482913": AuthorizationState.CANCELLED, "735024": AuthorizationState.CANCELLED}
        assert _vc_actions(app) == ["virtual_card_revoked"]
        assert last_sent_job(app.equipment.store, kind="virtual_card_revoked") is not None
        assert verify_chain(app.equipment.store).ok
        await wait_until(pilot, lambda: "註銷" in _text(app.screen.query_one("#vc-current")))


async def test_revoke_declined_changes_nothing(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, BY_ID["F223456786"])
        await pilot.press("r", "1")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: "未註銷" in _message(app))
        assert vcards.current_card(app.equipment.store, "F223456786").state is VirtualCardState.APPROVED
        assert _vc_actions(app) == [] and app.equipment.printer.jobs == []


async def test_revoke_reason_picker_escape_and_nothing_to_revoke(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, BY_ID["S224567895"])
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, VirtualCardScreen)
        assert "無可註銷" in _message(app)


async def test_photo_replacement_from_drop_folder(make_kiosk, tmp_path):
    folder = tmp_path / "camera"
    folder.mkdir()
    old = _jpeg(folder / "old.jpg", colour="red")
    new = _jpeg(folder / "new.jpg", colour="navy")
    os.utime(old, ns=(1_000_000_000, 1_000_000_000))
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, BY_ID["F223456786"])
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PhotoReplacementScreen))
        app.screen.query_one("#photo-path", Input).value = str(folder)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.step == "step-preview")
        assert app.screen.loaded.path == new
        assert app.screen.query_one(PhotoView).image is not None
        assert ("y", "接受相片") in app.screen.query_one(KeyBar).keys
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "K128****33" in app.screen.question and "審核中" in app.screen.question
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 2)
        await wait_until(pilot, lambda: app.screen.step == "step-done")
        cards = vcards.list_cards(app.equipment.store, "F223456786")
        assert [(c.state, c.channel) for c in cards] == [
            (VirtualCardState.PENDING, "counter"), (VirtualCardState.REVOKED, "app")]
        assert vcards.get_photo(app.equipment.store, cards[0].id) == prepare_photo(new.read_bytes()).jpeg
        assert _vc_actions(app) == ["virtual_card_photo_replaced"]
        assert last_sent_job(app.equipment.store, kind="virtual_card_applied") is not None
        assert "收據 2 張" in _text(app.screen.query_one("#vc-done"))
        # Back on the status screen, the new application shows; the folder is remembered.
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, VirtualCardScreen)
                         and app.screen.view is not None)
        assert "審核中" in _text(app.screen.query_one("#vc-current"))
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PhotoReplacementScreen))
        assert app.screen.query_one("#photo-path", Input).value == str(folder)


async def test_refused_photo_then_retake(make_kiosk, tmp_path):
    tiny = _jpeg(tmp_path / "tiny.jpg", size=(200, 260))
    fake = tmp_path / "note.jpg"
    fake.write_text("not a photo")
    good = _jpeg(tmp_path / "good.jpg")
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, BY_ID["K128765433"])
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PhotoReplacementScreen))
        path_input = app.screen.query_one("#photo-path", Input)
        for bad, expected in ((tiny, "解析度不足"), (fake, "JPEG 或 PNG")):
            path_input.value = str(bad)
            await pilot.press("enter")
            await wait_until(pilot, lambda expected=expected: expected in _message(app))
            assert app.screen.step == "step-source"
        path_input.value = str(good)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.step == "step-preview")
        await pilot.press("r")  # retake
        assert app.screen.step == "step-source" and app.screen.loaded is None
        assert path_input.has_focus
        await pilot.press("enter")  # same path again: e.g. the camera saved over it
        await wait_until(pilot, lambda: app.screen.step == "step-preview")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: "未送出" in _message(app))
        assert [c.state for c in vcards.list_cards(app.equipment.store, "K128765433")] == [VirtualCardState.APPROVED]
        assert _vc_actions(app) == [] and app.equipment.printer.jobs == []


async def test_under_14_uses_document_photo(make_kiosk):
    app = make_kiosk()
    child = _child(app)
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, child)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PhotoReplacementScreen))
        assert ("f6", "使用身分證/健保卡相片") in app.screen.query_one(KeyBar).keys
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "身分證/健保卡相片" in app.screen.question
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 2)
        cards = vcards.list_cards(app.equipment.store, child.national_id)
        assert [c.state for c in cards] == [VirtualCardState.PENDING, VirtualCardState.REVOKED]
        assert vcards.get_photo(app.equipment.store, cards[0].id) is None
        entry = query_audit(app.equipment.store, limit=1)[0]
        assert entry.detail["photo_source"] == "id_document"


async def test_adult_has_no_document_photo_choice(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, BY_ID["F223456786"])
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PhotoReplacementScreen))
        assert "f6" not in dict(app.screen.query_one(KeyBar).keys)
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, PhotoReplacementScreen)


@pytest.mark.parametrize(("auto", "state"),
                         [(True, VirtualCardState.APPROVED), (False, VirtualCardState.PENDING)])
async def test_auto_approve_setting(make_kiosk, tmp_path, auto, state):
    photo = _jpeg(tmp_path / "p.png")
    app = make_kiosk()
    app.config = dataclasses.replace(app.config, rules=dataclasses.replace(
        app.config.rules, counter_card_auto_approve=auto))
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, BY_ID["K128765433"])
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PhotoReplacementScreen))
        assert ("審核通過" if auto else "審核中") in _text(app.screen.query_one("#vc-intro"))
        app.screen.query_one("#photo-path", Input).value = str(photo)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.step == "step-preview")
        await pilot.press("enter", "y")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 2)
        assert vcards.current_card(app.equipment.store, "K128765433").state is state


async def test_locked_account_cannot_start_photo_replacement(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, BY_ID["B120000008"])
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, VirtualCardScreen)
        assert "已鎖定" in _message(app)


async def test_without_card_asks_for_one_and_follows_insertion(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await pilot.press("f10")
        await wait_until(pilot, lambda: isinstance(app.screen, VirtualCardScreen))
        assert "請插入" in str(app.screen.query_one("#service-citizen").render())
        await pilot.press("r")
        assert "請插入" in _message(app)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(BY_ID["K128765433"]))
        await wait_until(pilot, lambda: app.screen.view is not None)
        assert "K128****33" in str(app.screen.query_one("#service-citizen").render())


async def test_configured_drop_folder_is_offered(make_kiosk, tmp_path):  # type: ignore[no-untyped-def]
    """photo.drop_folder (the camera's folder) is in the path field before anything is typed: the
    newest photo there is one Enter away."""
    folder = tmp_path / "camera"
    folder.mkdir()
    _jpeg(folder / "new.jpg", colour="navy")
    app = make_kiosk()
    app.config = dataclasses.replace(app.config, photo=dataclasses.replace(app.config.photo, drop_folder=str(folder)))
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, BY_ID["F223456786"])
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PhotoReplacementScreen))
        await pilot.pause()
        assert app.screen.query_one("#photo-path", Input).value == str(folder)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.step == "step-preview")


async def test_finished_photo_replacement_leaves_on_enter_like_every_service(make_kiosk, tmp_path):
    """Issue 12 item 3: one key finishes and leaves every service. The photo wizard said 「按 Esc 返回」
    and ignored Enter; a finished wizard must also never run again."""
    folder = tmp_path / "camera"
    folder.mkdir()
    _jpeg(folder / "new.jpg", colour="navy")
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot, BY_ID["F223456786"])
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PhotoReplacementScreen))
        app.screen.query_one("#photo-path", Input).value = str(folder)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.step == "step-preview")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, PhotoReplacementScreen)
                         and app.screen.step == "step-done")
        assert ("enter", "回主選單") in app.screen.query_one(KeyBar).keys
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, PhotoReplacementScreen))
        assert _vc_actions(app) == ["virtual_card_photo_replaced"]
