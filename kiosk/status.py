"""The status bar's line: staff, counter, reader, printer, database, in the current language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.i18n import t
from kiosk.reader.port import ReaderState
from printing.port import PrinterState
from widgets.status_bar import StatusInfo

if TYPE_CHECKING:
    from pathlib import Path

    from kiosk.core.models import Staff


def status_info(*, staff: Staff | None, counter: str, reader: ReaderState, printer: PrinterState, queued: int,
                database: Path | None, demo: bool) -> StatusInfo:
    who = (t("fmt.staff", no=staff.staff_no, name=staff.name, role=t(f"role.{staff.role.value}"))
           if staff else t("status.nobody"))
    reader_bad = reader in (ReaderState.NO_SERVICE, ReaderState.NO_READER)
    printer_bad = printer in (PrinterState.OFFLINE, PrinterState.PAPER_OUT)
    return StatusInfo(
        staff=who,
        counter=counter,
        reader=t(f"reader.{reader.value}"),
        reader_ok=not reader_bad,
        printer=t(f"printer.{printer.value}") + (t("status.queued", n=queued) if queued else ""),
        printer_ok=not printer_bad and not queued,
        database=database.name if database else ":memory:",
        demo=t("status.demo") if demo else "",
        labels=(t("status.staff"), t("status.counter"), t("status.reader"), t("status.printer"), t("status.db")),
    )
