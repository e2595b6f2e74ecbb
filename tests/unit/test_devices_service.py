"""Device and device-code services on a real database file: one transaction, one audit entry, receipts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import zxingcpp

from data import codes as codes_repo
from data import devices as devices_repo
from data.audit import query_audit, verify_chain
from data.demo import DEMO_CITIZENS
from data.print_jobs import get_job, queued_jobs
from kiosk.core import codes as code_rules
from kiosk.core.errors import KioskError
from kiosk.core.models import CodeState
from kiosk.services import devices as svc
from kiosk.services.context import ServiceContext
from printing.preview import preview_image
from printing.receipt import ReceiptKind

BY_ID = {c.national_id: c for c in DEMO_CITIZENS}
LIN = BY_ID["F223456786"]  # active, iPhone enabled + Galaxy disabled
CHANG = BY_ID["K128765433"]  # active, one Pixel
WANG = BY_ID["B120000008"]  # locked
HUANG = BY_ID["S224567895"]  # deregistered
NEWBIE = BY_ID["A123456789"]  # unregistered


@pytest.fixture
def ctx(service_ctx: ServiceContext) -> ServiceContext:
    return service_ctx


def _by_name(ctx: ServiceContext, citizen) -> dict:  # type: ignore[no-untyped-def]
    return {d.name: d for d in devices_repo.list_devices(ctx.store, citizen.national_id)}


def _entries(ctx: ServiceContext, action: str) -> list:  # type: ignore[no-untyped-def]
    return query_audit(ctx.store, action=action, limit=100)


# --- devices -----------------------------------------------------------------------------------


def test_enable_disables_every_other_device_of_the_id_in_one_service(ctx):
    galaxy = _by_name(ctx, LIN)["Samsung Galaxy A54"]
    change = svc.enable_device(ctx, LIN, galaxy.id)
    now = _by_name(ctx, LIN)
    assert now["Samsung Galaxy A54"].enabled and not now["Apple iPhone 15"].enabled
    assert [d.name for d in change.also_disabled] == ["Apple iPhone 15"]
    (entry,) = _entries(ctx, "device_enabled")
    assert entry.outcome == "ok" and entry.subject.startswith("F223****86")
    detail = entry.detail
    assert detail["binding"] == galaxy.id and detail["also_disabled"] == [now["Apple iPhone 15"].id]
    before = {d["name"]: d["enabled"] for d in detail["before"]}
    after = {d["name"]: d["enabled"] for d in detail["after"]}
    assert before == {"Apple iPhone 15": True, "Samsung Galaxy A54": False}
    assert after == {"Apple iPhone 15": False, "Samsung Galaxy A54": True}
    text = json.dumps(detail, ensure_ascii=False)
    assert LIN.national_id not in text and LIN.name not in text
    (receipt,) = ctx.receipts  # type: ignore[attr-defined]
    assert receipt.kind is ReceiptKind.DEVICE_ENABLED
    assert ("同時停用", "Apple iPhone 15") in receipt.lines
    assert get_job(ctx.store, change.job_id).kind == "device_enabled"
    assert verify_chain(ctx.store).ok


def test_enable_never_touches_another_id_sharing_the_device(ctx):
    # Seed 004: many IDs may bind the same phone; each ID keeps its own one-enabled rule.
    pixel = _by_name(ctx, CHANG)["Google Pixel 8"]
    shared = devices_repo.bind_device(ctx.store, LIN.national_id, pixel.device_id, "Google Pixel 8",
                                      now=ctx.clock.now(), enabled=False)
    svc.enable_device(ctx, LIN, shared.id)
    assert _by_name(ctx, CHANG)["Google Pixel 8"].enabled
    assert _by_name(ctx, LIN)["Google Pixel 8"].enabled
    assert not _by_name(ctx, LIN)["Apple iPhone 15"].enabled


def test_disable_keeps_the_device_listed(ctx):
    iphone = _by_name(ctx, LIN)["Apple iPhone 15"]
    change = svc.disable_device(ctx, LIN, iphone.id)
    assert not change.device.enabled
    assert not any(d.enabled for d in devices_repo.list_devices(ctx.store, LIN.national_id))
    assert len(change.devices) == 2
    (entry,) = _entries(ctx, "device_disabled")
    assert [d["enabled"] for d in entry.detail["before"] if d["binding"] == iphone.id] == [True]
    assert [d["enabled"] for d in entry.detail["after"] if d["binding"] == iphone.id] == [False]
    assert [r.kind for r in ctx.receipts] == [ReceiptKind.DEVICE_DISABLED]  # type: ignore[attr-defined]


def test_unbind_removes_from_the_list_and_is_audited(ctx):
    iphone = _by_name(ctx, LIN)["Apple iPhone 15"]
    change = svc.unbind_device(ctx, LIN, iphone.id)
    assert change.device.name == "Apple iPhone 15"
    assert list(_by_name(ctx, LIN)) == ["Samsung Galaxy A54"]
    (entry,) = _entries(ctx, "device_unbound")
    assert entry.detail["was_enabled"] is True
    assert [d["name"] for d in entry.detail["after"]] == ["Samsung Galaxy A54"]
    assert [r.kind for r in ctx.receipts] == [ReceiptKind.DEVICE_UNBOUND]  # type: ignore[attr-defined]


def test_unbind_is_allowed_for_a_locked_account_but_enable_is_not(ctx):
    devices_repo.bind_device(ctx.store, WANG.national_id, "dev-w", "Old phone", now=ctx.clock.now(),
                             enabled=False)
    (old,) = devices_repo.list_devices(ctx.store, WANG.national_id)
    with pytest.raises(KioskError, match="已鎖定"):
        svc.enable_device(ctx, WANG, old.id)
    assert not devices_repo.get_device(ctx.store, old.id).enabled
    assert _entries(ctx, "device_enabled") == [] and queued_jobs(ctx.store) == []
    svc.unbind_device(ctx, WANG, old.id)
    assert devices_repo.list_devices(ctx.store, WANG.national_id) == []


def test_a_device_of_another_id_is_refused_as_missing(ctx):
    pixel = _by_name(ctx, CHANG)["Google Pixel 8"]
    for action in (svc.disable_device, svc.unbind_device):
        with pytest.raises(KioskError, match="查無此裝置"):
            action(ctx, LIN, pixel.id)
    assert _by_name(ctx, CHANG)["Google Pixel 8"].enabled
    assert queued_jobs(ctx.store) == []


def test_enabling_an_enabled_device_changes_nothing(ctx):
    iphone = _by_name(ctx, LIN)["Apple iPhone 15"]
    with pytest.raises(KioskError, match="已是啟用"):
        svc.enable_device(ctx, LIN, iphone.id)
    assert _entries(ctx, "device_enabled") == [] and queued_jobs(ctx.store) == []


# --- codes -------------------------------------------------------------------------------------


def test_issue_stores_an_open_code_with_its_lifetime_and_audits_without_the_code(ctx):
    issued = svc.issue_device_code(ctx, LIN)
    code = issued.code
    assert code_rules.is_verification_code(code.code)
    assert code.expires_at - code.created_at == timedelta(minutes=ctx.config.rules.code_lifetime_minutes)
    assert svc.current_code(ctx, LIN) == code
    (entry,) = _entries(ctx, "device_code_issued")
    assert entry.outcome == "ok" and entry.detail["voided_previous"] is False
    # The code is a secret while it lives: it is in the receipt job, never in the audit log.
    assert code.code not in json.dumps(entry.detail) and code.code not in entry.subject
    assert [r.kind for r in ctx.receipts] == [ReceiptKind.DEVICE_CODE]  # type: ignore[attr-defined]


def test_printed_receipt_qr_decodes_to_the_stored_code(ctx):
    issued = svc.issue_device_code(ctx, LIN)
    image = preview_image(get_job(ctx.store, issued.job_id).payload)
    found = [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]
    stored = codes_repo.current_code(ctx.store, LIN.national_id, ctx.clock.now())
    assert stored is not None and found == [stored.code]


def test_a_new_code_voids_the_previous_one(ctx):
    first = svc.issue_device_code(ctx, LIN, make_code=lambda: "R17b63g9").code
    second = svc.issue_device_code(ctx, LIN, make_code=lambda: "E19k324F")
    assert second.voided_previous
    assert svc.current_code(ctx, LIN).code == "E19k324F"
    with pytest.raises(KioskError, match="作廢"):
        codes_repo.redeem_code(ctx.store, LIN.national_id, first.code, ctx.clock.now())
    assert [e.detail["voided_previous"] for e in _entries(ctx, "device_code_issued")] == [True, False]


def test_a_code_is_single_use(ctx):
    code = svc.issue_device_code(ctx, LIN).code
    redeemed = codes_repo.redeem_code(ctx.store, LIN.national_id, code.code, ctx.clock.now())
    assert redeemed.state is CodeState.REDEEMED
    with pytest.raises(KioskError, match="已使用"):
        codes_repo.redeem_code(ctx.store, LIN.national_id, code.code, ctx.clock.now())
    assert svc.current_code(ctx, LIN) is None
    assert svc.latest_code(ctx, LIN).state is CodeState.REDEEMED


def test_a_code_cannot_be_redeemed_after_expiry(ctx, clock):
    code = svc.issue_device_code(ctx, LIN).code
    clock.advance(timedelta(minutes=10))
    with pytest.raises(KioskError, match="逾期"):
        codes_repo.redeem_code(ctx.store, LIN.national_id, code.code, clock.now())
    assert svc.current_code(ctx, LIN) is None
    assert svc.latest_code(ctx, LIN).state is CodeState.EXPIRED


def test_codes_are_case_sensitive(ctx):
    svc.issue_device_code(ctx, LIN, make_code=lambda: "De7242jZ")
    with pytest.raises(KioskError, match="查無"):
        codes_repo.redeem_code(ctx.store, LIN.national_id, "de7242jz", ctx.clock.now())


@pytest.mark.parametrize(("citizen", "state", "words"), [
    (WANG, "locked", "已鎖定"), (HUANG, "deregistered", "已停用"), (NEWBIE, "unregistered", "未註冊"),
])
def test_no_code_for_an_account_that_is_not_active(ctx, citizen, state, words):
    with pytest.raises(KioskError, match=words) as info:
        svc.issue_device_code(ctx, citizen)
    assert info.value.action  # says what to do
    assert codes_repo.latest_code(ctx.store, citizen.national_id, ctx.clock.now()) is None
    assert queued_jobs(ctx.store) == []
    (entry,) = _entries(ctx, "device_code_issued")
    assert entry.outcome == "refused" and entry.detail == {"account_state": state}


def test_reprint_needs_a_valid_code_and_prints_the_same_one(ctx, clock):
    with pytest.raises(KioskError, match="沒有有效"):
        svc.print_current_code(ctx, LIN)
    issued = svc.issue_device_code(ctx, LIN)
    code, job = svc.print_current_code(ctx, LIN)
    assert code == issued.code and job != issued.job_id
    assert len(_entries(ctx, "device_code_printed")) == 1
    clock.advance(timedelta(minutes=11))
    with pytest.raises(KioskError, match="沒有有效"):
        svc.print_current_code(ctx, LIN)


def test_unbound_device_stays_in_the_history_and_cannot_be_changed(ctx):
    galaxy = _by_name(ctx, LIN)["Samsung Galaxy A54"]
    change = svc.unbind_device(ctx, LIN, galaxy.id)
    listed = {d.name: d for d in svc.list_devices(ctx, LIN)}
    assert set(listed) == {"Apple iPhone 15", "Samsung Galaxy A54"}
    assert listed["Samsung Galaxy A54"].unbound_at == ctx.clock.now()
    assert listed["Apple iPhone 15"].unbound_at is None
    assert {d.name for d in change.devices} == set(listed)
    for action in (svc.enable_device, svc.disable_device, svc.unbind_device):
        with pytest.raises(KioskError, match="已解除綁定"):
            action(ctx, LIN, galaxy.id)
    assert len(_entries(ctx, "device_unbound")) == 1
