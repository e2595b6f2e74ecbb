"""稽核紀錄: the audit log viewer for supervisors, newest first, one screen-high page at a time.

Paging is keyset (``before_seq``): the table never holds more than a page, however long the log.
Filters (ROC dates, staff number, full citizen ID typed; action and outcome picked from translated
lists) are reached with F2 (shown in the key bar) and applied with Enter or on picking. Enter on an
entry shows its detail (beside the table, or in its place at 80 columns). F4 exports the filtered
entries as CSV, F5 checks the hash chain in a worker with a progress bar, F6 opens the daily summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Label, ProgressBar, Select, Static

from data.audit import AuditEntry, VerifyResult
from data.audit_summary import KNOWN_ACTIONS, OUTCOMES, AuditFilter
from kiosk.core.errors import KioskError, ValidationError, as_kiosk_error
from kiosk.core.permissions import Action
from kiosk.i18n import get_locale, t
from kiosk.screens.audit_detail import (
    describe_filter,
    detail_text,
    fitted_widths,
    outcome_label,
    short_time,
    subject_label,
)
from kiosk.screens.audit_dialogs import ExportPathScreen, guard
from kiosk.screens.base import ServiceScreen
from kiosk.services import supervisor
from kiosk.services.context import ServiceContext
from kiosk.services.supervisor import ExportResult, action_label
from widgets.key_bar import KeyBar

FILTERS = ("since", "until", "staff_no", "action", "outcome", "national_id")
CHOICES = ("action", "outcome")  # picked from a translated list, never typed as internal codes
NARROW = 100  # below this many columns: the detail on Enter, short times


class AuditScreen(ServiceScreen):
    SERVICE_ID = "audit"
    FILLS_HEIGHT = True
    BINDINGS: ClassVar[list[BindingType]] = [
        *ServiceScreen.BINDINGS,
        Binding("f2", "focus_filters", show=False),
        Binding("ctrl+f", "focus_filters", show=False),
        Binding("f3", "clear", show=False),
        Binding("f4", "export", show=False),
        Binding("f5", "verify", show=False),
        Binding("f6", "summary", show=False),
        Binding("pagedown", "next_page", show=False, priority=True),
        Binding("pageup", "previous_page", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    /* Two rows of three: every title and choice whole, at 80 columns as at 120. */
    #audit-filters { height: 6; layout: vertical; }
    #audit-filters .filter-row { height: 3; width: 1fr; }
    #audit-filters #filters-1 Input { width: 1fr; }
    #audit-filters #f-action { width: 1fr; }
    #audit-filters #f-outcome { width: 20; }
    #audit-filters #f-national_id { width: 19; }
    #audit-main { height: 1fr; }
    #audit-table { width: 1fr; height: 1fr; }
    #audit-detail { width: 36; height: 1fr; border: round $panel-lighten-2; padding: 0 1; }
    #audit-foot { height: 1; }
    #audit-page { width: 1fr; }
    #audit-progress { width: 50; display: none; }
    #audit-progress.running { display: block; }
    /* 80x24: the detail in place of the table on Enter. */
    AuditScreen.narrow #audit-detail { display: none; width: 1fr; }
    AuditScreen.narrow.show-detail #audit-detail { display: block; }
    AuditScreen.narrow.show-detail #audit-table { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.filter = AuditFilter()
        self.entries: list[AuditEntry] = []
        self._cursors: list[int | None] = [None]  # before_seq of each page shown so far
        self._page = 0
        self._has_more = False
        self._request = 0
        self.shown_request = 0  # the last load whose page is on screen (tests wait on it)
        self._allowed = False

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="audit-filters"):
            for number, row in enumerate((FILTERS[:3], FILTERS[3:]), 1):
                with Horizontal(id=f"filters-{number}", classes="filter-row"):
                    for name in row:
                        if name in CHOICES:
                            yield Select(self._choices(name), id=f"f-{name}", prompt=t(f"audit.any_{name}"))
                        else:
                            yield Input(id=f"f-{name}")
        with Horizontal(id="audit-main"):
            yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="audit-detail"):
                yield Static(id="audit-detail-text")
        with Horizontal(id="audit-foot"):
            yield Label(id="audit-page")
            yield ProgressBar(id="audit-progress", show_eta=False)

    def on_mount(self) -> None:
        super().on_mount()
        self._allowed = guard(self, Action.AUDIT_VIEW)
        if self._allowed:
            self.query_one(DataTable).focus()
            self.call_after_refresh(self._load, None, True)

    def _in_filters(self) -> bool:
        return self.focused is not None and self.query_one("#audit-filters") in self.focused.ancestors_with_self

    def on_descendant_focus(self, _event: events.DescendantFocus) -> None:
        self.query_one(KeyBar).keys = tuple(self.keys())

    def keys(self) -> list[tuple[str, str]]:
        if self.is_mounted and self._in_filters():
            first = [("f2", t("audit.key_entries")), ("enter", t("audit.key_apply"))]
        else:
            first = [("f2", t("audit.key_filters")), ("enter", t("audit.key_detail"))]
        # Below 100 columns the page keys leave the bar (nine keys do not fit 80 columns); the page
        # line under the table names PgDn there.
        pages = [] if self.size.width and self.size.width < NARROW else [("pgdn/pgup", t("audit.key_pages"))]
        return [*first, ("f3", t("audit.key_clear")), *pages, ("f4", t("audit.key_export")),
                ("f5", t("audit.key_verify")), ("f6", t("audit.key_summary")), ("escape", t("key.back"))]

    @staticmethod
    def _choices(name: str) -> list[tuple[str, str]]:
        if name == "action":
            return [(action_label(a, get_locale()), a) for a in KNOWN_ACTIONS]
        return [(outcome_label(o), o) for o in OUTCOMES]

    def relabel(self) -> None:
        for name in FILTERS:
            if name in CHOICES:
                choice = self.query_one(f"#f-{name}", Select)
                value = choice.value
                choice.set_options(self._choices(name))
                choice.prompt = t(f"audit.any_{name}")
                if value is not Select.NULL:
                    with self.prevent(Select.Changed):
                        choice.value = value
                choice.query_one("SelectCurrent").border_title = t(f"audit.filter_{name}")
                continue
            field = self.query_one(f"#f-{name}", Input)
            field.border_title = t(f"audit.filter_{name}")
            field.placeholder = t(f"audit.hint_{name}")
        self.query_one("#audit-detail", VerticalScroll).border_title = t("audit.detail")
        self._fill()

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW
        if narrow != self.has_class("narrow"):
            self.set_class(narrow, "narrow")
            self._fill()
            self.refresh_keys()

    def _value(self, name: str) -> str:
        if name in CHOICES:
            value = self.query_one(f"#f-{name}", Select).value
            return "" if value is Select.NULL else str(value)
        return self.query_one(f"#f-{name}", Input).value

    # --- loading ------------------------------------------------------------------------------

    @property
    def page_size(self) -> int:
        # A screenful: the table's height less its header row.
        return max(5, self.query_one(DataTable).size.height - 1)

    def _load(self, before_seq: int | None, fresh: bool) -> None:
        self._request += 1
        request, flt, limit = self._request, self.filter, self.page_size

        def fetch(ctx: ServiceContext) -> list[AuditEntry]:
            if fresh:
                return supervisor.first_page(ctx, flt, limit + 1)
            return supervisor.page_before(ctx, flt, before_seq, limit + 1)

        def loaded(entries: list[AuditEntry]) -> None:
            if request != self._request:
                return  # a newer page was asked for meanwhile
            self._has_more = len(entries) > limit
            self.entries = entries[:limit]
            self._fill()
            self.shown_request = request

        self.run_service(fetch, loaded)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        narrow = self.has_class("narrow")
        table.clear(columns=True)
        # What matters most comes first; every column as wide as its content, so no name is cut.
        labels = [t(f"audit.col_{name}") for name in ("seq", "time", "staff", "action", "outcome", "subject")]
        locale = get_locale()
        rows: list[list[Text | str]] = []
        for entry in self.entries:
            outcome = Text(outcome_label(entry.outcome), style="" if entry.outcome == "ok" else "bold red")
            when = f"{entry.at:%m-%d %H:%M:%S}" if narrow else short_time(entry.at)
            rows.append([str(entry.seq), when, Text(entry.staff_no or ""), Text(action_label(entry.action, locale)),
                         outcome, Text(subject_label(entry.subject))])
        first = 1 if narrow else 0  # the sequence number is in the detail at 80 columns
        for label, width in zip(labels[first:], fitted_widths(labels, rows)[first:], strict=True):
            table.add_column(label, width=width)
        for entry, cells in zip(self.entries, rows, strict=True):
            table.add_row(*cells[first:], key=str(entry.seq))
        if self.entries:
            table.move_cursor(row=min(max(row, 0), len(self.entries) - 1))
        self._show_detail()
        self._show_page_line()

    def _show_page_line(self) -> None:
        if not self._allowed:
            return
        described = describe_filter(self.filter)
        self.set_citizen_line(t("audit.filtered", what=described) if described else t("audit.unfiltered"))
        if self.entries:
            line = t("audit.page", page=self._page + 1, first=self.entries[0].seq, last=self.entries[-1].seq)
            if self._has_more:
                line += t("audit.more")
        else:
            line = t("audit.none")
        self.query_one("#audit-page", Label).update(line)

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def selected(self) -> AuditEntry | None:
        row = self.query_one(DataTable).cursor_row
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def _show_detail(self) -> None:
        entry = self.selected()
        self.query_one("#audit-detail-text", Static).update(detail_text(entry) if entry else Text(""))

    # --- filters and paging -------------------------------------------------------------------

    @on(Input.Submitted)
    def _submitted(self, _event: Input.Submitted) -> None:
        self.action_apply()

    @on(Select.Changed)
    def _chosen(self, _event: Select.Changed) -> None:
        self.action_apply()

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        """Enter on an entry: at 80 columns the detail takes the table's place; Enter again goes back."""
        if self.has_class("narrow"):
            self.add_class("show-detail")
            self.query_one("#audit-detail", VerticalScroll).focus()

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter" and self.has_class("show-detail"):
            event.stop()
            self.remove_class("show-detail")
            self.query_one(DataTable).focus()

    def action_apply(self) -> None:
        values = {name: self._value(name) for name in FILTERS}
        try:
            self.filter = supervisor.parse_filter(**values)
        except ValidationError as exc:
            self.show_error(exc)
            self.query_one(f"#f-{exc.field}").focus()
            return
        self.show_message("")
        self._restart()

    def _clear_fields(self) -> None:
        for name in FILTERS:
            if name in CHOICES:
                with self.prevent(Select.Changed):
                    self.query_one(f"#f-{name}", Select).clear()
            else:
                self.query_one(f"#f-{name}", Input).value = ""

    def action_clear(self) -> None:
        self._clear_fields()
        self.filter = AuditFilter()
        self.show_message("")
        self._restart()

    def _restart(self, before_seq: int | None = None) -> None:
        self._cursors, self._page = [before_seq], 0
        self.query_one(DataTable).move_cursor(row=0)
        self._load(before_seq, before_seq is None)

    def action_focus_filters(self) -> None:
        """F2: to the filters; from the filters, back to the entries."""
        self.remove_class("show-detail")
        if self._in_filters():
            self.query_one(DataTable).focus()
        else:
            self.query_one("#f-since", Input).focus()

    def action_next_page(self) -> None:
        if not self._has_more or not self.entries:
            self.show_message(t("audit.last_page"))
            return
        self._page += 1
        del self._cursors[self._page:]
        self._cursors.append(self.entries[-1].seq)
        self._load(self._cursors[self._page], False)

    def action_previous_page(self) -> None:
        if self._page == 0:
            self._load(self._cursors[0], False)  # already first: refresh, newest entries appear
            return
        self._page -= 1
        self._load(self._cursors[self._page], False)

    # --- export, verify, summary -------------------------------------------------------------

    def action_export(self) -> None:
        flt = self.filter

        def chosen(path: str | None) -> None:
            if path:
                self.show_message(t("audit.exporting"))
                self._export(flt, Path(path))

        default = supervisor.default_export_path(self.context())
        self.app.push_screen(ExportPathScreen(str(default), describe_filter(self.filter) or t("audit.everything")),
                             chosen)

    @work(thread=True, exclusive=True, group="audit-export", exit_on_error=False)
    def _export(self, flt: AuditFilter, path: Path) -> None:
        def progress(rows: int) -> None:
            self.app.call_from_thread(self.show_message, t("audit.exporting_n", n=rows))

        try:
            result = supervisor.export_audit(self.context(), flt, path, progress)
        except Exception as exc:
            self.app.call_from_thread(self.show_error, as_kiosk_error(self.SERVICE_ID, exc))
            return
        self.app.call_from_thread(self._exported, result)

    def _exported(self, result: ExportResult) -> None:
        self.show_message(t("audit.exported", n=result.rows, path=str(result.path)))

    def action_verify(self) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.add_class("running")
        self.show_message(t("audit.verifying"))
        self._verify()

    @work(thread=True, exclusive=True, group="audit-verify", exit_on_error=False)
    def _verify(self) -> None:
        bar = self.query_one(ProgressBar)
        shown = [-1]

        def progress(done: int, total: int) -> None:
            percent = done * 100 // total if total else 100
            if percent != shown[0]:  # a few hundred updates at most, whatever the log's length
                shown[0] = percent
                self.app.call_from_thread(bar.update, total=max(total, 1), progress=done)

        try:
            result = supervisor.verify_audit(self.context(), progress)
        except Exception as exc:
            self.app.call_from_thread(self._verified, None, as_kiosk_error(self.SERVICE_ID, exc))
            return
        self.app.call_from_thread(self._verified, result, None)

    def _verified(self, result: VerifyResult | None, error: KioskError | None) -> None:
        self.query_one(ProgressBar).remove_class("running")
        if error is not None or result is None:
            if error is not None:
                self.show_error(error)
            return
        reason = result.reason_en if get_locale() == "en" else result.reason
        if result.ok:
            self.show_message(t("audit.intact", n=f"{result.checked:,}"))
            self._restart()
        else:
            self.show_message(t("audit.broken", seq=result.first_bad_seq, reason=reason, n=f"{result.checked:,}"),
                              error=True)
            # Show the broken entry itself at the top, unfiltered, with its detail.
            self._clear_fields()
            self.filter = AuditFilter()
            self._restart((result.first_bad_seq or 0) + 1)

    def action_summary(self) -> None:
        from kiosk.screens.audit_summary import DailySummaryScreen

        self.app.push_screen(DailySummaryScreen())
