"""Receipt builders: every service has a layout, and nothing personal is printed in full."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from kiosk.core.clock import TAIPEI
from kiosk.core.masking import mask_id
from kiosk.core.models import (
    AccountState,
    Authorization,
    AuthorizationState,
    Citizen,
    CodeState,
    Contact,
    DeregistrationReason,
    DeviceBinding,
    IdDocument,
    PriorState,
    VerificationCode,
    VirtualCard,
    VirtualCardState,
)
from printing.receipt import (
    Receipt,
    ReceiptHeader,
    ReceiptKind,
    account_status_receipt,
    authorization_cancelled_receipt,
    contact_updated_receipt,
    daily_summary_receipt,
    deregistration_receipt,
    device_code_receipt,
    device_disabled_receipt,
    device_enabled_receipt,
    device_unbound_receipt,
    lockout_lifted_receipt,
    password_reset_receipt,
    pending_cancelled_receipt,
    registration_receipt,
    virtual_card_applied_receipt,
    virtual_card_revoked_receipt,
)

AT = datetime(2022, 5, 3, 9, 50, 1, tzinfo=TAIPEI)
HEADER = ReceiptHeader("臺北業務組", "3", "S0012", "T1110503-0042", AT)
FULL_ID = "A123456789"
FULL_CARD = "000012345678"
GRANTEE_ID = "B120863158"
CITIZEN = Citizen(FULL_ID, "王小堃", card_number=FULL_CARD)
CONTACT = Contact(mobile="0912345678", email="wang.kun@example.com", backup_email="kun@gmail.com",
                  household_no="FB123456", landline="(02)2345-6789#123")
# A careless device name holding the ID must still come out masked.
DEVICE = DeviceBinding(7, FULL_ID, "dev-1", f"iPhone {FULL_ID}", AT - timedelta(days=30), AT, True)
EXPIRES = datetime(2022, 5, 3, 10, 0, 1, tzinfo=TAIPEI)
CODE = VerificationCode(1, FULL_ID, "R17b63g9", AT, EXPIRES, CodeState.OPEN)
CARD = VirtualCard(3, FULL_ID, VirtualCardState.APPROVED, AT - timedelta(days=40))
AUTH = Authorization(5, "123456", FULL_ID, GRANTEE_ID, date(2022, 5, 1), date(2022, 12, 31),
                     AuthorizationState.CANCELLED)


def every_receipt() -> list[Receipt]:
    return [
        registration_receipt(HEADER, CITIZEN, CONTACT, IdDocument.NATIONAL_ID_CARD),
        deregistration_receipt(HEADER, CITIZEN, DeregistrationReason.MISUSE, devices_disabled=2,
                               codes_voided=1, card_revoked=True, authorizations_cancelled=1),
        password_reset_receipt(HEADER, CITIZEN),
        lockout_lifted_receipt(HEADER, CITIZEN),
        pending_cancelled_receipt(HEADER, CITIZEN),
        contact_updated_receipt(HEADER, CITIZEN, Contact(mobile="0987654321"), CONTACT),
        device_enabled_receipt(HEADER, CITIZEN, DEVICE, also_disabled=[DEVICE]),
        device_disabled_receipt(HEADER, CITIZEN, DEVICE),
        device_unbound_receipt(HEADER, CITIZEN, DEVICE),
        device_code_receipt(HEADER, CITIZEN, CODE),
        virtual_card_revoked_receipt(HEADER, CITIZEN, CARD, authorizations_cancelled=2),
        virtual_card_applied_receipt(HEADER, CITIZEN, CARD),
        authorization_cancelled_receipt(HEADER, CITIZEN, AUTH),
        account_status_receipt(HEADER, CITIZEN, AccountState.ACTIVE, "已註冊", registered_at=AT,
                               registered_via="counter", devices=[DEVICE], card=CARD),
        daily_summary_receipt(HEADER, date(2022, 5, 3), [("S0012 臨櫃註冊", "4／0／0／0")], print_failures=1),
    ]


def test_every_service_kind_has_a_receipt() -> None:
    assert {r.kind for r in every_receipt()} == set(ReceiptKind)


@pytest.mark.parametrize("receipt", every_receipt(), ids=lambda r: r.kind.value)
def test_no_full_id_or_card_number_is_printed(receipt: Receipt) -> None:
    text = "\n".join(receipt.text_lines()) + receipt.preview_text()
    for secret in (FULL_ID, FULL_CARD, GRANTEE_ID, CONTACT.mobile, CONTACT.email, CONTACT.household_no,
                   CONTACT.landline):
        assert secret is not None and secret not in text
    assert receipt.qr in (None, CODE.code)


@pytest.mark.parametrize("receipt", [r for r in every_receipt() if r.kind is not ReceiptKind.DAILY_SUMMARY],
                         ids=lambda r: r.kind.value)
def test_citizen_receipts_carry_masked_name_and_id(receipt: Receipt) -> None:
    values = dict(receipt.lines)
    assert values["姓名"] == "王○堃"
    assert values["身分證號"] == mask_id(FULL_ID) == "A123****89"
    assert values["健保卡號"] == "********5678"


def test_header_has_centre_counter_staff_transaction_and_roc_time() -> None:
    lines = password_reset_receipt(HEADER, CITIZEN).text_lines()
    assert lines[:5] == ["臺北業務組", "3", "S0012", "T1110503-0042", "民國111年05月03日 09:50:01"]


def test_device_code_receipt_has_qr_plain_code_expiry_and_instructions() -> None:
    receipt = device_code_receipt(HEADER, CITIZEN, CODE)
    assert receipt.qr == receipt.code == "R17b63g9"
    assert dict(receipt.lines)["有效時間至"] == "民國111年05月03日 10:00:01"
    notes = "".join(receipt.notes)
    assert "健保快易通" in notes and "QR code掃描認證" in notes and "輸入裝置認證碼" in notes


def test_device_name_is_scrubbed_of_ids() -> None:
    values = dict(device_disabled_receipt(HEADER, CITIZEN, DEVICE).lines)
    assert values["裝置名稱"] == "iPhone A123****89"


def test_contact_update_lists_only_what_changed() -> None:
    before = Contact(mobile="0912345678", email="old@example.com")
    after = Contact(mobile="0912345678", email="new.mail@example.com")
    lines = dict(contact_updated_receipt(HEADER, CITIZEN, before, after).lines)
    assert lines["E-Mail(主要)"] == "ne***@example.com"
    assert "行動電話" not in lines


def test_contact_update_reports_a_removed_field() -> None:
    lines = dict(contact_updated_receipt(HEADER, CITIZEN, Contact(mobile="0912345678"), Contact()).lines)
    assert lines["行動電話"] == "已刪除"


def test_registration_receipt_names_the_real_prior_state() -> None:
    """Issue 12 item 4: a cancelled web application is not a deregistration."""
    def prior_line(prior: PriorState) -> str:
        receipt = registration_receipt(HEADER, CITIZEN, CONTACT, IdDocument.NATIONAL_ID_CARD, prior=prior)
        return dict(receipt.lines)["辦理前狀態"]

    assert prior_line(PriorState.NONE) == "未註冊"
    assert "停用" in prior_line(PriorState.DEREGISTERED) and "重新註冊" in prior_line(PriorState.DEREGISTERED)
    cancelled = prior_line(PriorState.APPLICATION_CANCELLED)
    assert "網路註冊申請已刪除" in cancelled and "停用" not in cancelled


def test_deregistration_for_misuse_says_service_stopped_at_once() -> None:
    receipt = deregistration_receipt(HEADER, CITIZEN, DeregistrationReason.MISUSE)
    assert dict(receipt.lines)["停用原因"] == "健保卡或密碼遭他人冒用"
    assert any("冒用" in n for n in receipt.notes)
    own = deregistration_receipt(HEADER, CITIZEN, DeregistrationReason.OWN_REQUEST)
    assert not any("冒用" in n for n in own.notes)


def test_authorization_receipt_masks_the_grantee_and_shows_the_roc_range() -> None:
    lines = dict(authorization_cancelled_receipt(HEADER, CITIZEN, AUTH).lines)
    assert lines["被授權人"] == "B120****58"
    assert lines["授權期間"] == "民國111年05月01日 ～ 民國111年12月31日"


def test_daily_summary_prints_the_rows_it_is_given_in_order() -> None:
    rows = [("人員 作業", "完成／拒絕／失敗／查詢"), ("S001 臨櫃註冊", "4／1／0／0"), ("服務合計", "4／1／0／0")]
    receipt = daily_summary_receipt(HEADER, date(2022, 5, 3), rows, print_failures=2)
    assert receipt.lines == (("統計日期", "民國111年05月03日"), *rows, ("列印失敗", "2 件"))
    assert "主管核閱簽章：＿＿＿＿＿＿＿＿" in receipt.notes


# --- consistency (issue 12 item 18) -----------------------------------------------------------

_OTHER_DATE_STYLES = re.compile(r"(?<![0-9])([0-9]{2,4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})(?![0-9])")


@pytest.mark.parametrize("receipt", every_receipt(), ids=lambda r: r.kind.value)
def test_every_date_on_a_receipt_is_in_the_citizen_style(receipt: Receipt) -> None:
    """民國115年11月30日 (with time: 民國115年11月30日 10:00:01), never 115-11-30 or 2026-11-30 beside it."""
    text = "\n".join(receipt.text_lines()) + receipt.preview_text()
    assert _OTHER_DATE_STYLES.findall(text) == []


def test_contact_fields_carry_the_screen_names_and_one_mask_each() -> None:
    values = dict(registration_receipt(HEADER, CITIZEN, CONTACT, IdDocument.NATIONAL_ID_CARD).lines)
    assert values["聯絡電話"] == "(02)****-*789#***"
    assert "市內電話" not in values
    assert values["行動電話"] == "(0912)-***678"
    assert values["E-Mail(主要)"] == "wa***@example.com"
    assert values["E-Mail(備用)"] == "k***@gmail.com"
    assert values["戶號"] == "*****456"


def test_misuse_deregistration_cites_the_rule_by_its_name() -> None:
    receipt = deregistration_receipt(HEADER, CITIZEN, DeregistrationReason.MISUSE)
    assert any("全民健康保險網路服務註冊管理作業要點第十一點" in n for n in receipt.notes)


def test_screen_cites_the_rule_as_the_receipt_does() -> None:
    from kiosk.locales import en, zh_TW
    from printing.receipt import MISUSE_RULE

    assert MISUSE_RULE == "全民健康保險網路服務註冊管理作業要點第十一點"
    assert "全民健康保險網路服務註冊管理作業要點 第十一點" in zh_TW.STRINGS["dereg.reason.misuse"]
    assert all("使用管理規則" not in text for text in zh_TW.STRINGS.values())
    assert "point 11" in en.STRINGS["dereg.reason.misuse"]


def test_the_card_panel_names_fields_as_the_receipt_does() -> None:
    """One name per field (issue 12 item 18): the screen and the receipt agree."""
    from kiosk.locales import zh_TW

    labels = [label for label, _ in password_reset_receipt(HEADER, CITIZEN).lines]
    assert [zh_TW.STRINGS[k] for k in ("card.name", "card.id", "card.card_no")] == labels[:3]
    assert zh_TW.STRINGS["contact.short.landline"] == zh_TW.STRINGS["register.landline"] == "聯絡電話"
