"""The NHI card's APDUs and its 57-byte basic-data record, as bytes in and values out.

No I/O here: ``read_card`` drives any ``CardConnection`` (pyscard, vpcd or the simulator), so the
same status-word handling is tested once with raw bytes and reused by every adapter. pyscard
neither fetches ``61 xx`` data nor checks lengths, so both are done here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from kiosk.core.errors import CardError
from kiosk.core.ids import is_valid_id
from kiosk.reader.port import CardConnection, Response

# SELECT by AID D1 58 00 00 01 00 00 00 00 00 00 00 00 00 11 00 (the NHI application).
SELECT_NHI = bytes.fromhex("00 A4 04 00 10 D1 58 00 00 01 00 00 00 00 00 00 00 00 00 11 00")
# GET DATA 11 00 with two data bytes 00 00: the basic-data record.
READ_BASIC = bytes.fromhex("00 CA 11 00 02 00 00")

RECORD_LENGTH = 57

# Field slices (end exclusive). Some public samples are off by one here; the tests pin them.
CARD_NUMBER = slice(0, 12)
NAME = slice(12, 32)
NATIONAL_ID = slice(32, 42)
BIRTH = slice(42, 49)
SEX = slice(49, 50)
ISSUE = slice(50, 57)

NAME_BYTES = NAME.stop - NAME.start

# A card answering 61 xx again and again would otherwise keep the worker busy for ever.
_MAX_GET_RESPONSE = 8

_REINSERT_EN = "Remove the card and insert it again; if it keeps failing, type the ID from the document."
_REINSERT = "請取出卡片後重新插入；若仍失敗，請依身分證明文件以人工輸入身分證號"


def get_response(le: int) -> bytes:
    """GET RESPONSE for ``le`` bytes (0 means 256, as in ISO 7816-4)."""
    if not 0 <= le <= 0xFF:
        raise ValueError(f"Le out of range: {le}")
    return bytes((0x00, 0xC0, 0x00, 0x00, le))


# ---------------------------------------------------------------------------------------------
# Status words


_SW_TEXT: dict[int, tuple[str, str]] = {
    0x9000: ("正常完成", "success"),
    0x6281: ("回傳資料可能已損毀", "part of the returned data may be corrupted"),
    0x6283: ("所選檔案已失效", "selected file invalidated"),
    0x6400: ("卡片狀態未改變（執行錯誤）", "execution error, card state unchanged"),
    0x6581: ("卡片記憶體故障", "card memory failure"),
    0x6700: ("指令長度錯誤", "wrong length"),
    0x6881: ("不支援邏輯通道", "logical channel not supported"),
    0x6882: ("不支援安全傳訊", "secure messaging not supported"),
    0x6982: ("安全條件未滿足", "security status not satisfied"),
    0x6983: ("認證方法已鎖定", "authentication method blocked"),
    0x6985: ("使用條件未滿足", "conditions of use not satisfied"),
    0x6986: ("不允許此指令", "command not allowed"),
    0x6A80: ("資料欄位錯誤", "incorrect data field"),
    0x6A81: ("不支援此功能", "function not supported"),
    0x6A82: ("找不到應用程式或檔案", "application or file not found"),
    0x6A86: ("參數 P1/P2 錯誤", "incorrect parameters P1/P2"),
    0x6A88: ("找不到參照資料", "referenced data not found"),
    0x6B00: ("參數 P1/P2 錯誤", "wrong parameters P1/P2"),
    0x6D00: ("不支援此指令碼", "instruction not supported"),
    0x6E00: ("不支援此指令類別", "class not supported"),
    0x6F00: ("卡片內部錯誤（無明確原因）", "no precise diagnosis"),
}


def sw_hex(sw: int) -> str:
    return f"{(sw >> 8) & 0xFF:02X} {sw & 0xFF:02X}"


def describe_sw(sw: int) -> tuple[str, str]:
    """A status word in words, (zh_TW, en), with its hex value; never fails, whatever the SW."""
    sw &= 0xFFFF
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw in _SW_TEXT:
        zh, en = _SW_TEXT[sw]
    elif sw1 == 0x61:
        zh, en = f"尚有 {sw2 or 256} 位元組資料待取", f"{sw2 or 256} more bytes available"
    elif sw1 == 0x6C:
        zh, en = f"長度錯誤，應為 {sw2 or 256} 位元組", f"wrong Le, {sw2 or 256} bytes expected"
    elif sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        zh, en = f"驗證失敗，尚餘 {sw2 & 0x0F} 次", f"verification failed, {sw2 & 0x0F} tries left"
    elif sw1 in (0x62, 0x63):
        zh, en = "警告：卡片狀態未改變", "warning, card state unchanged"
    elif sw1 in (0x64, 0x65, 0x66, 0x6F):
        zh, en = "卡片執行錯誤", "card execution error"
    elif sw1 in (0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6D, 0x6E):
        zh, en = "卡片拒絕此指令", "card refused the command"
    else:
        zh, en = "非標準狀態碼", "non-standard status word"
    hx = sw_hex(sw)
    return f"{zh}（SW {hx}）", f"{en} (SW {hx})"


# ---------------------------------------------------------------------------------------------
# The record


@dataclass(frozen=True)
class CardRecord:
    """The basic data as read. Nothing is dropped: raw fields stay beside their decoded values.

    ``name_suspect`` means some name bytes could not be decoded (shown as U+FFFD) or decoded to
    characters a name cannot contain; the clerk corrects the name from the document.
    """

    card_number: str
    name: str
    name_raw: bytes
    name_suspect: bool
    national_id: str
    id_valid: bool
    birth_date: date | None
    birth_raw: str
    sex: str
    issue_date: date | None
    issue_raw: str

    def problems(self) -> list[tuple[str, str]]:
        """What the clerk must check by hand, as (zh_TW, en) sentences; empty for a clean record."""
        out: list[tuple[str, str]] = []
        if self.name_suspect:
            out.append((
                "卡上姓名有無法辨識的字（以 \ufffd 標示），請依身分證明文件更正",
                "Some characters of the name on the card cannot be read (marked \ufffd); "
                "correct the name from the document.",
            ))
        if not self.id_valid:
            out.append((
                "卡上身分證號檢查碼錯誤，請依身分證明文件以人工輸入",
                "The ID on the card fails its checksum; type it from the document.",
            ))
        if self.birth_date is None:
            out.append((
                f"卡上出生日期無法辨識（{self.birth_raw!r}），請依身分證明文件核對",
                f"The birth date on the card cannot be read ({self.birth_raw!r}); check the document.",
            ))
        if self.issue_date is None:
            out.append((
                f"卡上發卡日期無法辨識（{self.issue_raw!r}）",
                f"The card's issue date cannot be read ({self.issue_raw!r}).",
            ))
        if self.sex not in ("M", "F"):
            out.append((
                f"卡上性別欄位非 M/F（{self.sex!r}）",
                f"The sex field on the card is not M/F ({self.sex!r}).",
            ))
        return out


def _record_error(zh: str, en: str) -> CardError:
    return CardError(
        f"健保卡資料格式錯誤：{zh}", _REINSERT,
        message_en=f"The NHI card's data is malformed: {en}.", action_en=_REINSERT_EN,
    )


def _visible_ascii(raw: bytes) -> str:
    """ASCII text with every other byte shown as U+FFFD, so a bad field can be quoted safely."""
    return "".join(chr(b) if 0x20 <= b < 0x7F else "\ufffd" for b in raw)


def parse_roc_yyymmdd(raw: str) -> date | None:
    """``0790101`` → 1990-01-01; ``None`` for anything that is not a real ROC date."""
    if len(raw) != 7 or not raw.isascii() or not raw.isdigit():
        return None
    try:
        return date(int(raw[:3]) + 1911, int(raw[3:5]), int(raw[5:7]))
    except ValueError:
        return None


def format_roc_yyymmdd(d: date) -> str:
    year = d.year - 1911
    if not 1 <= year <= 999:
        raise ValueError(f"{d} cannot be written as an ROC YYYMMDD date")
    return f"{year:03d}{d.month:02d}{d.day:02d}"


def _is_unprintable(ch: str) -> bool:
    # Control characters could drive the terminal; private-use code points are unmapped
    # in-house glyphs (造字) that would show as blanks. Either way the clerk must look.
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def decode_name(raw: bytes) -> tuple[str, bool]:
    """The name field as (text, suspect). cp950 first, then big5hkscs, then visible replacement."""
    trimmed = raw.rstrip(b"\x00 ")
    text: str | None = None
    for encoding in ("cp950", "big5hkscs"):
        try:
            text = trimmed.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    suspect = text is None
    if text is None:
        text = trimmed.decode("big5hkscs", errors="replace")
    if any(_is_unprintable(ch) for ch in text):
        suspect = True
        text = "".join("\ufffd" if _is_unprintable(ch) else ch for ch in text)
    return text.rstrip(" \u3000"), suspect


def parse_basic_data(data: bytes) -> CardRecord:
    """Decode the 57-byte record. ``CardError`` only when the card number or the length is wrong.

    Everything else that is odd (undecodable name, bad checksum, impossible date, unknown sex) is
    kept and flagged, because the clerk can still serve the citizen from the identity document.
    """
    if len(data) != RECORD_LENGTH:
        kind_zh = "過短" if len(data) < RECORD_LENGTH else "過長"
        kind_en = "short" if len(data) < RECORD_LENGTH else "too long"
        raise _record_error(
            f"基本資料長度{kind_zh}（{len(data)} 位元組，應為 {RECORD_LENGTH}）",
            f"basic data {kind_en} ({len(data)} bytes, {RECORD_LENGTH} expected)",
        )
    card_raw = data[CARD_NUMBER]
    if not card_raw.isascii():
        raise _record_error(
            f"卡號含非 ASCII 位元組（{card_raw.hex(' ')}）",
            f"card number has non-ASCII bytes ({card_raw.hex(' ')})",
        )
    card_number = card_raw.decode("ascii")
    if not card_number.isdigit():
        shown = _visible_ascii(card_raw)
        raise _record_error(
            f"卡號應為 12 位數字（讀到 {shown!r}）", f"card number is not 12 digits ({shown!r})"
        )

    name_raw = data[NAME]
    name, name_suspect = decode_name(name_raw)

    national_id = _visible_ascii(data[NATIONAL_ID]).strip()
    birth_raw = _visible_ascii(data[BIRTH])
    issue_raw = _visible_ascii(data[ISSUE])
    return CardRecord(
        card_number=card_number,
        name=name,
        name_raw=name_raw,
        name_suspect=name_suspect,
        national_id=national_id,
        id_valid=national_id.isupper() and is_valid_id(national_id),
        birth_date=parse_roc_yyymmdd(birth_raw),
        birth_raw=birth_raw,
        sex=_visible_ascii(data[SEX]),
        issue_date=parse_roc_yyymmdd(issue_raw),
        issue_raw=issue_raw,
    )


def build_basic_data(
    card_number: str,
    name: str | bytes,
    national_id: str,
    birth: date | None,
    sex: str,
    issue: date | None,
) -> bytes:
    """The 57 bytes a card holding these values would return (for tests and the simulator).

    ``name`` as bytes is written as given (to build undecodable names); as text it is encoded
    cp950, or big5hkscs for the characters cp950 lacks. A ``None`` date is written as 0000000.
    """
    if len(card_number) != 12 or not card_number.isascii() or not card_number.isdigit():
        raise ValueError(f"card number must be 12 ASCII digits: {card_number!r}")
    if len(national_id) != 10 or not national_id.isascii():
        raise ValueError(f"national ID must be 10 ASCII characters: {national_id!r}")
    if len(sex) != 1 or not sex.isascii():
        raise ValueError(f"sex must be one ASCII character: {sex!r}")
    if isinstance(name, bytes):
        name_bytes = name
    else:
        try:
            name_bytes = name.encode("cp950")
        except UnicodeEncodeError:
            name_bytes = name.encode("big5hkscs")
    if len(name_bytes) > NAME_BYTES:
        raise ValueError(f"name takes {len(name_bytes)} bytes, the card has {NAME_BYTES}")

    def roc(d: date | None) -> bytes:
        return (format_roc_yyymmdd(d) if d is not None else "0000000").encode("ascii")

    record = (
        card_number.encode("ascii")
        + name_bytes.ljust(NAME_BYTES, b"\x00")
        + national_id.encode("ascii")
        + roc(birth)
        + sex.encode("ascii")
        + roc(issue)
    )
    assert len(record) == RECORD_LENGTH
    return record


# ---------------------------------------------------------------------------------------------
# The conversation with the card


def _not_nhi_card(sw: int) -> CardError:
    zh, en = describe_sw(sw)
    return CardError(
        f"不是健保卡：卡片不接受健保應用程式選取（{zh}）",
        "請確認插入的是民眾的健保卡，且晶片朝上、方向正確",
        message_en=f"Not an NHI card: the card refused the NHI application ({en}).",
        action_en="Insert the citizen's NHI card, chip up and the right way round.",
    )


def _read_refused(sw: int) -> CardError:
    zh, en = describe_sw(sw)
    return CardError(
        f"健保卡拒絕讀取基本資料（{zh}）", _REINSERT,
        message_en=f"The NHI card refused to return its basic data ({en}).", action_en=_REINSERT_EN,
    )


def _transmit(conn: CardConnection, apdu: bytes) -> Response:
    resp = conn.transmit(apdu)
    if not (0 <= resp.sw1 <= 0xFF and 0 <= resp.sw2 <= 0xFF):
        raise CardError(
            "讀卡機回傳的狀態碼無效", _REINSERT,
            message_en=f"The reader returned an invalid status word ({resp.sw1}, {resp.sw2}).",
            action_en=_REINSERT_EN,
        )
    return resp


def _collect(conn: CardConnection, resp: Response) -> Response:
    """Follow ``61 xx`` with GET RESPONSE until the card stops offering more, joining the data."""
    data = resp.data
    for _ in range(_MAX_GET_RESPONSE):
        if resp.sw1 != 0x61:
            return Response(data, resp.sw1, resp.sw2)
        resp = _transmit(conn, get_response(resp.sw2))
        data += resp.data
    raise CardError(
        "健保卡回應資料不斷延續，已停止讀取", _REINSERT,
        message_en="The card kept offering more data (61 xx); reading stopped.", action_en=_REINSERT_EN,
    )


def select_nhi(conn: CardConnection) -> None:
    resp = _collect(conn, _transmit(conn, SELECT_NHI))
    if resp.sw != 0x9000:
        raise _not_nhi_card(resp.sw)


def read_basic_data(conn: CardConnection) -> bytes:
    """The raw record; the caller parses it. Handles 61 xx and one 6C xx (wrong Le) retry."""
    resp = _collect(conn, _transmit(conn, READ_BASIC))
    if resp.sw1 == 0x6C:
        resp = _collect(conn, _transmit(conn, READ_BASIC + bytes((resp.sw2,))))
    if resp.sw != 0x9000:
        raise _read_refused(resp.sw)
    return resp.data


def read_card(conn: CardConnection) -> CardRecord:
    """SELECT the NHI application, READ the basic data, parse it. Raises ``CardError`` only
    for the card's answers; exceptions from ``conn`` itself pass through (adapters raise
    ``CardError`` already, and the service wraps anything else)."""
    select_nhi(conn)
    return parse_basic_data(read_basic_data(conn))
