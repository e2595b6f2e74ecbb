"""Virtual NHI cards (虛擬健保卡, seed 002) and the photo of a counter application.

An approved card's photo cannot change: replacing it means revoking the card and applying again
(專案申請), so the history of cards per ID is kept, newest first.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from data.store import Store, not_found, now_or_system, parse_ts, parse_ts_or_none, ts
from kiosk.core.errors import ValidationError
from kiosk.core.models import VirtualCard, VirtualCardState

_COLUMNS = "id, national_id, state, applied_at, decided_at, reject_reason, channel"


def _card(row: sqlite3.Row) -> VirtualCard:
    return VirtualCard(
        id=row["id"],
        national_id=row["national_id"],
        state=VirtualCardState(row["state"]),
        applied_at=parse_ts(row["applied_at"]),
        decided_at=parse_ts_or_none(row["decided_at"]),
        reject_reason=row["reject_reason"],
        channel=row["channel"],
    )


def list_cards(store: Store, national_id: str) -> list[VirtualCard]:
    rows = store.all(
        f"SELECT {_COLUMNS} FROM virtual_cards WHERE national_id = ? ORDER BY applied_at DESC, id DESC",
        (national_id,),
    )
    return [_card(r) for r in rows]


def current_card(store: Store, national_id: str) -> VirtualCard | None:
    """The ID's pending or approved card, else its latest card (so a rejection's reason shows)."""
    live = store.one(
        f"SELECT {_COLUMNS} FROM virtual_cards WHERE national_id = ? "
        "AND state IN ('pending', 'approved') ORDER BY id DESC LIMIT 1",
        (national_id,),
    )
    if live is not None:
        return _card(live)
    cards = list_cards(store, national_id)
    return cards[0] if cards else None


def get_card(store: Store, card_id: int) -> VirtualCard | None:
    row = store.one(f"SELECT {_COLUMNS} FROM virtual_cards WHERE id = ?", (card_id,))
    return None if row is None else _card(row)


def get_photo(store: Store, card_id: int) -> bytes | None:
    row = store.one("SELECT photo FROM virtual_cards WHERE id = ?", (card_id,))
    return None if row is None or row[0] is None else bytes(row[0])


def create_application(
    store: Store,
    national_id: str,
    *,
    applied_at: datetime,
    channel: str = "counter",
    photo: bytes | None = None,
    state: VirtualCardState = VirtualCardState.PENDING,
) -> VirtualCard:
    """File an application (審核中). ``state`` other than pending is for demo data and imports."""
    with store.transaction():
        live = store.one(
            "SELECT 1 FROM virtual_cards WHERE national_id = ? AND state IN ('pending', 'approved')",
            (national_id,),
        )
        if live is not None:
            raise ValidationError(
                "national_id",
                "此身分證號已有審核中或已通過的虛擬健保卡",
                "若要更換照片，請先註銷現有虛擬健保卡再重新申請",
                message_en="This ID already has a pending or approved virtual card.",
                action_en="To change the photo, revoke the card first, then apply again.",
            )
        decided = ts(applied_at) if state is not VirtualCardState.PENDING else None
        cursor = store.execute(
            "INSERT INTO virtual_cards (national_id, state, applied_at, decided_at, channel, photo) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (national_id, VirtualCardState(state).value, ts(applied_at), decided, channel, photo),
        )
        assert cursor.lastrowid is not None
        card = get_card(store, cursor.lastrowid)
        assert card is not None
        return card


def set_card_state(
    store: Store,
    card_id: int,
    state: VirtualCardState,
    *,
    now: datetime | None = None,
    reject_reason: str | None = None,
) -> VirtualCard:
    """Record a decision (approve, reject with a reason, revoke). The service checks the transition."""
    with store.transaction():
        if get_card(store, card_id) is None:
            raise not_found("虛擬健保卡", "virtual card")
        store.execute(
            "UPDATE virtual_cards SET state = ?, decided_at = ?, reject_reason = ? WHERE id = ?",
            (VirtualCardState(state).value, ts(now_or_system(now)), reject_reason, card_id),
        )
        card = get_card(store, card_id)
        assert card is not None
        return card
