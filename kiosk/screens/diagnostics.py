"""檢測健保卡: the counterpart of the web site's card check. Service, readers, card, ATR, last read."""

from __future__ import annotations

import time

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from kiosk.card_state import CardState
from kiosk.core.errors import KioskError, as_kiosk_error
from kiosk.core.masking import mask_id, mask_name
from kiosk.i18n import get_locale, t
from kiosk.reader.port import ReaderState
from kiosk.screens.base import ServiceScreen


def _hex(data: bytes) -> str:
    return " ".join(f"{b:02X}" for b in data)


class DiagnosticsScreen(ServiceScreen):
    SERVICE_ID = "diagnostics"
    BINDINGS = [*ServiceScreen.BINDINGS, Binding("t", "read_test", show=False),
                Binding("f5", "refresh", show=False)]

    def compose_body(self) -> ComposeResult:
        yield Static(id="diag-table")
        yield Static(id="diag-test")

    def __init__(self) -> None:
        super().__init__()
        self.readers: list[str] | None = None
        self.readers_error = ""
        # The read test's outcome, kept as data so Ctrl+T re-says it: (ok, ms, error).
        self.test: tuple[bool, float, KioskError | None] | None = None

    def on_mount(self) -> None:
        # ServiceScreen's on_mount runs too: Textual calls the handler of every class in the MRO.
        self.action_refresh()

    def keys(self) -> list[tuple[str, str]]:
        return [("t", t("diag.read_test")), ("f5", t("diag.refresh")), ("escape", t("key.back"))]

    def relabel(self) -> None:
        self._render_table()
        if self.test is not None and self.test[2] is not None:
            self.show_error(self.test[2])

    def card_changed(self, card: CardState) -> None:
        self._render_table()

    def action_refresh(self) -> None:
        self._list_readers()

    @work(thread=True, exclusive=True, group="diag-readers", exit_on_error=False)
    def _list_readers(self) -> None:
        reader = self.kiosk.equipment.reader
        readers: list[str] | None
        error = ""
        try:
            if reader.__class__.__name__ == "PcscReader":
                from kiosk.reader.pcsc import available_readers

                readers = available_readers()
            else:
                readers = [reader.name]
        except Exception as exc:  # never a table that waits forever
            readers, error = None, as_kiosk_error("diagnostics", exc).text(get_locale())
        self.app.call_from_thread(self._readers_listed, readers, error)

    def _readers_listed(self, readers: list[str] | None, error: str) -> None:
        self.readers, self.readers_error = readers, error
        self._render_table()

    def _render_table(self) -> None:
        app = self.kiosk
        state = app.reader_state
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", no_wrap=True)
        table.add_column()
        simulated = app.config.reader.kind != "pcsc"
        service_ok = state is not ReaderState.NO_SERVICE
        if simulated:
            # The demo reader: no PC/SC service is involved, and nothing read here is a real card.
            table.add_row(t("diag.service"), Text(t("diag.not_used")))
            table.add_row(t("diag.configured"), Text(t("diag.kind_simulated"), style="bold yellow"))
        else:
            table.add_row(t("diag.service"), Text(t("diag.running") if service_ok else t("reader.no_service"),
                                                  style="green" if service_ok else "bold red"))
            table.add_row(t("diag.configured"), Text(t("diag.kind_pcsc") + (
                f" ({app.config.reader.name})" if app.config.reader.name else "")))
        if self.readers is None:
            readers = Text(self.readers_error or "…", style="red" if self.readers_error else "")
        else:
            readers = Text("\n".join(self.readers) or t("reader.no_reader"))
        table.add_row(t("diag.readers"), readers)
        table.add_row(t("diag.reader_state"), Text(t(f"reader.{state.value}")))
        result = app.card.result
        table.add_row(t("diag.atr"), Text(_hex(result.atr) if result and result.atr else "—"))
        if result is not None:
            table.add_row(t("diag.last_read"), Text(f"{result.elapsed_ms:.1f} ms · "
                                                    f"{mask_name(result.record.name)} "
                                                    f"{mask_id(result.record.national_id)}"))
            for zh, en in result.record.problems():
                table.add_row("", Text(f"⚠ {en if get_locale() == 'en' else zh}", style="yellow"))
        elif app.card.error is not None:
            table.add_row(t("diag.last_read"), Text(app.card.error.text(get_locale()), style="red"))
        else:
            table.add_row(t("diag.last_read"), Text("—"))
        if state is ReaderState.NO_SERVICE:
            table.add_row("", Text(t("diag.start_service"), style="yellow"))
        self.query_one("#diag-table", Static).update(table)
        self.query_one("#diag-test", Static).update(self._test_line())

    def _test_line(self) -> Text:
        if self.test is None:
            return Text(t("diag.test_hint"), style="dim")
        ok, ms, _error = self.test
        if ok:
            return Text(t("diag.test_ok", ms=f"{ms:.1f}"), style="bold green")
        return Text(t("diag.test_failed", ms=f"{ms:.0f}"), style="bold red")

    def action_read_test(self) -> None:
        if self.kiosk.reader_state is not ReaderState.CARD_PRESENT:
            self.show_message(t("diag.insert_first"), error=True)
            return
        self.show_message(t("card.reading"))
        self._read_test()

    @work(thread=True, exclusive=True, group="diag-read", exit_on_error=False)
    def _read_test(self) -> None:
        from kiosk.reader.service import read_card_with_timeout

        started = time.perf_counter()
        try:
            result = read_card_with_timeout(self.kiosk.equipment.reader, self.kiosk.config.reader.timeout_seconds)
        except Exception as exc:
            elapsed = (time.perf_counter() - started) * 1000
            self.app.call_from_thread(self._tested, None, as_kiosk_error("diagnostics", exc), elapsed)
            return
        self.app.call_from_thread(self._tested, result, None, result.elapsed_ms)

    def _tested(self, result: object, error: KioskError | None, elapsed_ms: float) -> None:
        self.test = (error is None, elapsed_ms, error)
        if error is not None:
            self.show_error(error)
        else:
            self.show_message("")
        self._render_table()
