"""Receipt transaction numbers: ``YYYYMMDD-NNNN``, AD date of the service day, counting from 0001.

The AD date sorts as text and cannot be misread across the ROC-year boundary; receipts still show
the ROC date beside it. The counter is per day in the database, so every counter sharing the file
draws from one sequence; past 9999 the number simply grows a digit.
"""

from __future__ import annotations

from datetime import date

from data.store import Store


def next_txn_no(store: Store, day: date) -> str:
    """Draw the next transaction number for ``day`` (in the caller's transaction, if any)."""
    key = day.isoformat()
    with store.transaction():
        store.execute(
            "INSERT INTO txn_counters (day, last) VALUES (?, 1) "
            "ON CONFLICT (day) DO UPDATE SET last = last + 1",
            (key,),
        )
        row = store.one("SELECT last FROM txn_counters WHERE day = ?", (key,))
        assert row is not None
        return f"{day:%Y%m%d}-{int(row[0]):04d}"
