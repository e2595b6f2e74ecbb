"""How one audit entry reads for people: outcomes, staff subjects, detail keys and values in the
current language (the log itself keeps the internal codes; the CSV export shows those)."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text

from data.audit import AuditEntry
from data.audit_summary import KNOWN_ACTIONS, OUTCOMES, AuditFilter
from kiosk.core.rocdate import format_datetime_en, format_roc_date, format_roc_datetime
from kiosk.i18n import get_locale, t
from kiosk.services.supervisor import action_label


def outcome_label(outcome: str) -> str:
    return t(f"audit.outcome.{outcome}") if outcome in OUTCOMES else outcome


def describe_filter(f: AuditFilter) -> str:
    """The filter in a few words for the citizen line: days, staff, action, outcome, "by ID"."""
    parts = []
    if f.since or f.until:
        since = format_roc_date(f.since) if f.since else "…"
        parts.append(f"{since} ~ {format_roc_date(f.until) if f.until else '…'}")
    if f.staff_no:
        parts.append(f.staff_no)
    if f.action:
        parts.append(action_label(f.action, get_locale()))
    if f.outcome:
        parts.append(outcome_label(f.outcome))
    if f.subject_id:
        parts.append(t("audit.by_id"))
    return "、".join(parts)


def subject_label(subject: str) -> str:
    """``staff S900`` (how staff subjects are stored) in the current language; citizens as stored."""
    return t("audit.staff_subject", no=subject[6:]) if subject.startswith("staff ") else subject


def detail_value(value: object) -> str:
    if isinstance(value, bool):
        return t("audit.yes") if value else t("audit.no")
    if value is None:
        return "—"
    if isinstance(value, list):
        return "、".join(detail_value(v) for v in value) if get_locale() != "en" else ", ".join(
            detail_value(v) for v in value)
    return str(value)


def detail_entry(key: str, value: object) -> str:
    if key in ("service", "action") and value in KNOWN_ACTIONS:
        return action_label(str(value), get_locale())
    if key == "outcome" and value in OUTCOMES:
        return outcome_label(str(value))
    return detail_value(value)


def detail_key(key: str) -> str:
    label = t(f"audit.key.{key}")
    return key if label == f"audit.key.{key}" else label


def short_time(at: datetime) -> str:
    return f"{format_roc_date(at.date())} {at:%H:%M:%S}"


def detail_text(entry: AuditEntry) -> Text:
    """Every field of the entry, as plain text (typed values must never become markup)."""
    locale = get_locale()
    rows = [
        (t("audit.col_seq"), str(entry.seq)),
        (t("audit.col_time"), format_datetime_en(entry.at) if locale == "en" else format_roc_datetime(entry.at)),
        (t("audit.col_staff"), entry.staff_no or "—"),
        (t("audit.f_role"), t(f"role.{entry.role}") if entry.role in ("clerk", "supervisor")
         else entry.role or "—"),
        (t("audit.f_counter"), entry.counter or "—"),
        (t("audit.col_action"), action_label(entry.action, locale)),
        (t("audit.col_subject"), subject_label(entry.subject) or "—"),
        (t("audit.col_outcome"), outcome_label(entry.outcome)),
    ]
    sep = ": " if locale == "en" else "："
    text = Text()
    for label, value in rows:
        text.append(f"{label}{sep}", style="bold")
        text.append(f"{value}\n")
    text.append(f"{t('audit.f_hash')}{sep}", style="bold")
    text.append(f"{entry.hash[:16]}…\n")
    text.append(f"{t('audit.f_prev')}{sep}", style="bold")
    text.append(f"{entry.prev_hash[:16]}…\n")
    text.append(f"{t('audit.f_detail')}{sep}", style="bold")
    if entry.detail:
        for key, value in sorted(entry.detail.items()):
            text.append(f"\n  {detail_key(key)}{sep}{detail_entry(key, value)}")
    else:
        text.append("—")
    return text


def fitted_widths(labels: list[str], rows: list[list[Text | str]]) -> list[int]:
    """Each column as wide as its widest cell or label: set when the columns are added, so a name
    is never cut, whenever the table measures its rows."""
    cells = [[c.plain if isinstance(c, Text) else c for c in row] for row in rows]
    return [max([cell_len(label), *(cell_len(row[i]) for row in cells if i < len(row))])
            for i, label in enumerate(labels)]
