"""The receipt a citizen takes home: a pure model and one builder per counter service.

Builders take domain values as the services hold them (full ID, full card number) and mask them
here, so no caller can forget to: the receipt model only ever holds what may be printed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from kiosk.core.masking import mask_card_number, mask_contact_field, mask_id, mask_name, scrub
from kiosk.core.models import (
    AccountState,
    Authorization,
    Citizen,
    Contact,
    DeregistrationReason,
    DeviceBinding,
    IdDocument,
    PriorState,
    VerificationCode,
    VirtualCard,
    VirtualCardState,
)
from kiosk.core.rocdate import format_citizen_date, format_citizen_datetime


class ReceiptKind(StrEnum):
    REGISTRATION = "registration"
    DEREGISTRATION = "deregistration"
    PASSWORD_RESET = "password_reset"
    LOCKOUT_LIFTED = "lockout_lifted"
    PENDING_CANCELLED = "pending_cancelled"
    CONTACT_UPDATED = "contact_updated"
    DEVICE_ENABLED = "device_enabled"
    DEVICE_DISABLED = "device_disabled"
    DEVICE_UNBOUND = "device_unbound"
    DEVICE_CODE = "device_code"
    VIRTUAL_CARD_REVOKED = "virtual_card_revoked"
    VIRTUAL_CARD_APPLIED = "virtual_card_applied"
    AUTHORIZATION_CANCELLED = "authorization_cancelled"
    ACCOUNT_STATUS = "account_status"
    DAILY_SUMMARY = "daily_summary"


# (zh title, en subtitle): the zh wording follows the seeds' menu names.
TITLES: dict[ReceiptKind, tuple[str, str]] = {
    ReceiptKind.REGISTRATION: ("健保卡網路服務臨櫃註冊", "In-person registration"),
    ReceiptKind.DEREGISTRATION: ("健保卡網路服務註冊停用", "Deregistration"),
    ReceiptKind.PASSWORD_RESET: ("註冊密碼重設", "Password reset"),
    ReceiptKind.LOCKOUT_LIFTED: ("帳號鎖定解除", "Lockout lifted"),
    ReceiptKind.PENDING_CANCELLED: ("刪除註冊申請", "Pending registration cancelled"),
    ReceiptKind.CONTACT_UPDATED: ("基本資料異動", "Contact data updated"),
    ReceiptKind.DEVICE_ENABLED: ("行動裝置啟用", "Mobile device enabled"),
    ReceiptKind.DEVICE_DISABLED: ("行動裝置停用", "Mobile device disabled"),
    ReceiptKind.DEVICE_UNBOUND: ("行動裝置解除綁定", "Mobile device unbound"),
    ReceiptKind.DEVICE_CODE: ("行動裝置認證碼", "Device verification code"),
    ReceiptKind.VIRTUAL_CARD_REVOKED: ("虛擬健保卡註銷", "Virtual NHI card revoked"),
    ReceiptKind.VIRTUAL_CARD_APPLIED: ("虛擬健保卡臨櫃申請", "Virtual NHI card application"),
    ReceiptKind.AUTHORIZATION_CANCELLED: ("虛擬健保卡授權取消", "Authorization cancelled"),
    ReceiptKind.ACCOUNT_STATUS: ("健保卡網路服務帳號狀態", "Account status"),
    ReceiptKind.DAILY_SUMMARY: ("櫃檯每日作業統計", "Daily counter summary"),
}

DOCUMENT_LABELS: dict[IdDocument, str] = {
    IdDocument.NATIONAL_ID_CARD: "國民身分證",
    IdDocument.RESIDENT_CERTIFICATE: "居留證",
    IdDocument.PASSPORT: "護照",
    IdDocument.HOUSEHOLD_CERTIFICATE: "戶口名簿",
}

REASON_LABELS: dict[DeregistrationReason, str] = {
    DeregistrationReason.OWN_REQUEST: "本人申請",
    DeregistrationReason.MISUSE: "健保卡或密碼遭他人冒用",
    DeregistrationReason.FALSE_DATA: "資料不完整或不實",
}

# Where the rule to stop the service at once on misuse is written (seed 000).
MISUSE_RULE = "全民健康保險網路服務註冊管理作業要點第十一點"

FOOTER = ("本收據已遮蔽個人資料，請妥善保管。", "Personal data on this receipt is masked.")

_NO_PASSWORD = "本收據不印出密碼，請自行牢記；同一組密碼可登入健保卡網路服務註冊系統及「健保快易通」APP。"
_FORGOT = "忘記密碼或帳號遭鎖定，請攜健保卡及身分證明文件至臨櫃辦理。"


@dataclass(frozen=True, slots=True)
class ReceiptHeader:
    centre: str
    counter: str
    staff_no: str
    txn_no: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Receipt:
    """Everything printed, already masked. ``qr`` is the QR payload; ``code`` is shown large below it."""

    kind: ReceiptKind
    header: ReceiptHeader
    title: str
    subtitle: str = ""
    lines: tuple[tuple[str, str], ...] = ()
    qr: str | None = None
    code: str | None = None
    notes: tuple[str, ...] = ()
    footer: tuple[str, ...] = field(default=FOOTER)

    def text_lines(self) -> list[str]:
        """Every piece of text the receipt prints, for checks that nothing personal leaks."""
        h = self.header
        out = [h.centre, h.counter, h.staff_no, h.txn_no, format_citizen_datetime(h.at)]
        out += [self.title, self.subtitle]
        for label, value in self.lines:
            out += [label, value]
        out += [s for s in (self.qr, self.code) if s]
        return [*out, *self.notes, *self.footer]

    def preview_text(self) -> str:
        """The receipt laid out as plain text, for the print queue's on-screen preview."""
        h = self.header
        out = [h.centre, f"櫃檯 {h.counter}　人員 {h.staff_no}", f"交易序號 {h.txn_no}", format_citizen_datetime(h.at),
               "", self.title]
        if self.subtitle:
            out.append(self.subtitle)
        out.append("")
        out += [f"{label}：{value}" for label, value in self.lines]
        if self.code:
            out += ["", f"[QR] {self.code}"]
        if self.notes:
            out += ["", *self.notes]
        return "\n".join([*out, "", *self.footer])


def _receipt(kind: ReceiptKind, header: ReceiptHeader, lines: Iterable[tuple[str, str]],
             notes: Iterable[str] = (), *, qr: str | None = None, code: str | None = None) -> Receipt:
    title, subtitle = TITLES[kind]
    return Receipt(kind=kind, header=header, title=title, subtitle=subtitle,
                   lines=tuple((label, scrub(value)) for label, value in lines),
                   qr=qr, code=code, notes=tuple(scrub(n) for n in notes))


def _who(citizen: Citizen) -> list[tuple[str, str]]:
    lines = [("姓名", mask_name(citizen.name)), ("身分證號", mask_id(citizen.national_id))]
    if citizen.card_number:
        lines.append(("健保卡號", mask_card_number(citizen.card_number)))
    return lines


# The names the registration and contact screens give these fields (seed 001: 聯絡電話 is the landline).
CONTACT_LABELS: dict[str, str] = {
    "mobile": "行動電話",
    "landline": "聯絡電話",
    "email": "E-Mail(主要)",
    "backup_email": "E-Mail(備用)",
    "household_no": "戶號",
}


def _contact_lines(contact: Contact) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for field_name, label in CONTACT_LABELS.items():
        value = getattr(contact, field_name)
        if value:
            lines.append((label, mask_contact_field(field_name, value)))
    return lines


# What the citizen had before registering here: a cancelled web application is never a deregistration.
PRIOR_LABELS: dict[PriorState, str] = {
    PriorState.NONE: "未註冊",
    PriorState.DEREGISTERED: "已停用，本次重新註冊",
    PriorState.APPLICATION_CANCELLED: "網路註冊申請已刪除",
}


def registration_receipt(header: ReceiptHeader, citizen: Citizen, contact: Contact,
                         document: IdDocument, *, prior: PriorState = PriorState.NONE) -> Receipt:
    lines = [*_who(citizen), ("身分證明文件", DOCUMENT_LABELS[document]), *_contact_lines(contact),
             ("辦理前狀態", PRIOR_LABELS[prior]), ("帳號狀態", "已註冊（臨櫃註冊免電子郵件確認）")]
    return _receipt(ReceiptKind.REGISTRATION, header, lines, [_NO_PASSWORD, _FORGOT])


def deregistration_receipt(header: ReceiptHeader, citizen: Citizen, reason: DeregistrationReason, *,
                           devices_disabled: int = 0, codes_voided: int = 0, card_revoked: bool = False,
                           authorizations_cancelled: int = 0) -> Receipt:
    lines = [*_who(citizen), ("停用原因", REASON_LABELS[reason]), ("停用行動裝置", f"{devices_disabled} 部"),
             ("作廢裝置認證碼", f"{codes_voided} 組"), ("虛擬健保卡", "已註銷" if card_revoked else "無"),
             ("取消授權", f"{authorizations_cancelled} 筆")]
    notes = ["健保卡網路服務已停用，所有行動裝置及授權一併停止。", "如需再次使用，請重新辦理註冊。"]
    if reason is DeregistrationReason.MISUSE:
        notes.append(f"健保卡或密碼遭他人冒用，依{MISUSE_RULE}立即停止服務；必要時請向警察機關報案。")
    return _receipt(ReceiptKind.DEREGISTRATION, header, lines, notes)


def password_reset_receipt(header: ReceiptHeader, citizen: Citizen) -> Receipt:
    lines = [*_who(citizen), ("辦理結果", "註冊密碼已重設")]
    return _receipt(ReceiptKind.PASSWORD_RESET, header, lines, [_NO_PASSWORD])


def lockout_lifted_receipt(header: ReceiptHeader, citizen: Citizen) -> Receipt:
    lines = [*_who(citizen), ("辦理結果", "密碼錯誤鎖定已解除")]
    notes = ["密碼連續輸入錯誤達上限時帳號將再次鎖定。", "忘記密碼請申請重設註冊密碼。"]
    return _receipt(ReceiptKind.LOCKOUT_LIFTED, header, lines, notes)


def pending_cancelled_receipt(header: ReceiptHeader, citizen: Citizen) -> Receipt:
    lines = [*_who(citizen), ("辦理結果", "尚未確認之網路註冊申請已刪除")]
    notes = ["如需使用健保卡網路服務，可重新申請註冊。"]
    return _receipt(ReceiptKind.PENDING_CANCELLED, header, lines, notes)


def contact_updated_receipt(header: ReceiptHeader, citizen: Citizen, before: Contact,
                            after: Contact) -> Receipt:
    changed = [(label, value) for label, value in _contact_lines(after)
               if (label, value) not in _contact_lines(before)]
    removed = {label for label, _ in _contact_lines(before)} - {label for label, _ in _contact_lines(after)}
    lines = [*_who(citizen), *changed, *((label, "已刪除") for label in sorted(removed))]
    if not changed and not removed:
        lines.append(("辦理結果", "資料無變更"))
    return _receipt(ReceiptKind.CONTACT_UPDATED, header, lines, ["以上為異動後之聯絡資料（已遮蔽）。"])


def _device_lines(citizen: Citizen, device: DeviceBinding) -> list[tuple[str, str]]:
    lines = [*_who(citizen), ("裝置名稱", device.name), ("綁定時間", format_citizen_datetime(device.bound_at))]
    if device.last_used_at is not None:
        lines.append(("最後使用", format_citizen_datetime(device.last_used_at)))
    return lines


def device_enabled_receipt(header: ReceiptHeader, citizen: Citizen, device: DeviceBinding,
                           also_disabled: Sequence[DeviceBinding] = ()) -> Receipt:
    lines = [*_device_lines(citizen, device), ("辦理結果", "已啟用")]
    lines += [("同時停用", other.name) for other in also_disabled]
    notes = ["同一身分證號同一時間僅能啟用一部行動裝置，其他裝置已停用。"]
    return _receipt(ReceiptKind.DEVICE_ENABLED, header, lines, notes)


def device_disabled_receipt(header: ReceiptHeader, citizen: Citizen, device: DeviceBinding) -> Receipt:
    lines = [*_device_lines(citizen, device), ("辦理結果", "已停用")]
    return _receipt(ReceiptKind.DEVICE_DISABLED, header, lines, ["停用之裝置可於臨櫃再次啟用。"])


def device_unbound_receipt(header: ReceiptHeader, citizen: Citizen, device: DeviceBinding) -> Receipt:
    lines = [*_device_lines(citizen, device), ("辦理結果", "已解除綁定")]
    notes = ["此裝置如需再使用，請重新產生裝置認證碼進行認證。"]
    return _receipt(ReceiptKind.DEVICE_UNBOUND, header, lines, notes)


DEVICE_CODE_INSTRUCTIONS = (
    "1. 開啟手機【健保快易通】APP，選擇【裝置碼認證】畫面。",
    "2. 方法一、點選【QR code掃描認證】，掃描上方 QR-Code；或 方法二、輸入裝置認證碼。",
    "3. 完成認證後，輸入「帳號（身分證號）」及健保卡網路服務註冊「密碼」，"
    "點選「登入」，即可使用「健康存摺」。",
    "＊行動裝置具照相機功能，建議以讀取QR-Code方式認證；不具照相機功能，請輸入裝置認證碼明碼。",
    "＊若超過裝置認證碼有效時間，請重新產生裝置認證碼。認證碼限使用一次，產生新碼後舊碼即失效。",
    "＊認證碼下方標示：大＝大寫英文字母、小＝小寫英文字母、數＝數字。",
)


def device_code_receipt(header: ReceiptHeader, citizen: Citizen, code: VerificationCode) -> Receipt:
    lines = [*_who(citizen), ("有效時間至", format_citizen_datetime(code.expires_at))]
    return _receipt(ReceiptKind.DEVICE_CODE, header, lines, DEVICE_CODE_INSTRUCTIONS,
                    qr=code.code, code=code.code)


def virtual_card_revoked_receipt(header: ReceiptHeader, citizen: Citizen, card: VirtualCard, *,
                                 authorizations_cancelled: int = 0) -> Receipt:
    lines = [*_who(citizen), ("申請日期", format_citizen_date(card.applied_at.date())),
             ("辦理結果", "虛擬健保卡已註銷"), ("取消授權", f"{authorizations_cancelled} 筆")]
    notes = ["註銷後，此卡授權之家人或照顧者已無法使用。",
             "審核通過後不可更換照片；如需更換，請於註銷後重新臨櫃申請。"]
    return _receipt(ReceiptKind.VIRTUAL_CARD_REVOKED, header, lines, notes)


def virtual_card_applied_receipt(header: ReceiptHeader, citizen: Citizen, card: VirtualCard) -> Receipt:
    lines = [*_who(citizen), ("申請日期", format_citizen_date(card.applied_at.date())),
             ("申請管道", "臨櫃專案申請"), ("目前狀態", "審核中")]
    notes = ["審核約需7個工作天，結果請於「健保快易通」APP查詢。",
             "如遭退件（例如未上傳照片、臉部過小、五官不清），請依退件原因重新申請。"]
    return _receipt(ReceiptKind.VIRTUAL_CARD_APPLIED, header, lines, notes)


def authorization_cancelled_receipt(header: ReceiptHeader, grantor: Citizen,
                                    authorization: Authorization) -> Receipt:
    lines = [*_who(grantor), ("授權碼", authorization.code), ("被授權人", mask_id(authorization.grantee_id)),
             ("授權期間", f"{format_citizen_date(authorization.starts_on)} ～ "
                          f"{format_citizen_date(authorization.ends_on)}"),
             ("辦理結果", "授權已取消")]
    notes = ["取消後，被授權人無法再使用您的虛擬健保卡。"]
    return _receipt(ReceiptKind.AUTHORIZATION_CANCELLED, header, lines, notes)


# How an account came to be registered (``Account.registered_via``).
VIA_LABELS: dict[str, str] = {"counter": "臨櫃註冊", "web": "網路註冊", "app": "健保快易通APP", "batch": "單位批次註冊"}
VCARD_LABELS: dict[VirtualCardState, str] = {
    VirtualCardState.PENDING: "審核中", VirtualCardState.APPROVED: "審核通過",
    VirtualCardState.REJECTED: "退件", VirtualCardState.REVOKED: "註銷",
}


def account_status_receipt(header: ReceiptHeader, citizen: Citizen, state: AccountState, state_label: str, *,
                           registered_at: datetime | None = None, registered_via: str | None = None,
                           devices: Sequence[DeviceBinding] = (), card: VirtualCard | None = None) -> Receipt:
    """帳號狀態: what the account is now, on request; nothing changes (``state_label`` in zh)."""
    lines = [*_who(citizen), ("帳號狀態", state_label)]
    if registered_at is not None:
        lines.append(("註冊時間", format_citizen_datetime(registered_at)))
    if registered_via:
        lines.append(("註冊方式", VIA_LABELS.get(registered_via, registered_via)))
    bound = [d for d in devices if not d.unbound]
    enabled = next((d for d in bound if d.enabled), None)
    lines.append(("綁定行動裝置", f"{len(bound)} 部"))
    lines.append(("啟用中裝置", enabled.name if enabled else "無"))
    lines.append(("虛擬健保卡", VCARD_LABELS[card.state] if card else "未申請"))
    unregistered = state is AccountState.UNREGISTERED
    notes = ["尚未註冊健保卡網路服務。" if unregistered else "本單僅供查詢，帳號資料未變更。"]
    return _receipt(ReceiptKind.ACCOUNT_STATUS, header, lines, notes)


def daily_summary_receipt(header: ReceiptHeader, day: date, rows: Iterable[tuple[str, str]], *,
                          print_failures: int = 0) -> Receipt:
    """``rows`` as the supervisor sees them on screen (label, value), printed in that order."""
    lines: list[tuple[str, str]] = [("統計日期", format_citizen_date(day)), *rows]
    lines.append(("列印失敗", f"{print_failures} 件"))
    notes = ["主管核閱簽章：＿＿＿＿＿＿＿＿"]
    return _receipt(ReceiptKind.DAILY_SUMMARY, header, lines, notes)
