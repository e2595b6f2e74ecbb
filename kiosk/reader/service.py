"""Reading a card safely: a watchdog around the blocking read, and one error family out.

pyscard's ``transmit`` can block for ever on a card that never answers, and a blocked call cannot
be cancelled from Python. So the read runs in a daemon thread that is abandoned after the
timeout; a stuck thread ends when the card is pulled, and the next read starts afresh.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass

from kiosk.core.display import printable
from kiosk.core.errors import CardError
from kiosk.core.models import Citizen
from kiosk.reader.nhi import CardRecord, read_card
from kiosk.reader.port import CardConnection, CardReader

DEFAULT_TIMEOUT = 3.0


@dataclass(frozen=True)
class ReadResult:
    record: CardRecord
    elapsed_ms: float
    atr: bytes  # the connection's ``atr`` attribute when the adapter offers one, else b""


class _Outcome:
    """What the worker hands back; written once, read after ``done`` is set."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.record: CardRecord | None = None
        self.atr = b""
        self.error: CardError | None = None


def _unexpected(exc: BaseException) -> CardError:
    kind = printable(type(exc).__name__)
    return CardError(
        f"讀卡失敗：讀卡機發生未預期的錯誤（{kind}）",
        "請取出卡片後重新插入；若仍失敗，請重新接上讀卡機",
        message_en=f"Reading the card failed: unexpected reader error ({kind}: {printable(str(exc))}).",
        action_en="Remove the card and insert it again; if it keeps failing, reconnect the reader.",
    )


def _close_quietly(conn: CardConnection) -> None:
    # The read already has its answer (or its error); a failing close changes neither.
    with contextlib.suppress(Exception):
        conn.close()


def _read_into(reader: CardReader, outcome: _Outcome) -> None:
    try:
        conn = reader.connect()
        try:
            outcome.atr = bytes(getattr(conn, "atr", b"") or b"")
            outcome.record = read_card(conn)
        finally:
            _close_quietly(conn)
    except CardError as exc:
        outcome.error = exc
    except Exception as exc:  # adapters should raise CardError; anything else must not escape raw
        outcome.error = _unexpected(exc)
    finally:
        outcome.done.set()


def read_card_with_timeout(reader: CardReader, timeout: float = DEFAULT_TIMEOUT) -> ReadResult:
    """Connect, SELECT, READ and parse, giving up after ``timeout`` seconds.

    Blocks the caller (run it in a worker). Raises only ``CardError`` (or its subclass
    ``ReaderUnavailable``), whatever the adapter threw.
    """
    outcome = _Outcome()
    started = time.monotonic()
    worker = threading.Thread(target=_read_into, args=(reader, outcome), name="nhi-card-read", daemon=True)
    worker.start()
    if not outcome.done.wait(timeout):
        raise CardError(
            f"讀卡逾時：卡片在 {timeout:g} 秒內沒有回應",
            "請取出卡片後重新插入",
            message_en=f"Card read timed out: the card did not answer within {timeout:g} s.",
            action_en="Remove the card and insert it again.",
        )
    elapsed_ms = (time.monotonic() - started) * 1000.0
    if outcome.error is not None:
        raise outcome.error
    assert outcome.record is not None
    return ReadResult(outcome.record, elapsed_ms, outcome.atr)


def citizen_from_record(rec: CardRecord) -> Citizen:
    """The citizen the card names. ``CardError`` when the card's ID fails its checksum, because
    nothing may be looked up or stored under an ID that cannot exist; the clerk then types the ID
    from the identity document. A suspect name is passed on as read, for the clerk to correct.
    """
    if not rec.id_valid:
        raise CardError(
            "卡上身分證號檢查碼錯誤，無法使用此卡辦理",
            "請依身分證明文件以人工輸入身分證號",
            message_en="The ID number on the card fails its checksum; the card cannot be used.",
            action_en="Type the ID number from the identity document.",
        )
    return Citizen(
        national_id=rec.national_id,
        name=rec.name,
        birth_date=rec.birth_date,
        sex=rec.sex if rec.sex in ("M", "F") else None,
        card_number=rec.card_number,
    )
