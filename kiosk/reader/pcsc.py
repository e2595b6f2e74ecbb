"""The real card reader: PC/SC through pyscard's low-level ``smartcard.scard`` module.

The low-level API returns PC/SC result codes instead of raising pyscard's three unrelated
exception families, so every failure is translated in one place (``error_for``). pyscard is
imported lazily: the base install has no pyscard, and the demo must start without it.

One daemon thread watches the reader with ``SCardGetStatusChange`` and only posts
``ReaderEvent`` values, and only when something changed, so a reader that flaps or a service
that stays down does not flood the app. It survives pcscd dying (each failure drops the context
and a fresh one is tried every second) and readers coming and going. Every connection gets its
own PC/SC context: pcsc-lite serialises calls per context, so a transmit stuck on a mute card
would otherwise also freeze the monitor.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from kiosk.core.display import printable
from kiosk.core.errors import CardError, ReaderUnavailable
from kiosk.reader.port import (
    CardConnection,
    CardRemoved,
    EventKind,
    ReaderEvent,
    ReaderState,
    Response,
    card_removed_during_read,
)

log = logging.getLogger(__name__)

RETRY_SERVICE_SECONDS = 1.0  # how often a fresh context is tried while pcscd is down
PIP_HINT = "pip install 'nhi-counter-kiosk[pcsc]'"

_scard_module: ModuleType | None = None


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


def _error(key: str, cls: type[CardError] = CardError) -> CardError:
    zh, action, en, action_en = _TEXT[key]
    return cls(zh, action, message_en=en, action_en=action_en)


def no_pyscard() -> ReaderUnavailable:
    err = _error("no_pyscard", ReaderUnavailable)
    assert isinstance(err, ReaderUnavailable)
    return err


def no_service() -> ServiceNotRunning:
    err = _error("no_service", ServiceNotRunning)
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
    return _error("no_card")


def card_removed() -> CardRemoved:
    return card_removed_during_read()


def _load_scard() -> ModuleType:
    global _scard_module
    if _scard_module is None:
        try:
            from smartcard import scard
        except ImportError as exc:
            raise no_pyscard() from exc
        _scard_module = scard
    return _scard_module


def _u32(hresult: int) -> int:
    # pyscard hands result codes back signed or unsigned depending on the platform.
    return int(hresult) & 0xFFFFFFFF


def _code(scard: ModuleType, name: str) -> int:
    return _u32(getattr(scard, name, -1))


def _codes(scard: ModuleType, *names: str) -> set[int]:
    return {_code(scard, n) for n in names if hasattr(scard, n)}


def error_for(hresult: int, reader_filter: str | None = None, *, during_read: bool = False) -> CardError:
    """A PC/SC result code as the one error family, with what to do about it."""
    scard = _load_scard()
    code = _u32(hresult)
    key = next((k for name, k in _BY_CODE.items() if hasattr(scard, name) and _code(scard, name) == code), "")
    if key == "no_service":
        if during_read:
            err = _error("service_lost", ServiceNotRunning)
            assert isinstance(err, ServiceNotRunning)
            return err
        return no_service()
    if key == "no_reader":
        return no_reader(reader_filter)
    if key == "no_card":
        return card_removed() if during_read else no_card()
    if key:
        return _error(key)
    try:
        text = printable(str(scard.SCardGetErrorMessage(hresult)))
    except Exception:
        text = "unknown PC/SC error"
    # pcsc-lite's own text is English: the Chinese message gives the code only.
    return CardError(f"讀卡機發生錯誤（PC/SC 錯誤碼 0x{code:08X}）", _REINSERT[0],
                     message_en=f"Card reader error: {text} (0x{code:08X}).", action_en=_REINSERT[1])


def translate_exception(exc: BaseException, reader_filter: str | None = None) -> CardError:
    """Whatever pyscard (or its SWIG layer) raised, as the one error family."""
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
    hresult = getattr(exc, "hresult", None)
    if isinstance(hresult, int) and hresult not in (0, -1):
        return error_for(hresult, reader_filter, during_read=True)
    # Driver messages may quote a reader name from a USB descriptor: shown, never obeyed.
    return CardError(f"讀卡機發生未預期的錯誤（{printable(kind)}）", _REINSERT[0],
                     message_en=f"Unexpected card reader error ({printable(kind)}: {printable(str(exc))}).",
                     action_en=_REINSERT[1])


def _pick_reader(readers: list[str], reader_filter: str | None) -> str | None:
    if not reader_filter:
        return readers[0] if readers else None
    wanted = reader_filter.casefold()
    return next((r for r in readers if wanted in r.casefold()), None)


def available_readers() -> list[str]:
    """The reader names pcscd knows, for the setup screen and ``reader.name``; raises CardError."""
    scard = _load_scard()
    ctx = _establish(scard, None)
    try:
        return _list_readers(scard, ctx, None)
    finally:
        _release(scard, ctx)


def _establish(scard: ModuleType, reader_filter: str | None) -> Any:
    try:
        hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    except Exception as exc:
        raise translate_exception(exc, reader_filter) from exc
    if _u32(hr) != 0:
        raise error_for(hr, reader_filter)
    return ctx


def _release(scard: ModuleType, ctx: Any) -> None:
    # Releasing a context of a dead pcscd fails; the context is gone either way.
    with contextlib.suppress(Exception):
        scard.SCardReleaseContext(ctx)


def _list_readers(scard: ModuleType, ctx: Any, reader_filter: str | None) -> list[str]:
    try:
        hr, readers = scard.SCardListReaders(ctx, [])
    except Exception as exc:
        raise translate_exception(exc, reader_filter) from exc
    if _u32(hr) == _code(scard, "SCARD_E_NO_READERS_AVAILABLE"):
        return []
    if _u32(hr) != 0:
        raise error_for(hr, reader_filter)
    return list(readers or [])


class PcscConnection:
    """One card session on its own PC/SC context. ``transmit`` may block: call it from a worker."""

    def __init__(
        self, scard: ModuleType, ctx: Any, hcard: Any, protocol: int, reader: str, atr: bytes
    ) -> None:
        self._scard = scard
        self._ctx = ctx
        self._hcard = hcard
        self._protocol = protocol
        self._closed = False
        self.reader = reader
        self.atr = atr

    def transmit(self, apdu: bytes) -> Response:
        if self._closed:
            raise _error("closed")
        scard = self._scard
        try:
            hr, answer = scard.SCardTransmit(self._hcard, self._protocol, list(apdu))
        except Exception as exc:
            raise translate_exception(exc) from exc
        if _u32(hr) != 0:
            raise error_for(hr, during_read=True)
        if len(answer) < 2:
            # vpcd and some USB readers report success with no bytes when the card leaves mid-APDU.
            if not self._card_still_there():
                raise card_removed()
            raise _error("incomplete")
        return Response(bytes(answer[:-2]), int(answer[-2]), int(answer[-1]))

    def _card_still_there(self) -> bool:
        # Only the result code: the state bits differ between pcsc-lite and WinSCard.
        try:
            hr = self._scard.SCardStatus(self._hcard)[0]
        except Exception:
            return False
        return _u32(hr) == 0

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self._scard.SCardDisconnect(self._hcard, self._scard.SCARD_LEAVE_CARD)
        _release(self._scard, self._ctx)


class PcscReader:
    """``CardReader`` on PC/SC: the first reader whose name contains ``reader_filter``
    (case-insensitive), or the first reader at all."""

    def __init__(self, reader_filter: str | None = None, poll_interval: float = 0.5) -> None:
        self.reader_filter = reader_filter or None
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_event: Callable[[ReaderEvent], None] | None = None
        self._monitor_ctx: Any = None
        self._reader_name = ""
        self._state: ReaderState | None = None
        self._seen: tuple[ReaderState, str, int] | None = None  # what was last posted

    # -- CardReader ------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._reader_name or self.reader_filter or "PC/SC"

    def state(self) -> ReaderState:
        with self._lock:
            if self._state is not None:
                return self._state
        return self._probe()

    def start(self, on_event: Callable[[ReaderEvent], None]) -> None:
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("PcscReader already started")
        self._on_event = on_event
        self._stop.clear()
        with self._lock:
            self._seen = None
            self._state = None
        try:
            _load_scard()
        except ReaderUnavailable as exc:
            # Nothing will ever change without a reinstall, so no thread: just say so once.
            self._post(ReaderState.NO_SERVICE, "", b"", 0, exc.text())
            return
        self._thread = threading.Thread(target=self._monitor, name="pcsc-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        deadline = time.monotonic() + 2.0 + self.poll_interval
        # SCardCancel only wakes a wait already in progress, and the monitor may be just about to
        # start one, so keep cancelling until the thread is gone.
        while thread is not None and thread.is_alive() and time.monotonic() < deadline:
            with self._lock:
                ctx = self._monitor_ctx
            if ctx is not None and _scard_module is not None:
                with contextlib.suppress(Exception):
                    _scard_module.SCardCancel(ctx)
            thread.join(timeout=0.05)
        self._on_event = None

    def connect(self) -> CardConnection:
        scard = _load_scard()
        ctx = _establish(scard, self.reader_filter)
        try:
            reader = _pick_reader(_list_readers(scard, ctx, self.reader_filter), self.reader_filter)
            if reader is None:
                raise no_reader(self.reader_filter)
            try:
                hr, hcard, protocol = scard.SCardConnect(
                    ctx, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
                )
            except Exception as exc:
                raise translate_exception(exc, self.reader_filter) from exc
            if _u32(hr) != 0:
                raise error_for(hr, self.reader_filter)
            atr = b""
            with contextlib.suppress(Exception):
                hr, _r, _s, _p, atr_list = scard.SCardStatus(hcard)
                if _u32(hr) == 0:
                    atr = bytes(atr_list)
            return PcscConnection(scard, ctx, hcard, protocol, reader, atr)
        except BaseException:
            _release(scard, ctx)
            raise

    # -- the monitor thread ----------------------------------------------------------------

    def _monitor(self) -> None:
        scard = _load_scard()
        known = scard.SCARD_STATE_UNAWARE
        watched = ""
        while not self._stop.is_set():
            try:
                ctx = self._context(scard)
                readers = _list_readers(scard, ctx, self.reader_filter)
                reader = _pick_reader(readers, self.reader_filter)
                if reader is None:
                    watched, known = "", scard.SCARD_STATE_UNAWARE
                    self._post(ReaderState.NO_READER, "", b"", 0, no_reader(self.reader_filter).text())
                    self._stop.wait(self.poll_interval)
                    continue
                if reader != watched:
                    watched, known = reader, scard.SCARD_STATE_UNAWARE
                known = self._watch(scard, ctx, reader, known)
            except ReaderUnavailable as exc:
                self._drop_context(scard)
                if isinstance(exc, ServiceNotRunning):
                    self._post(ReaderState.NO_SERVICE, "", b"", 0, exc.text())
                    self._stop.wait(RETRY_SERVICE_SECONDS)
                else:
                    self._post(ReaderState.NO_READER, "", b"", 0, exc.text())
                    self._stop.wait(self.poll_interval)
                watched, known = "", scard.SCARD_STATE_UNAWARE
            except Exception:
                # pyscard threads die silently otherwise; start again from a fresh context.
                log.exception("card reader monitor failed; retrying with a fresh PC/SC context")
                self._drop_context(scard)
                watched, known = "", scard.SCARD_STATE_UNAWARE
                self._stop.wait(RETRY_SERVICE_SECONDS)
        self._drop_context(scard)

    def _context(self, scard: ModuleType) -> Any:
        with self._lock:
            if self._monitor_ctx is not None:
                return self._monitor_ctx
        ctx = _establish(scard, self.reader_filter)  # raises ReaderUnavailable when pcscd is down
        with self._lock:
            self._monitor_ctx = ctx
        return ctx

    def _drop_context(self, scard: ModuleType) -> None:
        with self._lock:
            ctx, self._monitor_ctx = self._monitor_ctx, None
        if ctx is not None:
            _release(scard, ctx)

    def _watch(self, scard: ModuleType, ctx: Any, reader: str, known: int) -> int:
        """Wait up to one poll interval for a change of ``reader``; post it; return the new state."""
        timeout_ms = max(1, int(self.poll_interval * 1000))
        hr, states = scard.SCardGetStatusChange(ctx, timeout_ms, [(reader, known)])
        code = _u32(hr)
        if code in _codes(scard, "SCARD_E_TIMEOUT", "SCARD_E_CANCELLED"):
            return known
        if code != 0:
            raise error_for(hr, self.reader_filter)
        _name, event_state, atr = states[0]
        gone = scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE | scard.SCARD_STATE_IGNORE
        if event_state & gone:
            self._post(ReaderState.NO_READER, reader, b"", 0, no_reader(self.reader_filter).text())
            self._stop.wait(self.poll_interval)  # the reader is going; let pcscd drop it first
            return int(scard.SCARD_STATE_UNAWARE)
        if event_state & scard.SCARD_STATE_PRESENT:
            # A mute card (no usable ATR) is still posted as inserted: the read then fails with
            # "card does not respond", which tells the clerk more than silence would.
            mute = event_state & scard.SCARD_STATE_MUTE
            detail = _error("unresponsive").text() if mute else ""
            # pcsc-lite counts insertions in the high 16 bits: a swap between two polls shows here.
            self._post(ReaderState.CARD_PRESENT, reader, bytes(atr), (event_state >> 16) & 0xFFFF, detail)
        else:
            self._post(ReaderState.EMPTY, reader, b"", 0, "")
        return int(event_state & ~scard.SCARD_STATE_CHANGED)

    def _post(self, state: ReaderState, reader: str, atr: bytes, insertion: int, detail: str) -> None:
        """Post only what changed: one event per real change, however often it is seen."""
        key = (state, reader, insertion if state is ReaderState.CARD_PRESENT else 0)
        with self._lock:
            previous = self._seen
            if previous == key:
                return
            self._seen = key
            self._state = state
            if reader:
                self._reader_name = reader
        events: list[ReaderEvent] = []
        was_present = previous is not None and previous[0] is ReaderState.CARD_PRESENT
        if state is ReaderState.CARD_PRESENT:
            if was_present:  # a different card replaced the first between two polls
                events.append(ReaderEvent(EventKind.REMOVED, ReaderState.EMPTY, reader))
            events.append(ReaderEvent(EventKind.INSERTED, state, reader, atr, detail))
        elif was_present and state is ReaderState.EMPTY:
            events.append(ReaderEvent(EventKind.REMOVED, state, reader, b"", detail))
        else:
            events.append(ReaderEvent(EventKind.STATE, state, reader, b"", detail))
        callback = self._on_event
        if callback is None:
            return
        for event in events:
            try:
                callback(event)
            except Exception:
                # The app's handler failing must not kill the only thread watching the reader.
                log.exception("card reader event handler failed for %s", event)

    def _probe(self) -> ReaderState:
        """The state right now, without the monitor (for ``state()`` before ``start()``)."""
        try:
            scard = _load_scard()
            ctx = _establish(scard, self.reader_filter)
        except ReaderUnavailable:
            return ReaderState.NO_SERVICE
        try:
            reader = _pick_reader(_list_readers(scard, ctx, self.reader_filter), self.reader_filter)
            if reader is None:
                return ReaderState.NO_READER
            hr, states = scard.SCardGetStatusChange(ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
            if _u32(hr) != 0:
                return ReaderState.NO_READER
            return ReaderState.CARD_PRESENT if states[0][1] & scard.SCARD_STATE_PRESENT else ReaderState.EMPTY
        except CardError as exc:
            return ReaderState.NO_SERVICE if isinstance(exc, ServiceNotRunning) else ReaderState.NO_READER
        finally:
            _release(scard, ctx)


__all__ = [
    "PIP_HINT",
    "PcscConnection",
    "PcscReader",
    "ServiceNotRunning",
    "available_readers",
    "error_for",
    "translate_exception",
]
