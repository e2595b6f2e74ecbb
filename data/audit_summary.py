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
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from data.audit import AuditEntry, query_audit
from data.store import Store, ts
from kiosk.core.audit_actions import SERVICE_AUDIT_ACTIONS, AuditAction
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

# Every action the kiosk writes to the log. The counter services done for citizens come first, in
# menu order; the daily summary counts those as services and lists the rest as other activity.
# Derived from ``kiosk.core.audit_actions.AuditAction`` (declared once); plain strings, in its order.
SERVICE_ACTIONS: tuple[str, ...] = tuple(a.value for a in SERVICE_AUDIT_ACTIONS)
OTHER_ACTIONS: tuple[str, ...] = tuple(a.value for a in AuditAction if a not in SERVICE_AUDIT_ACTIONS)
KNOWN_ACTIONS: tuple[str, ...] = SERVICE_ACTIONS + OTHER_ACTIONS
OUTCOMES: tuple[str, ...] = ("ok", "refused", "locked", "failed", "broken")
_ORDER = {action: i for i, action in enumerate(KNOWN_ACTIONS)}


@dataclass(frozen=True)
class SummaryRow:
    """One staff member's entries for one action on one day, by what came of them.

    ``done``: completed (outcome ``ok``); ``refused``: refused (``refused``, or a sign-in that
    ``locked`` the account); ``failed``: tried and failed (``failed``, ``broken``); ``lookups``: a
    citizen looked up by typed ID for this service (the ``lookup`` entries, counted under the
    service they were for, never as a service done).
    """

    staff_no: str
    action: str
    done: int = 0
    refused: int = 0
    failed: int = 0
    lookups: int = 0

    @property
    def service(self) -> bool:
        return self.action in SERVICE_ACTIONS

    def plus(self, other: SummaryRow) -> SummaryRow:
        return replace(self, done=self.done + other.done, refused=self.refused + other.refused,
                       failed=self.failed + other.failed, lookups=self.lookups + other.lookups)


@dataclass(frozen=True)
class DailyCounts:
    """The day's audit entries per staff member and action, services apart from other activity."""

    day: date
    rows: tuple[SummaryRow, ...] = ()  # by staff, then services in menu order, then other actions
    print_failures: int = 0

    @property
    def services(self) -> tuple[SummaryRow, ...]:
        return tuple(r for r in self.rows if r.service)

    @property
    def others(self) -> tuple[SummaryRow, ...]:
        return tuple(r for r in self.rows if not r.service)

    @property
    def staff(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.staff_no for r in self.rows))

    def staff_total(self, staff_no: str) -> SummaryRow:
        """One staff member's services added up (other activity is not a service)."""
        total = SummaryRow(staff_no, "")
        for row in self.services:
            if row.staff_no == staff_no:
                total = total.plus(row)
        return total

    @property
    def totals(self) -> SummaryRow:
        total = SummaryRow("", "")
        for row in self.services:
            total = total.plus(row)
        return total

    @property
    def total(self) -> int:
        """Services completed: refusals, failures and look-ups are not services done."""
        return self.totals.done


def daily_counts(store: Store, day: date) -> DailyCounts:
    """The counts for ``day`` (Taipei), from the ``at`` index."""
    since, until = ts(day_start(day)), ts(day_start(day + timedelta(days=1)))
    found: dict[tuple[str, str], SummaryRow] = {}
    for staff_no, action, outcome, service, n in store.all(
        "SELECT staff_no, action, outcome, "
        "CASE WHEN action = 'lookup' AND json_valid(detail) THEN json_extract(detail, '$.service') END, "
        "count(*) FROM audit_log WHERE at >= ? AND at < ? GROUP BY 1, 2, 3, 4",
        (since, until),
    ):
        staff_no, n = str(staff_no or ""), int(n)
        if action == "lookup" and isinstance(service, str) and service:
            add = SummaryRow(staff_no, service, lookups=n)
        elif outcome == "ok":
            add = SummaryRow(staff_no, str(action), done=n)
        elif outcome in ("refused", "locked"):
            add = SummaryRow(staff_no, str(action), refused=n)
        else:
            add = SummaryRow(staff_no, str(action), failed=n)
        key = (add.staff_no, add.action)
        found[key] = found[key].plus(add) if key in found else add
    failed = store.one(
        "SELECT count(*) FROM print_jobs WHERE created_at >= ? AND created_at < ? "
        "AND (state = 'failed' OR (state = 'queued' AND last_error IS NOT NULL))",
        (since, until),
    )
    rows = sorted(found.values(), key=lambda r: (r.staff_no, not r.service, _ORDER.get(r.action, len(_ORDER)),
                                                 r.action))
    return DailyCounts(day, tuple(rows), int(failed[0]) if failed else 0)
