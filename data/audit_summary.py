"""What supervisors take out of the audit log: filtered pages, a CSV export, and the day's counts.

The filter is in the supervisor's terms (ROC days, inclusive; a full citizen ID matched through
``subject_key``, never stored) and becomes ``data.audit.query_audit``'s keyword arguments. The
export walks the same keyset query page by page, so a year of entries is written with one page
in memory, and never contains ``subject_key`` (an unsalted hash of an ID is as good as the ID).

CSV export format (UTF-8 with BOM so Excel shows Chinese; CRLF rows; newest entry first):

====================  =======================================================================
column                content
====================  =======================================================================
seq 序號              position in the hash chain
at 時間               ISO-8601 with +08:00 offset, e.g. ``2026-11-22T10:30:00+08:00``
roc_at 民國時間       ``民國115年11月22日 10:30:00``
staff_no 員工編號     who did it (empty for the command line)
role 角色             ``clerk`` / ``supervisor``
counter 櫃檯          counter number
action 作業           e.g. ``register``, ``login``, ``audit_export``
subject 對象          masked citizen ID and name (``A123****89 甄○康``) or ``staff S001``
outcome 結果          ``ok``, ``refused``, ``locked``, ``failed``, ``broken`` …
detail 明細           the entry's detail as JSON (never a secret: append_audit refuses them)
prev_hash 前筆雜湊    SHA-256 of the entry before (hex)
hash 雜湊             this entry's SHA-256 (hex), as ``kiosk audit verify`` checks it
====================  =======================================================================

A cell starting with ``=``, ``+``, ``-``, ``@`` gets a leading ``'`` so a spreadsheet shows it as
text instead of running it as a formula (typed text reaches the log, e.g. a mistyped staff number).
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from data.audit import AuditEntry, query_audit
from data.store import Store, ts
from kiosk.core.clock import TAIPEI
from kiosk.core.errors import StoreError
from kiosk.core.rocdate import format_roc_datetime

CSV_COLUMNS: tuple[str, ...] = (
    "seq 序號", "at 時間", "roc_at 民國時間", "staff_no 員工編號", "role 角色", "counter 櫃檯",
    "action 作業", "subject 對象", "outcome 結果", "detail 明細", "prev_hash 前筆雜湊", "hash 雜湊",
)
EXPORT_PAGE = 2000


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), TAIPEI)


@dataclass(frozen=True)
class AuditFilter:
    """What the supervisor asked for; every field optional. ``until`` is the last day included."""

    since: date | None = None
    until: date | None = None
    staff_no: str | None = None
    action: str | None = None
    outcome: str | None = None
    subject_id: str | None = None  # full ID: matched through subject_key, never written anywhere

    def query_kwargs(self) -> dict[str, Any]:
        return {
            "since": None if self.since is None else day_start(self.since),
            "until": None if self.until is None else day_start(self.until + timedelta(days=1)),
            "staff_no": self.staff_no,
            "action": self.action,
            "outcome": self.outcome,
            "subject_id": self.subject_id,
        }

    def for_audit(self) -> dict[str, str | bool]:
        """The filter as an audit detail: the ID only as "an ID was given" (the entry's subject
        carries it masked and hashed)."""
        out: dict[str, str | bool] = {}
        for name in ("since", "until", "staff_no", "action", "outcome"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.isoformat() if isinstance(value, date) else str(value)
        if self.subject_id:
            out["by_citizen"] = True
        return out

    @property
    def empty(self) -> bool:
        return all(v is None for v in self.query_kwargs().values())


def audit_page(
    store: Store, flt: AuditFilter, *, before_seq: int | None = None, limit: int = 30
) -> list[AuditEntry]:
    """One page for the viewer, newest first; the next page is ``before_seq=page[-1].seq``."""
    return query_audit(store, before_seq=before_seq, limit=limit, **flt.query_kwargs())


def iter_audit(store: Store, flt: AuditFilter, *, page: int = EXPORT_PAGE) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, one keyset page at a time. Entries appended meanwhile
    are not included: the walk only goes back from the newest entry it saw first."""
    before: int | None = None
    while True:
        entries = audit_page(store, flt, before_seq=before, limit=page)
        yield from entries
        if len(entries) < page:
            return
        before = entries[-1].seq


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_row(entry: AuditEntry) -> list[str]:
    detail = "" if entry.detail is None else json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)
    return [
        str(entry.seq),
        ts(entry.at),
        format_roc_datetime(entry.at),
        *(_cell(v or "") for v in (entry.staff_no, entry.role, entry.counter, entry.action, entry.subject,
                                   entry.outcome)),
        _cell(detail),
        entry.prev_hash,
        entry.hash,
    ]


def write_audit_csv(
    store: Store, flt: AuditFilter, out: Path, *, progress: Callable[[int], None] | None = None
) -> int:
    """Write the filtered entries to ``out`` (replaced only when complete); returns how many."""
    out = Path(out).expanduser()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".audit-", suffix=".csv.part", dir=out.parent)
    except OSError as exc:
        raise _write_error(out, exc) from exc
    count = 0
    try:
        # utf-8-sig writes the BOM Excel needs to read UTF-8; newline="" lets csv write CRLF itself.
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for entry in iter_audit(store, flt):
                writer.writerow(csv_row(entry))
                count += 1
                if progress is not None and count % EXPORT_PAGE == 0:
                    progress(count)
        os.replace(tmp_name, out)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise _write_error(out, exc) from exc
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return count


def _write_error(out: Path, exc: OSError) -> StoreError:
    return StoreError(
        f"無法寫入匯出檔案 {out}：{exc.strerror or exc}",
        "請確認路徑存在且可寫入，或改用其他路徑",
        message_en=f"Cannot write the export file {out}: {exc.strerror or exc}",
        action_en="Check that the folder exists and is writable, or choose another path.",
    )


# --- daily summary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyCounts:
    """How many audit entries each staff member made for each action on one day."""

    day: date
    rows: tuple[tuple[str, str, int], ...] = ()  # (staff_no, action, count), by staff then action
    print_failures: int = 0
    by_staff: dict[str, int] = field(default_factory=dict)
    by_action: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(n for _, _, n in self.rows)


def daily_counts(store: Store, day: date) -> DailyCounts:
    """Counts per staff member and action for ``day`` (Taipei), from the ``at`` index."""
    since, until = ts(day_start(day)), ts(day_start(day + timedelta(days=1)))
    rows = tuple(
        (str(r[0] or ""), str(r[1]), int(r[2]))
        for r in store.all(
            "SELECT staff_no, action, count(*) FROM audit_log WHERE at >= ? AND at < ? "
            "GROUP BY staff_no, action ORDER BY staff_no, action",
            (since, until),
        )
    )
    failed = store.one(
        "SELECT count(*) FROM print_jobs WHERE created_at >= ? AND created_at < ? "
        "AND (state = 'failed' OR (state = 'queued' AND last_error IS NOT NULL))",
        (since, until),
    )
    by_staff: dict[str, int] = {}
    by_action: dict[str, int] = {}
    for staff_no, action, n in rows:
        by_staff[staff_no] = by_staff.get(staff_no, 0) + n
        by_action[action] = by_action.get(action, 0) + n
    return DailyCounts(day, rows, int(failed[0]) if failed else 0, by_staff,
                       dict(sorted(by_action.items(), key=lambda kv: (-kv[1], kv[0]))))
