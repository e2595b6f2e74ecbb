"""收據列印佇列: receipts waiting for the printer, with retry, reprint, cancel and an on-screen preview."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from data.print_jobs import PrintJob
from kiosk.core.clock import TAIPEI
from kiosk.core.rocdate import format_roc_date
from kiosk.i18n import get_locale, t
from kiosk.screens.base import ServiceScreen
from kiosk.screens.confirm import ConfirmScreen
from kiosk.services import print_queue
from kiosk.services.receipt_queue import SendResult
from printing.receipt import TITLES, ReceiptKind

if TYPE_CHECKING:
    from kiosk.app import PrintOutcome


def kind_label(kind: str) -> str:
    base, _, reprint = kind.partition(":")
    try:
        zh, en = TITLES[ReceiptKind(base)]
    except ValueError:
        zh = en = base
    label = en if get_locale() == "en" else zh
    if not reprint:
        return label
    return f"{label} ({t('queue.reprint')})" if get_locale() == "en" else f"{label}（{t('queue.reprint')}）"


def short_time(at: datetime) -> str:
    """``115-11-22 10:30`` (ROC) or ``2026-11-22 10:30``: a staff list, narrow columns."""
    local = at.astimezone(TAIPEI)
    day = local.date().isoformat() if get_locale() == "en" else format_roc_date(local.date())
    return f"{day} {local:%H:%M}"


def _width(headers: list[str], rows: list[list[Text]]) -> int:
    """Cells a table of these columns needs (each column as wide as its widest cell, plus padding)."""
    widths = [cell_len(h) for h in headers]
    for row in rows:
        widths = [max(w, cell_len(cell.plain)) for w, cell in zip(widths, row, strict=False)]
    return sum(w + 2 for w in widths)


class PrintQueueScreen(ServiceScreen):
    SERVICE_ID = "print_queue"
    FILLS_HEIGHT = True
    BINDINGS = [
        *ServiceScreen.BINDINGS,
        Binding("r", "retry", show=False),
        Binding("p", "reprint", show=False),
        Binding("x,delete", "cancel_job", show=False),
        Binding("f5", "refresh", show=False),
        Binding("t", "test_page", show=False),
    ]
    DEFAULT_CSS = """
    #queue-body { height: 1fr; }
    #queue-list { width: 1fr; height: 1fr; }
    #queue-table { width: 1fr; height: 1fr; }
    #queue-error { width: 1fr; height: auto; color: $error; padding: 0 1; }
    #queue-preview { width: 36; height: 1fr; border: round $panel-lighten-2; padding: 0 1; }
    /* Below ~110 columns the preview goes under the list, so no column is cut. */
    #queue-body.narrow { layout: vertical; }
    #queue-body.narrow #queue-preview { width: 1fr; }
    """
    NARROW = 110

    def __init__(self) -> None:
        super().__init__()
        self.view: print_queue.QueueView | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="queue-body"):
            with Vertical(id="queue-list"):
                yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
                yield Static(id="queue-error")
            with VerticalScroll(id="queue-preview"):
                yield Static(id="receipt-text")

    def on_mount(self) -> None:
        # ServiceScreen's on_mount runs too: Textual calls the handler of every class in the MRO.
        self._fit(self.app.size.width)
        self.action_refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        body = self.query_one("#queue-body")
        narrow = width < self.NARROW
        body.set_class(narrow, "narrow")
        if self.view is not None:
            self.call_after_refresh(self._fill)  # columns are chosen for the table's new width


    def keys(self) -> list[tuple[str, str]]:
        """What can be done now: R and X for a queued receipt highlighted, P once one has printed."""
        job = self._selected() if self.is_mounted else None
        queued = job is not None and job.state.value == "queued"
        keys = [("r", t("queue.retry"))] if queued else []
        if self.view is not None and self.view.last_sent is not None:
            keys.append(("p", t("queue.reprint_last")))
        if queued:
            keys.append(("x", t("queue.cancel")))
        return [*keys, ("f5", t("queue.refresh")), ("t", t("queue.test_page")), ("escape", t("key.back"))]

    def relabel(self) -> None:
        self._fill()

    def action_refresh(self) -> None:
        self.run_service(print_queue.view, self._loaded)

    def print_changed(self, outcome: PrintOutcome) -> None:
        # Whoever sent (this screen's R, the background sender), the table shows the queue as it is.
        self.action_refresh()

    def _loaded(self, view: print_queue.QueueView) -> None:
        self.view = view
        self._fill()

    def _rows(self) -> list[PrintJob]:
        if self.view is None:
            return []
        return [*self.view.queued, *([self.view.last_sent] if self.view.last_sent else [])]

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        # State first: it is what the clerk acts on. The selected job's error is shown in full under
        # the table (a column would cut it), the preview beside it or, when narrow, below.
        columns = [t("queue.col_no"), t("queue.col_state"), t("queue.col_kind"), t("queue.col_txn")]
        rows: list[list[Text]] = []
        for job in self._rows():
            label = t(f"queue.state_{job.state.value}")
            if job.state.value == "queued" and job.attempts:
                label += f" ×{job.attempts}"
            failed = bool(job.last_error) and job.state.value == "queued"
            rows.append([Text(str(job.id)), Text(label, style="red" if failed else ""), Text(kind_label(job.kind)),
                         Text(job.txn_no or ""), Text(short_time(job.created_at))])
        # The time only where it fits whole (the preview's receipt header shows it too): no column is cut.
        with_time = _width([*columns, t("queue.col_time")], rows) <= table.size.width - 2
        table.add_columns(*columns, *([t("queue.col_time")] if with_time else []))
        for job, cells in zip(self._rows(), rows, strict=True):
            table.add_row(*(cells if with_time else cells[:-1]), key=str(job.id))
        if self.view is not None:
            count = len(self.view.queued)
            self.set_citizen_line(t("queue.summary", n=count) if count else t("queue.empty"))
        self._preview()

    def _selected(self) -> PrintJob | None:
        table = self.query_one(DataTable)
        rows = self._rows()
        if not rows or table.cursor_row < 0 or table.cursor_row >= len(rows):
            return None
        return rows[table.cursor_row]

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._preview()

    def _preview(self) -> None:
        """The receipt as printed, in text (a 576-pixel image is unreadable as terminal cells)."""
        job = self._selected()
        box = self.query_one("#queue-preview", VerticalScroll)
        box.border_title = t("queue.preview")
        text = (job.preview_text or t("queue.no_preview")) if job else ""
        self.query_one("#receipt-text", Static).update(Text(text))
        error = job.last_error if job is not None and job.state.value == "queued" else None
        self.query_one("#queue-error", Static).update(Text(t("queue.last_error", error=error)) if error else "")
        self.refresh_keys()

    def action_retry(self) -> None:
        job = self._selected()
        if job is None or job.state.value != "queued":
            self.show_message(t("queue.pick_queued"), error=True)
            return
        self.show_message(t("queue.sending"))
        self.run_service(lambda ctx: print_queue.retry(ctx, job.id), self._sent)

    def action_reprint(self) -> None:
        self.show_message(t("queue.sending"))
        self.run_service(print_queue.reprint_last, self._sent)

    def _sent(self, result: SendResult) -> None:
        if result.ok:
            self.show_message(t("queue.printed", no=result.job_id))
        elif result.error is not None:
            self.show_error(result.error)
        self.action_refresh()

    def action_cancel_job(self) -> None:
        job = self._selected()
        if job is None or job.state.value != "queued":
            self.show_message(t("queue.pick_queued"), error=True)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(lambda ctx: print_queue.cancel(ctx, job.id), self._cancelled)

        question = t("queue.confirm_cancel", kind=kind_label(job.kind), txn=job.txn_no or job.id)
        self.app.push_screen(ConfirmScreen(question), answered)

    def _cancelled(self, job: PrintJob) -> None:
        self.show_message(t("queue.cancelled", no=job.id))
        self.action_refresh()

    def action_test_page(self) -> None:
        """The printer test page (Big5 sample, native QR, raster QR): sent directly, not queued."""
        from kiosk.services.printer_test import send_test_page

        self.show_message(t("queue.sending"))
        self.run_service(send_test_page, lambda r: self.show_message(
            t("queue.test_page_sent", printer=r.printer, mode=r.mode)))
