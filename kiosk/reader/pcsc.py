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

from kiosk.core.errors import CardError, ReaderUnavailable
from kiosk.reader.pcsc_messages import (
    PIP_HINT,
    ServiceNotRunning,
    card_removed,
    code_value,
    code_values,
    error_for_code,
    error_for_exception,
    no_pyscard,
    no_reader,
    text_error,
    u32,
    unexpected_error,
)
from kiosk.reader.port import (
    CardConnection,
    EventKind,
    ReaderEvent,
    ReaderState,
    Response,
)

log = logging.getLogger(__name__)

RETRY_SERVICE_SECONDS = 1.0  # how often a fresh context is tried while pcscd is down

_scard_module: ModuleType | None = None


def _load_scard() -> ModuleType:
    global _scard_module
    if _scard_module is None:
        try:
            from smartcard import scard
        except ImportError as exc:
            raise no_pyscard() from exc
        _scard_module = scard
    return _scard_module


def error_for(hresult: int, reader_filter: str | None = None, *, during_read: bool = False) -> CardError:
    """A PC/SC result code as the one error family, with what to do about it."""
    return error_for_code(_load_scard(), hresult, reader_filter, during_read=during_read)


def translate_exception(exc: BaseException, reader_filter: str | None = None) -> CardError:
    """Whatever pyscard (or its SWIG layer) raised, as the one error family."""
    known = error_for_exception(exc, reader_filter)
    if known is not None:
        return known
    hresult = getattr(exc, "hresult", None)
    if isinstance(hresult, int) and hresult not in (0, -1):
        return error_for(hresult, reader_filter, during_read=True)
    return unexpected_error(exc)


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
    if u32(hr) != 0:
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
    if u32(hr) == code_value(scard, "SCARD_E_NO_READERS_AVAILABLE"):
        return []
    if u32(hr) != 0:
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
            raise text_error("closed")
        scard = self._scard
        try:
            hr, answer = scard.SCardTransmit(self._hcard, self._protocol, list(apdu))
        except Exception as exc:
            raise translate_exception(exc) from exc
        if u32(hr) != 0:
            raise error_for(hr, during_read=True)
        if len(answer) < 2:
            # vpcd and some USB readers report success with no bytes when the card leaves mid-APDU.
            if not self._card_still_there():
                raise card_removed()
            raise text_error("incomplete")
        return Response(bytes(answer[:-2]), int(answer[-2]), int(answer[-1]))

    def _card_still_there(self) -> bool:
        # Only the result code: the state bits differ between pcsc-lite and WinSCard.
        try:
            hr = self._scard.SCardStatus(self._hcard)[0]
        except Exception:
            return False
        return u32(hr) == 0

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
            if u32(hr) != 0:
                raise error_for(hr, self.reader_filter)
            atr = b""
            with contextlib.suppress(Exception):
                hr, _r, _s, _p, atr_list = scard.SCardStatus(hcard)
                if u32(hr) == 0:
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
        code = u32(hr)
        if code in code_values(scard, "SCARD_E_TIMEOUT", "SCARD_E_CANCELLED"):
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
            detail = text_error("unresponsive").text() if mute else ""
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
            if u32(hr) != 0:
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
