"""Virtual NHI card at the counter (虛擬健保卡, seed 002): status, revocation, photo replacement,
authorizations.

An approved card's photo cannot change (seed 002 Q5): the counter revokes it and files a new
專案申請 with the new photo in one transaction, so the citizen never leaves with neither card nor
application. Revoking a card cancels every authorization it granted; authorizations it received
stay as they are (DOMAIN rule 6 names only the granted ones).

Under 14 the ID or NHI card photo serves (seed 002): the application then stores no photo at all
(``photo`` is NULL) and the audit entry and the receipt record ``photo_source = id_document``, so
nobody mistakes the empty column for a forgotten upload.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from data import accounts as accounts_repo
from data import authorizations as auth_repo
from data import vcards as vcards_repo
from kiosk.core.clock import TAIPEI
from kiosk.core.errors import InvalidTransition, KioskError, ValidationError
from kiosk.core.masking import mask_id
from kiosk.core.models import (
    LIVE_CARD_STATES,
    AccountState,
    Authorization,
    AuthorizationState,
    Citizen,
    VirtualCard,
    VirtualCardState,
    authorization_transition,
    virtual_card_transition,
)
from kiosk.core.permissions import Action
from kiosk.core.photo import PreparedPhoto, may_use_document_photo
from kiosk.services.context import ServiceContext
from printing.receipt import (
    Receipt,
    authorization_cancelled_receipt,
    virtual_card_applied_receipt,
    virtual_card_revoked_receipt,
)

COUNTER_CHANNEL = "counter"  # 專案申請（醫事／臨櫃人員）


class RevokeReason(StrEnum):
    OWN_REQUEST = "own_request"
    DEVICE_LOST = "device_lost"
    NOT_HOLDER = "not_holder"
    PHOTO_REPLACEMENT = "photo_replacement"


# Printed on the receipt (receipts are in the language of record).
REVOKE_REASON_LABELS_ZH: dict[RevokeReason, str] = {
    RevokeReason.OWN_REQUEST: "本人申請註銷",
    RevokeReason.DEVICE_LOST: "行動裝置遺失或遭竊",
    RevokeReason.NOT_HOLDER: "相片非本人或資料不實",
    RevokeReason.PHOTO_REPLACEMENT: "更換相片（註銷後重新申請）",
}


class PhotoSource(StrEnum):
    UPLOAD = "upload"  # taken or scanned at the counter, checked by kiosk.core.photo
    ID_DOCUMENT = "id_document"  # under 14: the ID or NHI card photo, nothing uploaded


PHOTO_SOURCE_LABELS_ZH: dict[PhotoSource, str] = {
    PhotoSource.UPLOAD: "臨櫃拍攝／上傳相片",
    PhotoSource.ID_DOCUMENT: "使用身分證／健保卡相片（未滿14歲）",
}

LIVE_STATES = LIVE_CARD_STATES


@dataclass(frozen=True)
class CardOverview:
    national_id: str
    account_state: AccountState | None
    cards: tuple[VirtualCard, ...]  # newest first: the history
    granted: tuple[Authorization, ...]
    received: tuple[Authorization, ...]
    document_photo_allowed: bool  # under 14

    @property
    def current(self) -> VirtualCard | None:
        live = [c for c in self.cards if c.state in LIVE_STATES]
        return live[0] if live else (self.cards[0] if self.cards else None)

    @property
    def live(self) -> VirtualCard | None:
        card = self.current
        return card if card is not None and card.state in LIVE_STATES else None

    @property
    def active_granted(self) -> tuple[Authorization, ...]:
        return tuple(a for a in self.granted if a.state is AuthorizationState.ACTIVE)


@dataclass(frozen=True)
class RevokeResult:
    card: VirtualCard
    cancelled: tuple[Authorization, ...]


@dataclass(frozen=True)
class ApplicationResult:
    application: VirtualCard
    revoked: VirtualCard | None
    cancelled: tuple[Authorization, ...]
    photo_source: PhotoSource


def _today(ctx: ServiceContext) -> date:
    return ctx.clock.now().astimezone(TAIPEI).date()


def card_overview(ctx: ServiceContext, citizen: Citizen) -> CardOverview:
    """Everything the status screen shows; a read, so no audit entry."""
    ctx.require(Action.COUNTER_SERVICE)
    nid, today = citizen.national_id, _today(ctx)
    account = accounts_repo.get_account(ctx.store, nid)
    return CardOverview(
        national_id=nid,
        account_state=account.state if account else None,
        cards=tuple(vcards_repo.list_cards(ctx.store, nid)),
        granted=tuple(auth_repo.list_granted(ctx.store, nid, today=today)),
        received=tuple(auth_repo.list_received(ctx.store, nid, today=today)),
        document_photo_allowed=may_use_document_photo(citizen.birth_date, today),
    )


def _no_live_card() -> KioskError:
    return InvalidTransition(
        "此身分證號沒有審核中或審核通過的虛擬健保卡，無可註銷",
        "請確認插入的健保卡是否為申請人本人",
        message_en="This ID has no pending or approved virtual card to revoke.",
        action_en="Check that the card in the reader is the applicant's.",
    )


def _revoke_in_txn(ctx: ServiceContext, card: VirtualCard) -> tuple[VirtualCard, tuple[Authorization, ...]]:
    """Revoke ``card`` and cancel what it granted; the caller holds the transaction."""
    virtual_card_transition(card.state, "revoke")
    now = ctx.clock.now()
    # Named before cancelling: rows past their end date are already expired and are not counted.
    cancelled = tuple(
        dataclasses.replace(a, state=AuthorizationState.CANCELLED)
        for a in auth_repo.list_granted(ctx.store, card.national_id, today=_today(ctx))
        if a.state is AuthorizationState.ACTIVE
    )
    revoked = vcards_repo.set_card_state(ctx.store, card.id, VirtualCardState.REVOKED, now=now)
    auth_repo.cancel_all_granted(ctx.store, card.national_id, now=now)
    return revoked, cancelled


def _with_lines(receipt: Receipt, extra: list[tuple[str, str]], *,
                replace: dict[str, str] | None = None, drop_notes: tuple[str, ...] = ()) -> Receipt:
    # The builders in printing/receipt.py have no parameter for these; the values are not personal.
    lines = tuple((label, (replace or {}).get(label, value)) for label, value in receipt.lines)
    notes = tuple(n for n in receipt.notes if not n.startswith(drop_notes)) if drop_notes else receipt.notes
    return dataclasses.replace(receipt, lines=(*lines, *extra), notes=notes)


def revoke_card(ctx: ServiceContext, citizen: Citizen, reason: RevokeReason) -> RevokeResult:
    """註銷: the live card is revoked and every authorization it granted cancelled, in one transaction."""
    ctx.require(Action.COUNTER_SERVICE)
    with ctx.store.transaction():
        card = vcards_repo.current_card(ctx.store, citizen.national_id)
        if card is None or card.state not in LIVE_STATES:
            raise _no_live_card()
        revoked, cancelled = _revoke_in_txn(ctx, card)
        ctx.audit("virtual_card_revoked", subject_id=citizen.national_id, subject_name=citizen.name,
                  detail={"card_id": card.id, "previous_state": card.state.value, "reason": reason.value,
                          "authorizations_cancelled": len(cancelled),
                          "grantees": [mask_id(a.grantee_id) for a in cancelled]})
        receipt = virtual_card_revoked_receipt(ctx.receipt_header(), citizen, card,
                                               authorizations_cancelled=len(cancelled))
        ctx.queue_receipt(_with_lines(receipt, [("註銷原因", REVOKE_REASON_LABELS_ZH[reason])]))
    return RevokeResult(revoked, cancelled)


def _check_may_apply(ctx: ServiceContext, citizen: Citizen) -> None:
    account = accounts_repo.get_account(ctx.store, citizen.national_id)
    if account is None or account.state is not AccountState.ACTIVE:
        state = account.state if account else AccountState.UNREGISTERED
        hint = {
            AccountState.LOCKED: ("請先解除鎖定（F5）後再申請", "Lift the lockout (F5) first."),
            AccountState.PENDING: ("請先完成註冊（電子郵件確認）", "Complete the registration first."),
        }
        action, action_en = hint.get(state, ("請先辦理臨櫃註冊（F2）", "Register at the counter (F2) first."))
        raise InvalidTransition(
            "申請虛擬健保卡須先完成健保卡網路服務註冊且帳號正常",
            action,
            message_en=f"A virtual card needs an active online-service account; this one is {state.value}.",
            action_en=action_en,
        )


def _check_photo(ctx: ServiceContext, citizen: Citizen, photo: PreparedPhoto | None,
                 source: PhotoSource) -> None:
    if source is PhotoSource.ID_DOCUMENT:
        if not may_use_document_photo(citizen.birth_date, _today(ctx)):
            raise ValidationError(
                "photo", "年滿14歲者須上傳本人近期正面半身照，不得以證件相片代替", "請拍攝或選擇相片",
                message_en="From age 14 a recent frontal half-length photo is needed, not an ID photo.",
                action_en="Take or choose a photo.",
            )
        if photo is not None:
            raise ValueError("an ID-document application carries no uploaded photo")
    elif photo is None:
        raise ValidationError("photo", "尚未選擇相片", "請拍攝或選擇相片",
                              message_en="No photo has been chosen.", action_en="Take or choose a photo.")


def apply_with_photo(ctx: ServiceContext, citizen: Citizen, photo: PreparedPhoto | None, *,
                     source: PhotoSource = PhotoSource.UPLOAD) -> ApplicationResult:
    """Photo replacement: revoke the live card (if any), then a new counter application, at once.

    The new application is pending (審核中) unless ``rules.counter_card_auto_approve`` is on. With
    no live card (none yet, rejected, revoked) this is a plain new counter application.
    """
    ctx.require(Action.COUNTER_SERVICE)
    _check_photo(ctx, citizen, photo, source)
    auto_approve = ctx.config.rules.counter_card_auto_approve
    state = VirtualCardState.APPROVED if auto_approve else VirtualCardState.PENDING
    with ctx.store.transaction():
        _check_may_apply(ctx, citizen)
        previous = vcards_repo.current_card(ctx.store, citizen.national_id)
        revoked: VirtualCard | None = None
        cancelled: tuple[Authorization, ...] = ()
        if previous is not None and previous.state in LIVE_STATES:
            revoked, cancelled = _revoke_in_txn(ctx, previous)
        application = vcards_repo.create_application(
            ctx.store, citizen.national_id, applied_at=ctx.clock.now(), channel=COUNTER_CHANNEL,
            photo=photo.jpeg if photo is not None else None, state=state,
        )
        ctx.audit("virtual_card_photo_replaced" if revoked is not None else "virtual_card_applied",
                  subject_id=citizen.national_id, subject_name=citizen.name,
                  detail={"revoked_card_id": revoked.id if revoked is not None else None,
                          "application_id": application.id, "state": application.state.value,
                          "channel": COUNTER_CHANNEL, "photo_source": source.value,
                          "photo_bytes": len(photo.jpeg) if photo is not None else 0,
                          "authorizations_cancelled": len(cancelled),
                          "grantees": [mask_id(a.grantee_id) for a in cancelled]})
        if revoked is not None:
            receipt = virtual_card_revoked_receipt(ctx.receipt_header(), citizen, revoked,
                                                   authorizations_cancelled=len(cancelled))
            ctx.queue_receipt(_with_lines(receipt, [
                ("註銷原因", REVOKE_REASON_LABELS_ZH[RevokeReason.PHOTO_REPLACEMENT])]))
        applied = virtual_card_applied_receipt(ctx.receipt_header(), citizen, application)
        extra = [("相片來源", PHOTO_SOURCE_LABELS_ZH[source])]
        if auto_approve:
            applied = _with_lines(applied, extra, replace={"目前狀態": "審核通過"}, drop_notes=("審核約需",))
        else:
            applied = _with_lines(applied, extra)
        ctx.queue_receipt(applied)
    return ApplicationResult(application, revoked, cancelled, source)


def cancel_authorization(ctx: ServiceContext, grantor: Citizen, authorization_id: int) -> Authorization:
    """Cancel one authorization the card holder granted (seed 002: 查詢/取消授權)."""
    ctx.require(Action.COUNTER_SERVICE)
    with ctx.store.transaction():
        auth = auth_repo.get_authorization(ctx.store, authorization_id, today=_today(ctx))
        if auth is None or auth.grantor_id != grantor.national_id:
            raise KioskError(
                "此授權不是插入之健保卡持有人所授予，無法由其取消",
                "請由授權人本人持健保卡辦理",
                message_en="This authorization was not granted by the holder of the card in the reader.",
                action_en="The grantor must come with their own NHI card.",
            )
        authorization_transition(auth.state, "cancel")
        cancelled = auth_repo.cancel_authorization(ctx.store, auth.id, now=ctx.clock.now())
        ctx.audit("authorization_cancelled", subject_id=grantor.national_id, subject_name=grantor.name,
                  detail={"authorization_id": auth.id, "grantee": mask_id(auth.grantee_id),
                          "starts_on": auth.starts_on.isoformat(), "ends_on": auth.ends_on.isoformat()})
        ctx.queue_receipt(authorization_cancelled_receipt(ctx.receipt_header(), grantor, cancelled))
    return cancelled
