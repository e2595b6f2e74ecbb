"""每日統計: services done per staff member and action on one day, refusals, failures and look-ups
in columns of their own, other activity (sign-ins, prints, staff changes) listed apart; F9 prints
exactly the rows on screen (``supervisor.summary_lines``) for the supervisor to sign."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input

from data.audit_summary import DailyCounts
from kiosk.core.errors import ValidationError
from kiosk.core.permissions import Action
from kiosk.core.rocdate import format_roc_date, parse_roc_date
from kiosk.i18n import get_locale, t
from kiosk.screens.audit_detail import fitted_widths
from kiosk.screens.audit_dialogs import guard
from kiosk.screens.base import ServiceScreen
from kiosk.services import supervisor

_STYLES = {"subtotal": "bold", "total": "bold reverse", "heading": "bold underline", "other": "dim"}


class DailySummaryScreen(ServiceScreen):
    SERVICE_ID = "audit_summary"
    FILLS_HEIGHT = True
    BINDINGS: ClassVar[list[BindingType]] = [*ServiceScreen.BINDINGS, Binding("f9", "print", show=False)]
    DEFAULT_CSS = """
    #summary-day { width: 30; }
    #summary-table { width: 1fr; height: 1fr; }
    """

    def __init__(self, day: date | None = None) -> None:
        super().__init__()
        self.day = day
        self.counts: DailyCounts | None = None

    def compose_body(self) -> ComposeResult:
        yield Input(id="summary-day")
        yield DataTable(id="summary-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        super().on_mount()
        if guard(self, Action.DAILY_SUMMARY):
            self.day = self.day or self.kiosk.equipment.clock.now().date()
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
        table.clear(columns=True)
        labels = [t("audit.col_staff"), t("audit.col_action"), *(t(key) for key in supervisor.SUMMARY_COLUMNS)]
        counts = self.counts
        lines = supervisor.summary_lines(counts, get_locale()) if counts is not None else []
        rows: list[list[Text | str]] = []
        for line in lines:
            style = _STYLES.get(line.kind, "")
            numbers = [*line.numbers(), *([""] * (4 - len(line.numbers())))]
            rows.append([Text(line.staff, style=style), Text(line.label, style=style),
                         *(Text(n, style=style, justify="right") for n in numbers)])
        # Every column as wide as its content: a name is never cut, and six columns fit 80 columns.
        for label, width in zip(labels, fitted_widths(labels, rows), strict=True):
            table.add_column(label, width=width)
        for row in rows:
            table.add_row(*row)
        if counts is None:
            return
        totals = counts.totals
        self.set_citizen_line(t("summary.line", day=format_roc_date(counts.day), n=totals.done,
                                refused=totals.refused, lookups=totals.lookups, staff=len(counts.staff),
                                failures=counts.print_failures))

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
