"""The kiosk App: the staff session (kiosk/session.py), the card (kiosk/card_state.py) and the printer
(kiosk/printer_state.py) keep their state Textual-free; the App shows what they say, and the screens
do the rest. No store call runs on the UI thread: failures off it end in a message, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.notifications import Notification, Notify
from textual.reactive import var
from textual.timer import Timer

from kiosk import i18n
from kiosk.background import Background
from kiosk.card_state import CardState, CardTracker
from kiosk.config import Config
from kiosk.core.display import printable
from kiosk.core.errors import as_kiosk_error
from kiosk.equipment import CounterEquipment
from kiosk.key_gate import KeyGate
from kiosk.messages import CardRead, CardReadFailed, PrintAttempted, ReaderChanged
from kiosk.printer_state import PrinterWatch, PrintOutcome
from kiosk.reader.port import EventKind, ReaderEvent, ReaderState
from kiosk.session import StaffSession
from kiosk.status import status_info
from printing.port import PrinterState
from widgets.status_bar import StatusInfo

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from kiosk.core.correction import CardCorrection
    from kiosk.core.models import Citizen, Staff
    from kiosk.services.context import ServiceContext
    from kiosk.services.receipt_queue import SendResult
    from kiosk.services.staff import StaffService

__all__ = ["CardState", "CounterEquipment", "KioskApp", "PrintOutcome"]


class KioskApp(App[int]):
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    # Classes on every screen by terminal size, for app.tcss: 80×24 consoles get a compact layout.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("f1", "help", show=False),
        Binding("ctrl+t", "toggle_language", show=False, priority=True),
        Binding("ctrl+q", "request_quit", show=False, priority=True),
    ]

    # Plain data watched by the screens: ``var`` so a change never repaints the whole screen (a
    # ``reactive`` on the App does on every card insertion); the widgets repaint themselves.
    locale: var[str] = var("zh_TW")
    status: var[StatusInfo] = var(StatusInfo)
    card: var[CardState] = var(CardState)
    print_outcome: var[PrintOutcome] = var(PrintOutcome)

    def __init__(self, config: Config, equipment: CounterEquipment, *, demo: bool = False,
                 idle_lock_seconds: float | None = None) -> None:
        super().__init__()
        self.equipment = equipment
        self.demo = demo
        idle = config.ui.idle_lock_seconds if idle_lock_seconds is None else idle_lock_seconds
        self.session = StaffSession(config, equipment, idle)
        self.cards = CardTracker()
        self.printer = PrinterWatch(equipment, lambda result, queued: self.post_message(PrintAttempted(result, queued)))
        self.reader_state = ReaderState.NO_READER
        self._print_toast: Notification | None = None
        self._idle_timer: Timer | None = None
        self._reading_timer: Timer | None = None
        self._key_gate = KeyGate(self)
        self.background = Background(self)
        self.set_reactive(KioskApp.locale, config.ui.locale)
        i18n.set_locale(config.ui.locale)

    # What the screens, the palette and the tests read: each kept by its collaborator.

    @property
    def staff(self) -> Staff | None:
        return self.session.staff

    @staff.setter
    def staff(self, staff: Staff | None) -> None:
        self.session.staff = staff

    @property
    def staff_service(self) -> StaffService:
        return self.session.staff_service

    @property
    def config(self) -> Config:
        return self.session.config

    @config.setter
    def config(self, config: Config) -> None:
        # One configuration: the staff session's service context reads the same one (tests change
        # a rule on a built app).
        self.session.config = config

    @property
    def printer_state(self) -> PrinterState:
        return self.printer.state

    @property
    def queued_jobs(self) -> int:
        return self.printer.queued

    # --- lifecycle -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        from kiosk.screens.login import LoginScreen

        self.title = i18n.t("app.title")
        self.equipment.reader.start(self._on_reader_event)
        self.reader_state = self.equipment.reader.state()
        self.refresh_printer_state()
        self._update_status()
        self.push_screen(LoginScreen())
        if self.session.idle_seconds:
            self._idle_timer = self.set_interval(min(1.0, self.session.idle_seconds / 4), self._check_idle)
        # After the login screen has painted: an import thread holds the GIL and would delay it.
        self.set_timer(0.5, self._warm_up)

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def _warm_up(self) -> None:
        """With the login screen showing, load what signing in and the first card need, so the clerk
        waits for neither (these stay off the path to the login screen: start-up is a benchmark)."""
        import kiosk.reader.service
        import kiosk.screens.main
        import kiosk.services.context
        import kiosk.services.counter  # noqa: F401

        _ = self.staff_service

    def on_unmount(self) -> None:
        self.equipment.reader.stop()
        self.printer.stop()

    # --- work off the UI thread ----------------------------------------------------------------

    def in_background(self, fn: Callable[[], Any], done: Callable[[Any], object] | None = None, *,
                      what: str = "app", failed_prefix: str = "", node: DOMNode | None = None) -> None:
        """``fn()`` on a worker thread, ``done(result)`` after; any failure ends in a toast."""
        self.background.run(fn, done, what=what, failed_prefix=failed_prefix, node=node)

    # --- reader and card -----------------------------------------------------------------------

    def _on_reader_event(self, event: ReaderEvent) -> None:
        # Called on the reader's monitor thread: only post, never touch state or widgets here.
        self.post_message(ReaderChanged(event))

    def on_reader_changed(self, message: ReaderChanged) -> None:
        event = message.event
        previous, self.reader_state = self.reader_state, event.state
        if event.state in (ReaderState.NO_SERVICE, ReaderState.NO_READER) and event.state is not previous:
            # Say what to do, once per change (the monitor only reports changes).
            hint = event.detail or i18n.t(f"reader.{event.state.value}")
            if event.state is ReaderState.NO_SERVICE:
                hint = f"{hint} {i18n.t('diag.start_service')}"
            self.notify(hint, severity="error", timeout=15, markup=False)
        if event.kind is EventKind.INSERTED:
            self._start_read()
        elif event.kind is EventKind.REMOVED or event.state is not ReaderState.CARD_PRESENT:
            # A read still running is forgotten, so its late answer never shows a card that is gone.
            self._read_finished()
            self.card = self.cards.gone(self.card, removed=event.kind is EventKind.REMOVED)
        self._update_status()

    @work(thread=True, exclusive=True, group="card", exit_on_error=False)
    def read_card(self, seq: int = 0) -> None:
        from kiosk.reader.service import read_card_with_timeout
        from kiosk.services.counter import account_state

        try:
            result = read_card_with_timeout(self.equipment.reader, self.config.reader.timeout_seconds)
            # An ID failing its checksum is never looked up: no service until the clerk corrects it.
            correction = self.cards.correction_for(result)
            national_id = correction.national_id if correction else result.record.national_id
            valid = correction is not None or result.record.id_valid
            state = account_state(self.equipment.store, national_id) if valid else None
        except Exception as exc:
            self.post_message(CardReadFailed(as_kiosk_error("card_read", exc), seq))
            return
        self.post_message(CardRead(result, state, seq))

    def apply_correction(self, correction: CardCorrection, account_state: str) -> None:
        """Serve the corrected identity for the card in the reader (already checked and audited)."""
        corrected = self.cards.correct(self.card, correction, account_state)
        if corrected is not None:
            self.card = corrected

    def _read_finished(self) -> None:
        if self._reading_timer is not None:
            self._reading_timer.stop()
            self._reading_timer = None

    def on_card_read(self, message: CardRead) -> None:
        state = self.cards.read(message.seq, message.result, message.account_state)
        if state is not None:  # else overtaken: the card was pulled or replaced while this read ran
            self._read_finished()
            self.card = state

    def on_card_read_failed(self, message: CardReadFailed) -> None:
        state = self.cards.failed(message.seq, message.error)
        if state is not None:
            self._read_finished()
            self.card = state

    def reread_card(self) -> None:
        if self.reader_state is ReaderState.CARD_PRESENT:
            self._start_read()

    def _start_read(self) -> None:
        # A healthy read takes a few ms: showing "reading…" first would cost a whole extra frame
        # before the data appear, so it is shown only if the read is still going after 150 ms.
        self.card = CardState()
        if self._reading_timer is not None:
            self._reading_timer.stop()
        self._reading_timer = self.set_timer(0.15, self._show_reading)
        self.read_card(self.cards.start_read())

    def _show_reading(self) -> None:
        if self.card.result is None and self.card.error is None:
            self.card = CardState(reading=True)

    def current_citizen(self) -> Citizen | None:
        """The citizen on the card in the reader, if it was read and its ID is valid, or as the clerk
        corrected it from the identity document."""
        return self.card.citizen()

    # --- printer -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="printer-state", exit_on_error=False)
    def refresh_printer_state(self) -> None:
        try:
            state, queued = self.printer.poll()
        except Exception:  # a queue that cannot be counted must never take the kiosk down
            state, queued = PrinterState.UNKNOWN, self.printer.queued
        self.call_from_thread(self._set_printer_state, state, queued)

    def _set_printer_state(self, state: PrinterState, queued: int) -> None:
        self.printer.polled(state, queued)
        self._update_status()

    def receipts_queued(self, job_ids: list[int]) -> None:
        """A service committed these receipts: their first attempt, on the sender's thread."""
        if job_ids:
            self.printer.send_new(job_ids)
            self._update_status()

    @work(thread=True, exclusive=True, group="printer", exit_on_error=False)
    def print_pending(self) -> None:
        """Send every queued receipt now, oldest first (tools and tests; the kiosk itself follows
        ``kiosk.services.receipt_sender``'s policy and never calls this on its own)."""
        self.printer.send_pending()

    def on_print_attempted(self, message: PrintAttempted) -> None:
        result: SendResult = message.result
        self.printer.attempted(result, message.queued)
        shown = self._print_toast is not None and self._print_toast in self._notifications
        if result.ok:
            if shown:
                self._unnotify(self._print_toast)  # type: ignore[arg-type]  # a good print answers the error
            self._print_toast = None
        elif result.error is not None:
            if shown:
                self._unnotify(self._print_toast, refresh=False)  # type: ignore[arg-type]
            self._print_toast = Notification(result.error.text(self.locale), "", "error", 10, markup=False)
            self.post_message(Notify(self._print_toast))
        self.print_outcome = PrintOutcome(self.print_outcome.serial + 1, result)
        self._update_status()

    # --- services and the session --------------------------------------------------------------

    def service_context(self) -> ServiceContext:
        return self.session.context()

    def audit_refusal(self, service_id: str) -> None:
        """A staff member tried a service their role does not allow: refused, and recorded."""
        from kiosk.services.counter import record_refusal

        if self.staff is None:
            return
        ctx = self.service_context()
        self.in_background(lambda: record_refusal(ctx, service_id), what="refusal",
                           failed_prefix="session.not_recorded")

    def signed_in(self, staff: Staff) -> None:
        from kiosk.screens.main import MainScreen

        self.session.signed_in(staff)
        self._update_status()
        if len(self.screen_stack) > 2:
            self.pop_screen()  # unlocking: the main screen is underneath
            self.reread_card()
        else:
            self.switch_screen(MainScreen())
        # A staff name is typed text: shown as typed, never read as markup.
        self.notify(i18n.t("session.welcome", name=staff.name, role=i18n.t(f"role.{staff.role.value}")),
                    markup=False)

    def action_lock(self, *, idle: bool = False) -> None:
        from kiosk.screens.login import LoginScreen

        staff = self.staff
        if staff is None or isinstance(self.screen, LoginScreen):
            return
        # Locked first, recorded after: a busy database never leaves a citizen's data on screen.
        self.in_background(partial(self.session.record_lock, staff, idle=idle), what="lock",
                           failed_prefix="session.not_recorded")
        # Take the citizen's data off the screen: the lock screen covers it and the card is forgotten.
        self.card = CardState()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.push_screen(LoginScreen(locked_by=staff))
        if idle:
            self.notify(i18n.t("session.idle_locked"))

    def action_logout(self) -> None:
        from kiosk.screens.login import LoginScreen

        staff = self.session.signed_out()
        if staff is None:
            return
        self.in_background(partial(self.session.record_logout, staff), what="logout",
                           failed_prefix="session.not_recorded")
        self.cards.forget_correction()
        self.card = CardState()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(LoginScreen())
        self._update_status()
        self.notify(i18n.t("session.logged_out"))

    def _check_idle(self) -> None:
        from kiosk.screens.login import LoginScreen

        if not isinstance(self.screen, LoginScreen) and self.session.idle():
            self.action_lock(idle=True)

    async def on_event(self, event: events.Event) -> None:
        gated = KeyGate.gated(event)
        if gated and not self._key_gate.admit(event):
            return  # held: routed once what the keys before it set going is done (kiosk.key_gate)
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self.session.touched()
        if isinstance(event, events.Paste):
            # Keys only ever type printable characters; a paste could carry ESC sequences or a bidi
            # override into any field, and from there onto the screen, a receipt or the database.
            event.text = "\n".join(printable(line) for line in event.text.splitlines())
        await super().on_event(event)
        if gated:
            self._key_gate.routed()

    # --- language, help, quit ------------------------------------------------------------------

    def action_toggle_language(self) -> None:
        self.locale = "en" if self.locale == "zh_TW" else "zh_TW"

    def watch_locale(self, locale: str) -> None:
        i18n.set_locale(locale)
        self.title = i18n.t("app.title")
        self._update_status()

    def action_help(self) -> None:
        from kiosk.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_request_quit(self) -> None:
        from kiosk.screens.confirm import ConfirmScreen

        def done(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(ConfirmScreen(i18n.t("quit.confirm")), done)

    def action_command_palette(self) -> None:
        # Every service and action, in the current language (kiosk/palette.py), not Textual's own.
        from kiosk.palette import open_palette

        open_palette(self)

    # --- status --------------------------------------------------------------------------------

    def _update_status(self) -> None:
        self.status = status_info(staff=self.staff, counter=self.config.centre.counter, reader=self.reader_state,
                                  printer=self.printer_state, queued=self.queued_jobs,
                                  database=self.equipment.store.path, demo=self.demo)
