"""Supervisor work on the audit log: view, search, export, verify, daily summary; staff admin.

Every function checks the role itself (``ctx.require``), whatever screen or command called it.
Reading a page is not audited, with one exception: looking a citizen up by ID is (who searched
whose records is itself "who did what to whose account"). Exports, checks and printed summaries
are audited, including an export that failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from data.audit import AuditEntry, VerifyResult, append_audit, chain_head, verify_chain
from data.audit_summary import (
    AuditFilter,
    DailyCounts,
    SummaryRow,
    audit_page,
    daily_counts,
    write_audit_csv,
)
from data.store import Store
from kiosk.core.errors import KioskError, ValidationError
from kiosk.core.ids import validate_national_id
from kiosk.core.masking import mask_id
from kiosk.core.permissions import Action
from kiosk.core.rocdate import parse_roc_date
from kiosk.i18n import CATALOGS
from kiosk.services.context import ServiceContext
from kiosk.services.staff import StaffService
from printing.receipt import daily_summary_receipt


def action_label(action: str, locale: str) -> str:
    """The action's name for people; the raw action name when the catalog does not know it."""
    return CATALOGS[locale].get(f"audit.action.{action}") or action


def parse_filter(*, since: str = "", until: str = "", staff_no: str = "", action: str = "", outcome: str = "",
                 national_id: str = "") -> AuditFilter:
    """The viewer's typed filter; ``ValidationError`` (field = the input's name) for a bad value."""
    since_day = _day("since", since) if since.strip() else None
    until_day = _day("until", until) if until.strip() else None
    if since_day and until_day and since_day > until_day:
        raise ValidationError("until", "結束日期早於開始日期", "請重新輸入日期區間",
                              message_en="The end date is before the start date.",
                              action_en="Type the date range again.")
    try:
        subject_id = validate_national_id(national_id) if national_id.strip() else None
    except ValidationError as exc:
        raise ValidationError("national_id", exc.message, exc.action, message_en=exc.message_en,
                              action_en=exc.action_en) from None
    return AuditFilter(
        since=since_day,
        until=until_day,
        staff_no=staff_no.strip().upper() or None,
        action=action.strip().lower() or None,
        outcome=outcome.strip().lower() or None,
        subject_id=subject_id,
    )


def _day(field: str, text: str) -> date:
    try:
        return parse_roc_date(text)
    except ValidationError as exc:  # re-raised naming the filter's own field, so the screen can focus it
        raise ValidationError(field, exc.message, exc.action, message_en=exc.message_en,
                              action_en=exc.action_en) from None


def first_page(ctx: ServiceContext, flt: AuditFilter, limit: int) -> list[AuditEntry]:
    """The newest page for a newly applied filter; a search by citizen ID is audited."""
    ctx.require(Action.AUDIT_VIEW)
    if flt.subject_id:
        with ctx.store.transaction():
            ctx.audit("audit_search", subject_id=flt.subject_id, detail=flt.for_audit() or None)
    return audit_page(ctx.store, flt, limit=limit)


def page_before(ctx: ServiceContext, flt: AuditFilter, before_seq: int | None,
                limit: int) -> list[AuditEntry]:
    ctx.require(Action.AUDIT_VIEW)
    return audit_page(ctx.store, flt, before_seq=before_seq, limit=limit)


# --- export -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int


def default_export_path(ctx: ServiceContext) -> Path:
    """``exports/audit-YYYYMMDD-HHMMSS.csv`` beside the database (the kiosk's data directory)."""
    from kiosk.config import default_data_dir

    base = ctx.store.path.parent if ctx.store.path is not None else default_data_dir()
    return base / "exports" / f"audit-{ctx.clock.now():%Y%m%d-%H%M%S}.csv"


def export_audit(ctx: ServiceContext, flt: AuditFilter, out: Path,
                 progress: Callable[[int], None] | None = None) -> ExportResult:
    ctx.require(Action.AUDIT_EXPORT)
    out = Path(out).expanduser()
    if out.suffix.lower() != ".csv":
        out = out.with_name(out.name + ".csv")
    detail: dict[str, object] = {**flt.for_audit(), "file": out.name}
    try:
        rows = write_audit_csv(ctx.store, flt, out, progress=progress)
    except KioskError:
        with ctx.store.transaction():
            ctx.audit("audit_export", subject_id=flt.subject_id, outcome="failed", detail=detail)
        raise
    with ctx.store.transaction():
        ctx.audit("audit_export", subject_id=flt.subject_id, detail={**detail, "rows": rows})
    return ExportResult(out, rows)


def export_audit_cli(store: Store, *, at: datetime, counter: str, flt: AuditFilter,
                     out: Path) -> ExportResult:
    """``kiosk audit export``: nobody is signed in (whoever can run it can read the database file
    anyway), so the entry names ``cli`` as the staff; it is recorded all the same."""
    out = Path(out).expanduser()
    detail: dict[str, object] = {**flt.for_audit(), "file": out.name}
    subject = mask_id(flt.subject_id) if flt.subject_id else ""

    def record(outcome: str, **extra: object) -> None:
        append_audit(store, at=at, staff_no="cli", role="", counter=counter, action="audit_export",
                     subject=subject, subject_id=flt.subject_id, outcome=outcome, detail={**detail, **extra})

    try:
        rows = write_audit_csv(store, flt, out)
    except KioskError:
        record("failed")
        raise
    record("ok", rows=rows)
    return ExportResult(out, rows)


# --- integrity --------------------------------------------------------------------------------


def verify_audit(ctx: ServiceContext, progress: Callable[[int, int], None] | None = None) -> VerifyResult:
    """Check the whole chain (its own read-only connection), then record that it was checked."""
    ctx.require(Action.AUDIT_VERIFY)
    result = verify_chain(ctx.store if ctx.store.path is None else ctx.store.path, progress)
    with ctx.store.transaction():
        ctx.audit("audit_verify", subject_id=None, outcome="ok" if result.ok else "broken",
                  detail={"checked": result.checked, "first_bad_seq": result.first_bad_seq})
    return result


# --- daily summary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryLine:
    """One row of the daily summary as shown on screen and printed (the same rows for both)."""

    staff: str  # staff number; "" for the services total and the heading of other activity
    label: str  # the action's name, 小計, 服務合計 or the heading, in the locale asked for
    counts: SummaryRow | None  # None for the heading
    kind: str  # "service", "subtotal", "total", "heading" or "other"

    def numbers(self) -> tuple[str, ...]:
        c = self.counts
        return () if c is None else (str(c.done), str(c.refused), str(c.failed), str(c.lookups))


def _tr(key: str, locale: str) -> str:
    return CATALOGS[locale].get(key) or CATALOGS["zh_TW"][key]


def summary_lines(counts: DailyCounts, locale: str) -> list[SummaryLine]:
    """Services per staff member with a subtotal each, the services total, then other activity
    (sign-ins, prints, staff changes), which is listed but never counted as a service."""
    lines: list[SummaryLine] = []
    for staff_no in counts.staff:
        own = [r for r in counts.services if r.staff_no == staff_no]
        lines += [SummaryLine(staff_no, action_label(r.action, locale), r, "service") for r in own]
        if own:
            lines.append(SummaryLine(staff_no, _tr("summary.subtotal", locale), counts.staff_total(staff_no),
                                     "subtotal"))
    lines.append(SummaryLine("", _tr("summary.total", locale), counts.totals, "total"))
    if counts.others:
        lines.append(SummaryLine("", _tr("summary.others", locale), None, "heading"))
        lines += [SummaryLine(r.staff_no, action_label(r.action, locale), r, "other") for r in counts.others]
    return lines


SUMMARY_COLUMNS = ("summary.col_done", "summary.col_refused", "summary.col_failed", "summary.col_lookups")


def summary_receipt_lines(counts: DailyCounts) -> list[tuple[str, str]]:
    """The printed rows: exactly the screen's rows (in Chinese), numbers as 完成／拒絕／失敗／查詢."""
    heading = (f"{_tr('audit.col_staff', 'zh_TW')} {_tr('audit.col_action', 'zh_TW')}",
               "／".join(_tr(c, "zh_TW") for c in SUMMARY_COLUMNS))
    return [heading, *((f"{line.staff} {line.label}".strip(), "／".join(line.numbers()))
                       for line in summary_lines(counts, "zh_TW"))]


def daily_summary(ctx: ServiceContext, day: date) -> DailyCounts:
    ctx.require(Action.DAILY_SUMMARY)
    return daily_counts(ctx.store, day)


def print_daily_summary(ctx: ServiceContext, day: date) -> DailyCounts:
    """Queue the day's summary receipt with the chain head on it: the paper copy is the anchor
    that later proves no entry up to it was cut off or rewritten (``verify_chain(anchor=...)``)."""
    ctx.require(Action.DAILY_SUMMARY)
    with ctx.store.transaction():
        counts = daily_counts(ctx.store, day)
        seq, head = chain_head(ctx.store)
        receipt = daily_summary_receipt(ctx.receipt_header(), day, summary_receipt_lines(counts),
                                        print_failures=counts.print_failures)
        receipt = replace(receipt, lines=(*receipt.lines, ("稽核鏈末筆", f"#{seq} {head[:16]}")))
        ctx.queue_receipt(receipt)
        ctx.audit("daily_summary_print", subject_id=None,
                  detail={"day": day.isoformat(), "total": counts.total, "anchor_seq": seq})
    return counts


# --- staff ------------------------------------------------------------------------------------


def staff_service(ctx: ServiceContext) -> StaffService:
    """The staff administration service for this session (its methods check ``by``'s role)."""
    return StaffService(ctx.store, ctx.clock, counter=ctx.counter,
                        lockout_threshold=ctx.config.rules.staff_lockout_threshold)
