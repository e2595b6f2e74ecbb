"""The kiosk App: owns the session, the reader events and the status; screens do the rest."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.notifications import Notification, Notify
from textual.reactive import var
from textual.timer import Timer

from kiosk import i18n
from kiosk.config import Config
from kiosk.core.clock import Clock
from kiosk.core.display import printable
from kiosk.core.errors import CardError, KioskError, ReaderUnavailable
from kiosk.key_gate import KeyGate
from kiosk.messages import CardRead, CardReadFailed, PrintAttempted, ReaderChanged
from kiosk.reader.port import (
    CardReader,
    CardRemoved,
    EventKind,
    ReaderEvent,
    ReaderState,
    card_removed_during_read,
)
from printing.port import PrinterState, ReceiptPrinter
from widgets.status_bar import StatusInfo

if TYPE_CHECKING:
    from data.store import Store
    from kiosk.core.correction import CardCorrection
    from kiosk.core.models import Citizen, Staff
    from kiosk.reader.service import ReadResult
    from kiosk.services.context import ServiceContext
    from kiosk.services.receipt_queue import PrintQueue, SendResult
    from kiosk.services.receipt_sender import PrintSender
    from kiosk.services.staff import StaffService


@dataclass(frozen=True)
class PrintOutcome:
    """The last print attempt the app heard of (``serial`` makes every attempt a change)."""

    serial: int = 0
    result: SendResult | None = None


@dataclass(frozen=True)
class CardState:
    """What the app knows about the card in the reader right now."""

    reading: bool = False
    result: ReadResult | None = None
    account_state: str | None = None
    error: KioskError | None = None
    correction: CardCorrection | None = None  # the name/ID the clerk corrected from the document

    @property
    def needs_correction(self) -> bool:
        rec = self.result.record if self.result is not None else None
        return rec is not None and self.correction is None and (rec.name_suspect or not rec.id_valid)


@dataclass
class Hardware:
    store: Store
    reader: CardReader
    printer: ReceiptPrinter
    clock: Clock
    # The queue brings Pillow, qrcode and the receipt renderer (~35 ms of imports): it is built on
    # first use, off the path to the login screen.
    queue_factory: Callable[[], PrintQueue]
    demo_cards: list[Citizen] = field(default_factory=list)
    _queue: PrintQueue | None = field(default=None, init=False, repr=False)
    _queue_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def queue(self) -> PrintQueue:
        with self._queue_lock:
            if self._queue is None:
                self._queue = self.queue_factory()
            return self._queue


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
    # ``reactive`` on the App does, ~15 ms on every card insertion); the widgets repaint themselves.
    locale: var[str] = var("zh_TW")
    status: var[StatusInfo] = var(StatusInfo)
    card: var[CardState] = var(CardState)
    print_outcome: var[PrintOutcome] = var(PrintOutcome)

    def __init__(self, config: Config, hardware: Hardware, *, demo: bool = False,
                 idle_lock_seconds: float | None = None) -> None:
        super().__init__()
        self.config = config
        self.hw = hardware
        self.demo = demo
        self.staff: Staff | None = None
        self._staff_service: StaffService | None = None
        self.reader_state = ReaderState.NO_READER
        self.printer_state = PrinterState.UNKNOWN
        self.queued_jobs = 0
        self.last_print_error: KioskError | None = None
        self._print_toast: Notification | None = None
        self._sender: PrintSender | None = None
        self._sender_lock = threading.Lock()
        self._idle_seconds = config.ui.idle_lock_seconds if idle_lock_seconds is None else idle_lock_seconds
        self._idle_timer: Timer | None = None
        self._key_gate = KeyGate(self)
        self.set_reactive(KioskApp.locale, config.ui.locale)
        i18n.set_locale(config.ui.locale)

    @property
    def staff_service(self) -> StaffService:
        if self._staff_service is None:
            from kiosk.services.staff import StaffService

            self._staff_service = StaffService(
                self.hw.store, self.hw.clock, counter=self.config.centre.counter,
                lockout_threshold=self.config.rules.staff_lockout_threshold,
            )
        return self._staff_service

    # --- lifecycle -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        from kiosk.screens.login import LoginScreen

        self.title = i18n.t("app.title")
        self.hw.reader.start(self._on_reader_event)
        self.reader_state = self.hw.reader.state()
        self.refresh_printer_state()
        self._update_status()
        self.push_screen(LoginScreen())
        if self._idle_seconds:
            self._idle_timer = self.set_interval(min(1.0, self._idle_seconds / 4), self._check_idle)
        # After the login screen has painted: an import thread holds the GIL and would delay it.
        self.set_timer(0.5, self._warm_up)

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def _warm_up(self) -> None:
        """With the login screen showing, load what signing in and the first card need, so the clerk
        waits for neither (these stay off the path to the login screen: start-up is a benchmark)."""
        import kiosk.reader.service
        import kiosk.screens.main
        import kiosk.services.context  # noqa: F401

        _ = self.staff_service
    def on_unmount(self) -> None:
        self.hw.reader.stop()
        if self._sender is not None:
            self._sender.stop()

    # --- reader --------------------------------------------------------------------------------

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
            self._card_gone(event)
        self._update_status()

    def _card_gone(self, event: ReaderEvent) -> None:
        """The card left (or the reader or service did). A card pulled while its read was under way
        says so, whichever came first, the read's failure or this event; a read still running is
        forgotten, so its late answer never shows a card that is no longer there."""
        in_flight = self._read_pending is not None
        self._read_pending = None
        self._correction = None
        self._read_finished()
        kept = self.card.error if isinstance(self.card.error, CardRemoved | ReaderUnavailable) else None
        if event.kind is EventKind.REMOVED and in_flight:
            kept = card_removed_during_read()
        self.card = CardState(error=kept)

    @work(thread=True, exclusive=True, group="card", exit_on_error=False)
    def read_card(self, seq: int = 0) -> None:
        from kiosk.reader.service import read_card_with_timeout

        try:
            result = read_card_with_timeout(self.hw.reader, self.config.reader.timeout_seconds)
            # An ID failing its checksum is never looked up: no service until the clerk corrects it.
            from data import accounts as accounts_repo

            correction = self._correction_for(result)
            national_id = correction.national_id if correction else result.record.national_id
            valid = correction is not None or result.record.id_valid
            account = accounts_repo.get_account(self.hw.store, national_id) if valid else None
        except KioskError as exc:
            self.post_message(CardReadFailed(exc, seq))
            return
        state = None if not valid else account.state.value if account else "unregistered"
        self.post_message(CardRead(result, state, seq))

    # The clerk's correction of the card in the reader: kept while that card stays in (a re-read after
    # a service keeps it), forgotten when it leaves or the clerk signs out.
    _correction: tuple[str, CardCorrection] | None = None

    def _correction_for(self, result: ReadResult) -> CardCorrection | None:
        kept = self._correction
        rec = result.record
        if kept is None:
            return None
        card_number, correction = kept
        same = (card_number, correction.card_id, correction.card_name) == (rec.card_number, rec.national_id, rec.name)
        return correction if same else None

    def apply_correction(self, correction: CardCorrection, account_state: str) -> None:
        """Serve the corrected identity for the card in the reader (already checked and audited)."""
        result = self.card.result
        if result is None:
            return
        self._correction = (result.record.card_number, correction)
        self.card = CardState(result=result, account_state=account_state, correction=correction)

    def _read_finished(self) -> None:
        if self._reading_timer is not None:
            self._reading_timer.stop()
            self._reading_timer = None

    def on_card_read(self, message: CardRead) -> None:
        if message.seq != self._read_pending:
            return  # overtaken: the card was pulled or replaced while this read ran
        self._read_pending = None
        self._read_finished()
        self.card = CardState(result=message.result, account_state=message.account_state,
                              correction=self._correction_for(message.result))

    def on_card_read_failed(self, message: CardReadFailed) -> None:
        if message.seq != self._read_pending:
            return
        self._read_pending = None
        self._read_finished()
        error = message.error
        if not isinstance(error, CardError):
            error = CardError(error.message, error.action, message_en=error.message_en, action_en=error.action_en)
        self.card = CardState(error=error)

    def reread_card(self) -> None:
        if self.reader_state is ReaderState.CARD_PRESENT:
            self._start_read()

    _reading_timer: Timer | None = None
    _read_seq = 0
    _read_pending: int | None = None  # the seq of the read under way, None when none is

    def _start_read(self) -> None:
        # A healthy read takes a few ms: showing "reading…" first would cost a whole extra frame
        # before the data appear, so it is shown only if the read is still going after 150 ms.
        self.card = CardState()
        if self._reading_timer is not None:
            self._reading_timer.stop()
        self._reading_timer = self.set_timer(0.15, self._show_reading)
        self._read_seq += 1
        self._read_pending = self._read_seq
        self.read_card(self._read_seq)

    def _show_reading(self) -> None:
        if self.card.result is None and self.card.error is None:
            self.card = CardState(reading=True)

    # --- demo --------------------------------------------------------------------------------

    def demo_note(self, citizen: Citizen) -> str:
        from data import accounts as accounts_repo
        from data.demo import DEMO_BAD_ID_CARD, DEMO_BAD_NAME_CARD

        if citizen in (DEMO_BAD_NAME_CARD, DEMO_BAD_ID_CARD):
            return i18n.t("demo.bad_name" if citizen == DEMO_BAD_NAME_CARD else "demo.bad_id")
        account = accounts_repo.get_account(self.hw.store, citizen.national_id)
        return i18n.t(f"account.{account.state.value if account else 'unregistered'}")

    def insert_demo_card(self, index: int) -> None:
        from data.demo import demo_card
        from kiosk.reader.simulated import SimulatedReader

        if isinstance(self.hw.reader, SimulatedReader):
            if self.hw.reader.card is not None:
                self.hw.reader.remove()
            self.hw.reader.insert(demo_card(self.hw.demo_cards[index]))

    def remove_demo_card(self) -> bool:
        from kiosk.reader.simulated import SimulatedReader

        if isinstance(self.hw.reader, SimulatedReader) and self.hw.reader.card is not None:
            self.hw.reader.remove()
            return True
        return False

    # --- printer -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="printer-state", exit_on_error=False)
    def refresh_printer_state(self) -> None:
        try:
            state = self.hw.printer.state()
        except Exception:  # a status query must never take the kiosk down
            state = PrinterState.UNKNOWN
        self.sender()  # at start-up: recovers half-sent jobs and starts the one sender
        queued = self.hw.queue.count()
        self.call_from_thread(self._set_printer_state, state, queued)

    def _set_printer_state(self, state: PrinterState, queued: int) -> None:
        # A printer that cannot be asked (UNKNOWN) keeps what its last print said about it.
        if state is not PrinterState.UNKNOWN or self.printer_state is PrinterState.UNKNOWN:
            self.printer_state = state
        self.queued_jobs = queued
        self._update_status()

    def sender(self) -> PrintSender:
        """The one background sender (built on first use, off the path to the login screen)."""
        with self._sender_lock:
            if self._sender is None:
                from kiosk.services.receipt_sender import PrintSender

                queue = self.hw.queue
                queue.recover()
                queue.listeners.append(self._print_attempted)
                self._sender = PrintSender(queue)
                self._sender.start()
            return self._sender

    def receipts_queued(self, job_ids: list[int]) -> None:
        """A service committed these receipts: their first attempt, on the sender's thread."""
        if job_ids:
            self.sender().send_new(job_ids)
            self.queued_jobs += len(job_ids)
            self._update_status()

    @work(thread=True, exclusive=True, group="printer", exit_on_error=False)
    def print_pending(self) -> None:
        """Send every queued receipt now, oldest first (tools and tests; the kiosk itself follows
        ``kiosk.services.receipt_sender``'s policy and never calls this on its own)."""
        self.sender()
        self.hw.queue.send_pending()

    def _print_attempted(self, result: SendResult) -> None:
        # On the sending thread: read the count there, then hand over to the UI thread.
        try:
            queued = self.hw.queue.count()
        except Exception:
            queued = self.queued_jobs
        self.post_message(PrintAttempted(result, queued))

    def on_print_attempted(self, message: PrintAttempted) -> None:
        result = message.result
        self.queued_jobs = message.queued
        if result.ok:
            self.printer_state = PrinterState.READY
            self.last_print_error = None
            if self._print_toast is not None and self._print_toast in self._notifications:
                self._unnotify(self._print_toast)  # a good print answers the printer's error
            self._print_toast = None
        elif result.error is not None:
            error = result.error
            state = getattr(error, "state", None)  # a PrinterFault says what the failure means
            self.printer_state = state if isinstance(state, PrinterState) else PrinterState.OFFLINE
            self.last_print_error = error
            if self._print_toast is not None and self._print_toast in self._notifications:
                self._unnotify(self._print_toast, refresh=False)
            self._print_toast = Notification(error.text(self.locale), "", "error", 10, markup=False)
            self.post_message(Notify(self._print_toast))
        self.print_outcome = PrintOutcome(self.print_outcome.serial + 1, result)
        self._update_status()

    def service_context(self) -> ServiceContext:
        from kiosk.core.errors import PermissionDenied
        from kiosk.services.context import ServiceContext

        if self.staff is None:
            raise PermissionDenied("請先登入", message_en="Sign in first.")
        return ServiceContext(self.hw.store, self.hw.clock, self.config, self.staff, self.hw.queue)

    def audit_refusal(self, service_id: str) -> None:
        """A staff member tried a service their role does not allow: refused, and recorded."""
        if self.staff is None:
            return
        ctx = self.service_context()
        with ctx.store.transaction():
            ctx.audit("permission_denied", subject_id=None, outcome="refused", detail={"service": service_id})

    def current_citizen(self) -> Citizen | None:
        """The citizen on the card in the reader, if it was read and its ID is valid, or as the clerk
        corrected it from the identity document."""
        from dataclasses import replace

        from kiosk.reader.service import citizen_from_record

        result, correction = self.card.result, self.card.correction
        if result is None:
            return None
        if correction is not None:
            record = replace(result.record, national_id=correction.national_id, id_valid=True,
                             name=correction.name, name_suspect=False)
            return citizen_from_record(record)
        if not result.record.id_valid:
            return None
        return citizen_from_record(result.record)

    # --- session -------------------------------------------------------------------------------

    def signed_in(self, staff: Staff) -> None:
        from kiosk.screens.main import MainScreen

        self.staff = staff
        self._update_status()
        self._last_input = time.monotonic()
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

        if self.staff is None or isinstance(self.screen, LoginScreen):
            return
        self.staff_service.lock_screen(self.staff, idle=idle)
        # Take the citizen's data off the screen: the lock screen covers it and the card is forgotten.
        self.card = CardState()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.push_screen(LoginScreen(locked_by=self.staff))
        if idle:
            self.notify(i18n.t("session.idle_locked"))

    def action_logout(self) -> None:
        from kiosk.screens.login import LoginScreen

        if self.staff is None:
            return
        self.staff_service.logout(self.staff)
        self.staff = None
        self._correction = None
        self.card = CardState()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(LoginScreen())
        self._update_status()
        self.notify(i18n.t("session.logged_out"))

    _last_input = 0.0

    def _check_idle(self) -> None:
        from kiosk.screens.login import LoginScreen

        if self.staff is None or isinstance(self.screen, LoginScreen):
            return
        if time.monotonic() - self._last_input >= self._idle_seconds:
            self.action_lock(idle=True)

    async def on_event(self, event: events.Event) -> None:
        gated = KeyGate.gated(event)
        if gated and not self._key_gate.admit(event):
            return  # held: routed once what the keys before it set going is done (kiosk.key_gate)
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self._last_input = time.monotonic()
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
        t = i18n.t
        staff = (t("fmt.staff", no=self.staff.staff_no, name=self.staff.name, role=t(f"role.{self.staff.role.value}"))
                 if self.staff else t("status.nobody"))
        reader_bad = self.reader_state in (ReaderState.NO_SERVICE, ReaderState.NO_READER)
        printer_bad = self.printer_state in (PrinterState.OFFLINE, PrinterState.PAPER_OUT)
        self.status = StatusInfo(
            staff=staff,
            counter=self.config.centre.counter,
            reader=t(f"reader.{self.reader_state.value}"),
            reader_ok=not reader_bad,
            printer=t(f"printer.{self.printer_state.value}")
            + (t("status.queued", n=self.queued_jobs) if self.queued_jobs else ""),
            printer_ok=not printer_bad and not self.queued_jobs,
            database=self.hw.store.path.name if self.hw.store.path else ":memory:",
            demo=t("status.demo") if self.demo else "",
            labels=(t("status.staff"), t("status.counter"), t("status.reader"), t("status.printer"),
                    t("status.db")),
        )
