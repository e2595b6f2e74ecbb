"""Virtual card services on a real database file: one transaction, one audit entry, receipts."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, timedelta

import pytest
from PIL import Image

from data import accounts, vcards
from data import authorizations as auth_repo
from data.audit import query_audit, verify_chain
from data.demo import DEMO_CITIZENS
from data.print_jobs import queued_jobs
from kiosk.core.errors import InvalidTransition, KioskError, ValidationError
from kiosk.core.ids import check_digit
from kiosk.core.models import (
    AccountState,
    AuthorizationState,
    Citizen,
    Contact,
    VirtualCardState,
)
from kiosk.core.photo import prepare_photo
from kiosk.services import virtual_card as svc
from kiosk.services.context import ServiceContext
from printing.receipt import Receipt, ReceiptKind

BY_ID = {c.national_id: c for c in DEMO_CITIZENS}
LIN, CHANG, HUANG, WANG = (BY_ID[i] for i in ("F223456786", "K128765433", "S224567895", "B120000008"))


@pytest.fixture
def ctx(service_ctx: ServiceContext) -> ServiceContext:
    return service_ctx


def _photo():  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    Image.new("RGB", (600, 800), "peru").save(out, "JPEG")
    return prepare_photo(out.getvalue())


def _audit(ctx: ServiceContext) -> list[tuple[str, str]]:
    return [(e.action, e.outcome) for e in reversed(query_audit(ctx.store, limit=100))]


def _child(ctx: ServiceContext, *, years: int = 10) -> Citizen:
    prefix = "A12000001"
    child = Citizen(prefix + check_digit(prefix), "陳小寶", date(2026 - years, 12, 1), "M", "000099990000")
    accounts.create_account(ctx.store, child.national_id, child.name, state=AccountState.ACTIVE,
                            now=ctx.clock.now(), contact=Contact(mobile="0912000111"))
    vcards.create_application(ctx.store, child.national_id, applied_at=ctx.clock.now() - timedelta(days=30),
                              channel="app", state=VirtualCardState.APPROVED)
    return child


def test_grantee_ids_use_the_one_id_mask():
    """One rule for IDs everywhere (issue 12 item 18): no A223***789 beside A223****89."""
    assert not hasattr(svc, "mask_short_id")


def test_overview_of_card_holder_with_authorizations(ctx):
    view = svc.card_overview(ctx, LIN)
    assert view.current is not None and view.current.state is VirtualCardState.APPROVED
    assert view.live == view.current
    assert {a.grantee_id: a.state for a in view.granted} == {
        "K128765433": AuthorizationState.ACTIVE, "S224567895": AuthorizationState.CANCELLED}
    assert [a.grantee_id for a in view.active_granted] == ["K128765433"]
    assert not view.received and not view.document_photo_allowed
    received = svc.card_overview(ctx, CHANG).received
    assert [(a.grantor_id, a.code) for a in received] == [("F223456786", "482913")]
    assert svc.card_overview(ctx, HUANG).live is None
    assert svc.card_overview(ctx, HUANG).current.state is VirtualCardState.REVOKED


def test_revoke_cancels_granted_authorizations_in_one_transaction(ctx):
    before = len(query_audit(ctx.store, limit=100))
    result = svc.revoke_card(ctx, LIN, svc.RevokeReason.DEVICE_LOST)
    assert result.card.state is VirtualCardState.REVOKED
    assert [a.code for a in result.cancelled] == ["482913"]
    assert vcards.current_card(ctx.store, LIN.national_id).state is VirtualCardState.REVOKED
    assert all(a.state is AuthorizationState.CANCELLED
               for a in auth_repo.list_granted(ctx.store, LIN.national_id))
    entries = query_audit(ctx.store, limit=100)
    assert len(entries) == before + 1
    entry = entries[0]
    assert entry.action == "virtual_card_revoked" and entry.subject == "F223****86 林○華"
    assert entry.detail["reason"] == "device_lost" and entry.detail["grantees"] == ["K128****33"]
    assert "F223456786" not in str(entry.detail) and "K128765433" not in str(entry.detail)
    assert [r.kind for r in ctx.receipts] == [ReceiptKind.VIRTUAL_CARD_REVOKED]
    assert ("註銷原因", "行動裝置遺失或遭竊") in ctx.receipts[0].lines
    assert ("取消授權", "1 筆") in ctx.receipts[0].lines
    assert [j.kind for j in queued_jobs(ctx.store)] == ["virtual_card_revoked"]
    assert verify_chain(ctx.store).ok


def test_revoke_without_live_card_changes_nothing(ctx):
    before = _audit(ctx)
    with pytest.raises(InvalidTransition):
        svc.revoke_card(ctx, HUANG, svc.RevokeReason.OWN_REQUEST)
    assert _audit(ctx) == before and not queued_jobs(ctx.store)


def test_photo_replacement_revokes_and_applies_with_the_new_photo(ctx):
    photo = _photo()
    result = svc.apply_with_photo(ctx, LIN, photo)
    assert result.revoked is not None and result.revoked.state is VirtualCardState.REVOKED
    assert [a.code for a in result.cancelled] == ["482913"]
    app = result.application
    assert (app.state, app.channel) == (VirtualCardState.PENDING, "counter")
    assert vcards.get_photo(ctx.store, app.id) == photo.jpeg
    assert [c.state for c in vcards.list_cards(ctx.store, LIN.national_id)] == [
        VirtualCardState.PENDING, VirtualCardState.REVOKED]
    entries = [e for e in query_audit(ctx.store, limit=100) if e.action.startswith("virtual_card")]
    assert len(entries) == 1 and entries[0].action == "virtual_card_photo_replaced"
    detail = entries[0].detail
    assert detail["photo_source"] == "upload" and detail["photo_bytes"] == len(photo.jpeg)
    kinds = [ReceiptKind.VIRTUAL_CARD_REVOKED, ReceiptKind.VIRTUAL_CARD_APPLIED]
    assert [r.kind for r in ctx.receipts] == kinds
    applied = dict(ctx.receipts[1].lines)
    assert applied["目前狀態"] == "審核中" and applied["相片來源"] == "臨櫃拍攝／上傳相片"
    assert [j.kind for j in queued_jobs(ctx.store)] == ["virtual_card_revoked", "virtual_card_applied"]


def test_auto_approve_setting_approves_at_once(ctx):
    ctx.config = dataclasses.replace(ctx.config, rules=dataclasses.replace(
        ctx.config.rules, counter_card_auto_approve=True))
    result = svc.apply_with_photo(ctx, CHANG, _photo())
    assert result.application.state is VirtualCardState.APPROVED
    assert result.application.decided_at is not None
    applied = ctx.receipts[-1]
    assert dict(applied.lines)["目前狀態"] == "審核通過"
    assert not any(n.startswith("審核約需") for n in applied.notes)


def test_a_failure_midway_leaves_the_old_card_alone(ctx):
    calls = []

    def fail_second(receipt: Receipt) -> int:
        calls.append(receipt)
        if len(calls) == 2:
            raise KioskError("boom")
        return 1

    ctx.queue.enqueue = fail_second
    before = _audit(ctx)
    with pytest.raises(KioskError):
        svc.apply_with_photo(ctx, LIN, _photo())
    assert [c.state for c in vcards.list_cards(ctx.store, LIN.national_id)] == [VirtualCardState.APPROVED]
    assert {a.code: a.state for a in auth_repo.list_granted(ctx.store, LIN.national_id)}["482913"] is \
        AuthorizationState.ACTIVE
    assert _audit(ctx) == before


def test_new_application_when_no_live_card(ctx):
    vcards.set_card_state(ctx.store, vcards.current_card(ctx.store, CHANG.national_id).id,
                          VirtualCardState.REVOKED, now=ctx.clock.now())
    result = svc.apply_with_photo(ctx, CHANG, _photo())
    assert result.revoked is None and result.application.state is VirtualCardState.PENDING
    assert query_audit(ctx.store, limit=1)[0].action == "virtual_card_applied"
    assert [r.kind for r in ctx.receipts] == [ReceiptKind.VIRTUAL_CARD_APPLIED]


def test_locked_account_cannot_apply(ctx):
    with pytest.raises(InvalidTransition) as caught:
        svc.apply_with_photo(ctx, WANG, _photo())
    assert "F5" in caught.value.action
    assert not vcards.list_cards(ctx.store, WANG.national_id)


def test_document_photo_refused_from_14(ctx):
    with pytest.raises(ValidationError):
        svc.apply_with_photo(ctx, LIN, None, source=svc.PhotoSource.ID_DOCUMENT)
    assert vcards.current_card(ctx.store, LIN.national_id).state is VirtualCardState.APPROVED


def test_upload_without_photo_refused(ctx):
    with pytest.raises(ValidationError):
        svc.apply_with_photo(ctx, LIN, None)


def test_under_14_uses_document_photo_and_stores_none(ctx):
    child = _child(ctx)
    assert svc.card_overview(ctx, child).document_photo_allowed
    result = svc.apply_with_photo(ctx, child, None, source=svc.PhotoSource.ID_DOCUMENT)
    assert vcards.get_photo(ctx.store, result.application.id) is None
    entry = query_audit(ctx.store, limit=1)[0]
    assert entry.detail["photo_source"] == "id_document" and entry.detail["photo_bytes"] == 0
    assert dict(ctx.receipts[-1].lines)["相片來源"] == "使用身分證／健保卡相片（未滿14歲）"


def test_fourteen_year_old_is_not_under_14(ctx):
    teen = dataclasses.replace(_child(ctx), birth_date=date(2012, 11, 22))
    assert not svc.card_overview(ctx, teen).document_photo_allowed


def test_cancel_authorization_by_grantor(ctx):
    auth = next(a for a in auth_repo.list_granted(ctx.store, LIN.national_id) if a.code == "482913")
    cancelled = svc.cancel_authorization(ctx, LIN, auth.id)
    assert cancelled.state is AuthorizationState.CANCELLED
    assert auth_repo.get_authorization(ctx.store, auth.id).state is AuthorizationState.CANCELLED
    entry = query_audit(ctx.store, limit=1)[0]
    assert entry.action == "authorization_cancelled" and entry.detail["grantee"] == "K128****33"
    assert [r.kind for r in ctx.receipts] == [ReceiptKind.AUTHORIZATION_CANCELLED]
    assert ("被授權人", "K128****33") in ctx.receipts[0].lines


def test_cancel_authorization_refusals(ctx):
    granted = {a.code: a for a in auth_repo.list_granted(ctx.store, LIN.national_id)}
    before = _audit(ctx)
    with pytest.raises(KioskError):  # the grantee cannot cancel it with their own card
        svc.cancel_authorization(ctx, CHANG, granted["482913"].id)
    with pytest.raises(InvalidTransition):  # already cancelled
        svc.cancel_authorization(ctx, LIN, granted["735024"].id)
    with pytest.raises(KioskError):
        svc.cancel_authorization(ctx, LIN, 999_999)
    assert _audit(ctx) == before and not ctx.receipts


def test_expired_authorization_cannot_be_cancelled(ctx):
    today = ctx.clock.now().date()
    old = auth_repo.create_authorization(ctx.store, "000123", LIN.national_id, CHANG.national_id,
                                         today - timedelta(days=30), today - timedelta(days=1))
    with pytest.raises(InvalidTransition) as caught:
        svc.cancel_authorization(ctx, LIN, old.id)
    assert "已到期" in caught.value.message
