"""Correcting what a card says from the identity document (DOMAIN.md: keep what cannot be decoded
visible and let staff correct it; an ID failing its checksum is never served as read).

The card's own values are kept beside the corrected ones, so the screen, the audit and anyone looking
later can see what the chip said and what the clerk typed from the document.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.display import is_unsafe
from kiosk.core.errors import ValidationError
from kiosk.core.ids import is_valid_id, validate_national_id
from kiosk.core.masking import mask_name

NAME_MAX = 40  # a resident certificate may carry a long romanised name
UNREADABLE = "\ufffd"


def mask_card_name(name: str) -> str:
    """The name masked as everywhere (``周○○萍``), but with the characters the card could not give
    still shown as \ufffd (``周��萍``): the clerk must see what needs correcting, not a clean mask."""
    text = name.replace("\x00", "").strip()
    masked = mask_name(text)
    if UNREADABLE not in text or len(masked) != len(text):
        return masked
    return "".join(UNREADABLE if ch == UNREADABLE else m for ch, m in zip(text, masked, strict=True))


@dataclass(frozen=True, slots=True)
class CardCorrection:
    """The card's values as read, the values to serve, and which fields the clerk changed."""

    card_id: str
    card_name: str
    national_id: str
    name: str
    fields: tuple[str, ...]


def _name_error(zh: str, en: str) -> ValidationError:
    return ValidationError("name", zh, "請依身分證明文件輸入姓名", message_en=en,
                           action_en="Type the name from the identity document.")


def check_name(name: str) -> str:
    """A name typed from the document: readable, printable, not too long."""
    text = " ".join(name.split())
    if not text:
        raise _name_error("請輸入姓名", "Enter the name.")
    if UNREADABLE in text or any(is_unsafe(ch) for ch in text):
        raise _name_error("姓名含無法辨識或不可顯示的字", "The name has characters that cannot be read or shown.")
    if len(text) > NAME_MAX:
        raise _name_error(f"姓名過長（最多 {NAME_MAX} 字）", f"The name is too long (at most {NAME_MAX} characters).")
    return text


def correct(card_id: str, card_name: str, *, national_id: str, name: str,
            name_suspect: bool = False) -> CardCorrection:
    """The correction for a card reading ``card_id``/``card_name``. An empty field keeps the card's
    value, unless that value cannot be served: a card ID failing its checksum, or an unreadable name.
    ``ValidationError`` names the field and the rule."""
    fields: list[str] = []
    new_id = card_id
    if national_id.strip():
        new_id = validate_national_id(national_id)
        if new_id != card_id:
            fields.append("national_id")
    elif not (card_id.isupper() and is_valid_id(card_id)):
        raise ValidationError(
            "national_id", "卡上身分證號檢查碼錯誤，請依身分證明文件輸入正確的身分證號", "",
            message_en="The ID on the card fails its checksum; type the ID from the identity document.")
    new_name = card_name
    if name.strip():
        new_name = check_name(name)
        if new_name != card_name:
            fields.append("name")
    elif name_suspect or UNREADABLE in card_name:
        raise _name_error("卡上姓名無法辨識", "The name on the card cannot be read.")
    if not fields:
        raise ValidationError("national_id", "沒有需要更正的資料", "請輸入與卡片不同的姓名或身分證號",
                              message_en="Nothing to correct.",
                              action_en="Type the name or ID as the document shows it.")
    return CardCorrection(card_id=card_id, card_name=card_name, national_id=new_id, name=new_name,
                          fields=tuple(fields))
