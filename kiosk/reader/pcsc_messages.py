"""What the PC/SC adapter tells a clerk: its messages, in both languages, and which PC/SC result
code means which of them (``kiosk.reader.pcsc`` turns codes and pyscard's exceptions into these).

Result codes are looked up by name, as their values vary by OS; pyscard hands them back signed or
unsigned depending on the platform, so every comparison goes through ``u32``.
"""

from __future__ import annotations

from types import ModuleType

from kiosk.core.display import printable
from kiosk.core.errors import CardError, ReaderUnavailable
from kiosk.reader.port import CardRemoved, card_removed_during_read

PIP_HINT = "pip install 'nhi-counter-kiosk[pcsc]'"


class ServiceNotRunning(ReaderUnavailable):
    """pcscd is not running (or died): the monitor keeps retrying, the app says how to start it."""


_REINSERT = ("請取出卡片後重新插入；若仍失敗，請拔下讀卡機再插回",
             "Remove and reinsert the card; if it keeps failing, unplug the reader and plug it back in.")
_KEEP_IN = ("請重新插入健保卡，讀取完成前請勿取出",
            "Insert the NHI card again and leave it in until the read finishes.")

# key: (message, action, message_en, action_en)
_TEXT: dict[str, tuple[str, str, str, str]] = {
    "no_pyscard": (
        "未安裝讀卡元件 pyscard，無法使用實體讀卡機",
        f"請執行 {PIP_HINT}，或在設定檔將 reader.kind 設為 simulated",
        "pyscard is not installed, so the card reader cannot be used.",
        f"Run {PIP_HINT}, or set reader.kind = \"simulated\" in the configuration file."),
    "no_service": (
        "讀卡服務 (pcscd) 未啟動", "請執行 sudo systemctl start pcscd 或聯絡資訊人員；服務啟動後會自動恢復",
        "The smart card service (pcscd) is not running.",
        "Run sudo systemctl start pcscd or call IT; the kiosk recovers by itself once it runs."),
    # pcscd stopped (or was killed) while a card was being read: pcsc-lite answers "RPC transport
    # error". Nothing is wrong with the reader or the card, so unplugging them is not the advice.
    "service_lost": (
        "讀卡服務 (pcscd) 中斷，卡片未讀完",
        "讀卡服務恢復後系統會自動恢復連線，屆時請重新插入健保卡；若狀態列持續顯示讀卡服務未啟動，"
        "請執行 sudo systemctl start pcscd 或聯絡資訊人員",
        "The card service (pcscd) stopped during the read; the card was not read.",
        "The kiosk reconnects by itself when the service is back; then insert the card again. If the "
        "status bar keeps saying the service is not running, run sudo systemctl start pcscd or call IT."),
    "no_card": (
        "讀卡機中沒有卡片", "請插入民眾的健保卡，晶片朝上",
        "There is no card in the reader.", "Insert the citizen's NHI card, chip up."),
    "incomplete": (
        "讀卡中斷：卡片回應不完整，可能在讀取中被取出", _KEEP_IN[0],
        "The read was interrupted: the card's answer was incomplete (was it removed?).", _KEEP_IN[1]),
    "unresponsive": (
        "卡片沒有回應或不支援", "請確認是健保卡，晶片朝上、方向正確並完全插入；晶片髒污請擦拭後重試",
        "The card does not respond or is not supported.",
        "Check it is an NHI card, chip up, the right way round and fully inserted; wipe a dirty chip."),
    "sharing": (
        "讀卡機正由其他程式使用", "請關閉其他使用讀卡機的程式（例如健保卡元件服務）後重試",
        "Another program is using the card reader.",
        "Close the other program using the reader (e.g. the NHI card component service) and retry."),
    "reset": ("卡片被其他程式重置", "請重新讀卡", "Another program reset the card.", "Read the card again."),
    "timeout": ("讀卡機逾時未回應", _REINSERT[0], "The card reader timed out.", _REINSERT[1]),
    "closed": ("讀卡連線已關閉", "請重新讀卡", "The card connection is closed.", "Read the card again."),
}

# PC/SC result code names → _TEXT key (or "no_reader"); looked up by name, as values vary by OS.
_BY_CODE: dict[str, str] = {
    "SCARD_E_NO_SERVICE": "no_service", "SCARD_E_SERVICE_STOPPED": "no_service",
    "SCARD_E_INVALID_HANDLE": "no_service",  # a context from a pcscd that has since restarted
    "SCARD_F_COMM_ERROR": "no_service",  # "RPC transport error": pcscd went away mid-call
    "SCARD_E_NO_READERS_AVAILABLE": "no_reader", "SCARD_E_UNKNOWN_READER": "no_reader",
    "SCARD_E_READER_UNAVAILABLE": "no_reader",
    "SCARD_W_REMOVED_CARD": "no_card", "SCARD_E_NO_SMARTCARD": "no_card",
    "SCARD_W_UNRESPONSIVE_CARD": "unresponsive", "SCARD_W_UNPOWERED_CARD": "unresponsive",
    "SCARD_E_PROTO_MISMATCH": "unresponsive", "SCARD_W_UNSUPPORTED_CARD": "unresponsive",
    "SCARD_E_CARD_UNSUPPORTED": "unresponsive",
    "SCARD_E_SHARING_VIOLATION": "sharing", "SCARD_W_RESET_CARD": "reset", "SCARD_E_TIMEOUT": "timeout",
}


def text_error(key: str, cls: type[CardError] = CardError) -> CardError:
    zh, action, en, action_en = _TEXT[key]
    return cls(zh, action, message_en=en, action_en=action_en)


def no_pyscard() -> ReaderUnavailable:
    err = text_error("no_pyscard", ReaderUnavailable)
    assert isinstance(err, ReaderUnavailable)
    return err


def no_service() -> ServiceNotRunning:
    err = text_error("no_service", ServiceNotRunning)
    assert isinstance(err, ServiceNotRunning)
    return err


def no_reader(reader_filter: str | None = None) -> ReaderUnavailable:
    # The filter comes from the config file: shown, never able to drive the terminal.
    shown = printable(reader_filter or "")
    wanted_zh = f"（名稱含「{shown}」）" if reader_filter else ""
    wanted_en = f" (name containing {shown!r})" if reader_filter else ""
    return ReaderUnavailable(
        f"找不到讀卡機{wanted_zh}",
        "請確認讀卡機的 USB 線已接好；若已接上，請拔下再插回，或檢查設定檔的 reader.name",
        message_en=f"No card reader found{wanted_en}.",
        action_en="Check the reader's USB cable; if it is connected, unplug it and plug it back in, "
        "or check reader.name in the configuration file.",
    )


def no_card() -> CardError:
    return text_error("no_card")


def card_removed() -> CardRemoved:
    return card_removed_during_read()


def u32(hresult: int) -> int:
    # pyscard hands result codes back signed or unsigned depending on the platform.
    return int(hresult) & 0xFFFFFFFF


def code_value(scard: ModuleType, name: str) -> int:
    return u32(getattr(scard, name, -1))


def code_values(scard: ModuleType, *names: str) -> set[int]:
    return {code_value(scard, n) for n in names if hasattr(scard, n)}


def error_for_code(
    scard: ModuleType, hresult: int, reader_filter: str | None = None, *, during_read: bool = False
) -> CardError:
    """A PC/SC result code (from pyscard's ``scard`` module) as the one error family, with what to do."""
    code = u32(hresult)
    key = next((k for name, k in _BY_CODE.items() if hasattr(scard, name) and code_value(scard, name) == code), "")
    if key == "no_service":
        if during_read:
            err = text_error("service_lost", ServiceNotRunning)
            assert isinstance(err, ServiceNotRunning)
            return err
        return no_service()
    if key == "no_reader":
        return no_reader(reader_filter)
    if key == "no_card":
        return card_removed() if during_read else no_card()
    if key:
        return text_error(key)
    try:
        text = printable(str(scard.SCardGetErrorMessage(hresult)))
    except Exception:
        text = "unknown PC/SC error"
    # pcsc-lite's own text is English: the Chinese message gives the code only.
    return CardError(f"讀卡機發生錯誤（PC/SC 錯誤碼 0x{code:08X}）", _REINSERT[0],
                     message_en=f"Card reader error: {text} (0x{code:08X}).", action_en=_REINSERT[1])


def error_for_exception(exc: BaseException, reader_filter: str | None = None) -> CardError | None:
    """What pyscard's exception means when its type says it (None: look at its result code)."""
    if isinstance(exc, CardError):
        return exc
    kind = type(exc).__name__
    # EstablishContextException is not a SmartcardException: match by name, pyscard may be absent.
    if kind == "EstablishContextException":
        return no_service()
    if kind in ("NoReadersException", "InvalidReaderException", "ReaderException"):
        return no_reader(reader_filter)
    if kind == "NoCardException":
        return no_card()
    return None


def unexpected_error(exc: BaseException) -> CardError:
    # Driver messages may quote a reader name from a USB descriptor: shown, never obeyed.
    kind = type(exc).__name__
    return CardError(f"讀卡機發生未預期的錯誤（{printable(kind)}）", _REINSERT[0],
                     message_en=f"Unexpected card reader error ({printable(kind)}: {printable(str(exc))}).",
                     action_en=_REINSERT[1])
