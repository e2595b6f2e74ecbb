"""每日統計: how many entries each staff member made for each action on one day; F9 prints it."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Input

from data.audit_summary import DailyCounts
from kiosk.core.errors import ValidationError
from kiosk.core.permissions import Action
from kiosk.core.rocdate import format_roc_date, parse_roc_date
from kiosk.i18n import get_locale, t
from kiosk.screens.audit_dialogs import guard
from kiosk.screens.base import ServiceScreen
from kiosk.services import supervisor
from kiosk.services.supervisor import action_label


class DailySummaryScreen(ServiceScreen):
    SERVICE_ID = "audit_summary"
    BINDINGS: ClassVar[list[BindingType]] = [*ServiceScreen.BINDINGS, Binding("f9", "print", show=False)]
    DEFAULT_CSS = """
    #summary-day { width: 30; }
    #summary-body { height: 1fr; }
    #summary-table { width: 1fr; height: 1fr; }
    #summary-staff { width: 36; height: 1fr; }
    """

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self.day = day
        self.counts: DailyCounts | None = None

    def compose_body(self) -> ComposeResult:
        yield Input(id="summary-day")
        with Horizontal(id="summary-body"):
            yield DataTable(id="summary-table", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="summary-staff", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        super().on_mount()
        if guard(self, Action.DAILY_SUMMARY):
            self.day = self.day or self.kiosk.hw.clock.now().date()
            day_input = self.query_one("#summary-day", Input)
            day_input.value = format_roc_date(self.day)
            day_input.focus()
            self._load()

    def keys(self) -> list[tuple[str, str]]:
        return [("enter", t("summary.key_show")), ("f9", t("summary.key_print")), ("escape", t("key.back"))]

    def relabel(self) -> None:
        day_input = self.query_one("#summary-day", Input)
        day_input.border_title = t("summary.day")
        day_input.placeholder = t("audit.hint_since")
        self._fill()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            self.day = parse_roc_date(event.value)
        except ValidationError as exc:
            self.show_error(exc)
            return
        self.show_message("")
        self._load()

    def _load(self) -> None:
        day = self.day
        assert day is not None
        self.run_service(lambda ctx: supervisor.daily_summary(ctx, day), self._loaded)

    def _loaded(self, counts: DailyCounts) -> None:
        self.counts = counts
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#summary-table", DataTable)
        staff = self.query_one("#summary-staff", DataTable)
        table.clear(columns=True)
        staff.clear(columns=True)
        table.add_column(t("audit.col_staff"), width=10)
        table.add_column(t("audit.col_action"), width=30)
        table.add_column(t("summary.count"), width=8)
        staff.add_column(t("audit.col_staff"), width=12)
        staff.add_column(t("summary.count"), width=8)
        counts = self.counts
        if counts is None:
            return
        locale = get_locale()
        for staff_no, action, n in counts.rows:
            table.add_row(Text(staff_no or "—"), Text(action_label(action, locale)),
                          Text(str(n), justify="right"))
        for staff_no, n in counts.by_staff.items():
            staff.add_row(Text(staff_no or "—"), Text(str(n), justify="right"))
        staff.add_row(Text(t("summary.total"), style="bold"),
                      Text(str(counts.total), style="bold", justify="right"))
        self.set_citizen_line(t("summary.line", day=format_roc_date(counts.day), n=counts.total,
                                staff=len(counts.by_staff), failures=counts.print_failures))

    def action_print(self) -> None:
        day = self.day
        if day is None:
            return
        self.show_message(t("summary.printing"))
        self.run_service(lambda ctx: supervisor.print_daily_summary(ctx, day), self._printed)

    def _printed(self, counts: DailyCounts) -> None:
        self.counts = counts
        self._fill()
        self.show_message(t("summary.printed", day=format_roc_date(counts.day)))
