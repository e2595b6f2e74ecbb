"""產生裝置認證碼 (F9): issue, show (QR + plain code + expiry) and print a device verification code.

Opening the screen never issues or voids anything: it shows the citizen's valid code (the kiosk may
have restarted since) with its time left, or says to press G. G issues a new code (voiding the old)
and prints it; P reprints the code's original receipt marked 補印; the key bar offers only what can
be done now. The code leaves the screen after
``rules.code_display_seconds``, when it expires, or when the card is removed: the next person at the
counter must not be able to read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Label

from kiosk.core.errors import KioskError
from kiosk.core.models import Citizen, CodeState, VerificationCode
from kiosk.i18n import t
from kiosk.screens.base import ServiceScreen
from kiosk.screens.devices import citizen_line, when
from kiosk.services import devices as svc
from widgets.key_bar import KeyBar
from widgets.qr_view import QrView

if TYPE_CHECKING:
    from kiosk.app import CardState
    from kiosk.services.context import ServiceContext


@dataclass(frozen=True)
class CodeView:
    """What the screen learnt: the code to show (if any), and how it came to be."""

    code: VerificationCode | None
    issued: svc.IssuedCode | None = None
    previous: VerificationCode | None = None  # the latest code before issuing, in its state now
    refusal: KioskError | None = None  # why G would be refused (account not active)


def char_classes(code: str) -> str:
    """One marker under each character (大/小/數), each 3 cells wide to sit under ``spaced(code)``."""
    def mark(ch: str) -> str:
        if ch.isdigit():
            return t("devcode.digit")
        return t("devcode.upper") if ch.isupper() else t("devcode.lower")

    return "".join(m + " " * (3 - cell_len(m)) for m in map(mark, code)).rstrip()


def spaced(code: str) -> str:
    return "  ".join(code)


def open_code(ctx: ServiceContext, citizen: Citizen) -> CodeView:
    """The valid code if there is one, else the latest's state; never issues (that is G's job)."""
    refusal = svc.code_refusal(ctx, citizen)
    current = svc.current_code(ctx, citizen)
    if current is not None:
        return CodeView(current, refusal=refusal)
    return CodeView(None, previous=svc.latest_code(ctx, citizen), refusal=refusal)


def time_left(code: VerificationCode, now: datetime) -> str:
    seconds = max(0, int((code.expires_at - now).total_seconds()))
    return t("devcode.time_left", m=str(seconds // 60), s=f"{seconds % 60:02d}")


class DeviceCodeScreen(ServiceScreen):
    SERVICE_ID = "device_code"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "issue", show=False),
        Binding("p", "print", show=False),
        Binding("s", "show_again", show=False),
    ]
    DEFAULT_CSS = """
    DeviceCodeScreen #code-expiry { margin: 1 1 0 1; text-style: bold; color: $warning; }
    DeviceCodeScreen #code-ways { margin: 0 1; }
    DeviceCodeScreen #code-body { height: auto; margin: 0 1; }
    DeviceCodeScreen #code-qr-col { width: auto; height: auto; margin-right: 3; }
    DeviceCodeScreen #code-side { width: 1fr; height: auto; }
    DeviceCodeScreen #code-side > Label { width: 1fr; }
    DeviceCodeScreen #code-expiry, DeviceCodeScreen #code-ways { width: 1fr; }
    DeviceCodeScreen #code-side > #code-plain {
        text-style: bold; border: heavy $accent; padding: 0 2; margin-top: 1; width: auto;
    }
    DeviceCodeScreen #code-classes { padding: 0 3; color: $text-muted; }
    DeviceCodeScreen #code-legend, DeviceCodeScreen #code-steps { color: $text-muted; margin-top: 1; }
    DeviceCodeScreen #code-clear-note { color: $text-muted; margin-top: 1; }
    DeviceCodeScreen #service-message { margin-top: 1; padding: 0 1; }  /* .error (app.tcss) resets margins */
    DeviceCodeScreen .hidden { display: none; }
    """

    def __init__(self, *, display_seconds: float | None = None) -> None:
        super().__init__()
        self.citizen: Citizen | None = None
        self.code: VerificationCode | None = None
        self._display_seconds = display_seconds
        self._timer: Timer | None = None
        self._ticker: Timer | None = None
        self._valid: VerificationCode | None = None  # the citizen's valid code, on screen or not
        self._refusal: KioskError | None = None
        # The last outcome message as (key, values, error), re-rendered on a language switch.
        self._note: tuple[str, dict[str, str], bool] | None = None

    def compose_body(self) -> ComposeResult:
        yield Label(id="code-expiry")
        yield Label(id="code-ways")
        with Horizontal(id="code-body"):
            with Vertical(id="code-qr-col"):
                yield Label(id="code-way-qr")
                yield QrView(id="code-qr")
            with Vertical(id="code-side"):
                yield Label(id="code-way-plain")
                yield Label(id="code-plain")
                yield Label(id="code-classes")
                yield Label(id="code-legend")
                yield Label(id="code-steps")
                yield Label(id="code-clear-note")

    def on_mount(self) -> None:
        # ServiceScreen.on_mount runs too (Textual calls handlers along the MRO).
        self.citizen = self.kiosk.current_citizen()
        self.show_code(None)
        if self.citizen is None:
            self.note("devcode.insert_card")
            return
        citizen = self.citizen
        self.run_service(lambda ctx: open_code(ctx, citizen), self._opened)

    @property
    def display_seconds(self) -> float:
        if self._display_seconds is not None:
            return self._display_seconds
        return float(self.kiosk.config.rules.code_display_seconds)

    def keys(self) -> list[tuple[str, str]]:
        """Only what can be done now: nothing without a card or for an account that is not active."""
        keys: list[tuple[str, str]] = []
        if self.citizen is not None and self._refusal is None:
            keys.append(("g", t("devcode.key_issue")))
            if self._valid is not None:
                keys.append(("p", t("devcode.key_print")))
                if self.code is None:
                    keys.append(("s", t("devcode.key_show")))
        return [*keys, ("escape", t("key.back")), ("f1", t("key.help"))]

    def _update_keys(self) -> None:
        self.query_one(KeyBar).keys = tuple(self.keys())

    def relabel(self) -> None:
        self.set_citizen_line(citizen_line(self.citizen, self.kiosk.card.account_state))
        self.query_one("#code-ways", Label).update(t("devcode.ways"))
        self.query_one("#code-way-qr", Label).update(t("devcode.way_qr"))
        self.query_one("#code-way-plain", Label).update(t("devcode.way_plain"))
        self.query_one("#code-legend", Label).update(t("devcode.legend"))
        self.query_one("#code-steps", Label).update(t("devcode.steps"))
        self.show_code(self.code, restart_timer=False)
        if self._note is not None:
            key, values, error = self._note
            self.note(key, error=error, **values)

    # --- showing -------------------------------------------------------------------------------

    def show_code(self, code: VerificationCode | None, *, restart_timer: bool = True) -> None:
        self.code = code
        for widget in self.query("#code-expiry, #code-ways, #code-body"):
            widget.set_class(code is None, "hidden")
        self.query_one(QrView).payload = code.code if code else None
        if code is None:
            self._stop_timer()
            for label in ("#code-plain", "#code-classes", "#code-expiry", "#code-clear-note"):
                self.query_one(label, Label).update("")
            self._update_keys()
            return
        self._valid = code
        self.query_one("#code-plain", Label).update(Text(spaced(code.code)))
        self.query_one("#code-classes", Label).update(char_classes(code.code))
        self._show_time_left()
        if self._ticker is None:
            self._ticker = self.set_interval(1.0, self._show_time_left)
        self._update_keys()
        seconds = self._seconds_on_screen(code)
        note = t("devcode.clear_note", n=round(self.display_seconds))
        self.query_one("#code-clear-note", Label).update(note)
        if restart_timer:
            self._stop_timer()
            self._timer = self.set_timer(seconds, self.clear_code)

    def _seconds_on_screen(self, code: VerificationCode) -> float:
        # Never past the expiry: a code on screen must always be a valid one.
        left = (code.expires_at - self.kiosk.equipment.clock.now()).total_seconds()
        return max(0.0, min(self.display_seconds, left))

    def _show_time_left(self) -> None:
        code = self.code
        if code is None:
            return
        left = time_left(code, self.kiosk.equipment.clock.now())
        self.query_one("#code-expiry", Label).update(t("devcode.expiry", at=when(code.expires_at), left=left))

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def clear_code(self) -> None:
        code = self.code
        self.show_code(None)
        if code is not None and code.is_valid_at(self.kiosk.equipment.clock.now()):
            self.note("devcode.cleared", at=when(code.expires_at))
        elif code is not None:
            self.note("devcode.expired_now")

    def show_error(self, error: KioskError) -> None:
        self._note = None  # an error stays as shown, in the language it was raised in
        super().show_error(error)

    def note(self, key: str, *, error: bool = False, **values: str) -> None:
        self._note = (key, values, error)
        self.show_message(t(key, **values), error=error)

    # --- outcomes ------------------------------------------------------------------------------

    def _opened(self, view: CodeView) -> None:
        self._refusal = view.refusal
        self._valid = view.code
        self.show_code(view.code)
        previous = view.previous
        if view.issued is not None:
            key = "devcode.issued"
            if view.issued.voided_previous:
                key = "devcode.issued_voided"
            elif previous is not None and previous.state is CodeState.EXPIRED:
                key = "devcode.issued_after_expired"
            self.note(key)
        elif view.code is not None:
            self.note("devcode.existing", at=when(view.code.expires_at))
        elif view.refusal is not None:
            self.show_error(view.refusal)
        elif previous is not None:
            # Shown for what it is, never as a usable code.
            self.note("devcode.latest_state", state=t(f"devcode.state_{previous.state.value}"))
        else:
            self.note("devcode.press_issue")

    def card_changed(self, card: CardState) -> None:
        citizen = self.kiosk.current_citizen()
        if citizen == self.citizen and citizen is not None:
            return
        self.citizen = citizen
        self._valid = self._refusal = None
        self.show_code(None)
        self.set_citizen_line(citizen_line(citizen, card.account_state))
        if citizen is None:
            self.note("devcode.reading" if card.reading else "devcode.card_removed")
            return
        # A card inserted while this screen is open shows its valid code but issues nothing: the
        # clerk presses G for a new one.
        self.run_service(lambda ctx: open_code(ctx, citizen), self._opened)

    # --- actions -------------------------------------------------------------------------------

    def action_issue(self) -> None:
        citizen = self.citizen
        if citizen is None:
            self.note("devcode.insert_card", error=True)
            return
        valid = self._valid
        if valid is not None and valid.is_valid_at(self.kiosk.equipment.clock.now()):
            # G pressed twice, or by mistake: the code just printed and handed over would be void.
            from kiosk.screens.confirm import ConfirmScreen

            question = f"{t('devcode.confirm_reissue', at=when(valid.expires_at))}\n\n{t('acct.confirm_yn')}"
            self.app.push_screen(ConfirmScreen(question), lambda yes: self._issue(citizen) if yes else None)
            return
        self._issue(citizen)

    def _issue(self, citizen: Citizen) -> None:

        def issue(ctx: ServiceContext) -> CodeView:
            previous = svc.latest_code(ctx, citizen)
            issued = svc.issue_device_code(ctx, citizen)
            return CodeView(issued.code, issued, previous)

        self.run_service(issue, self._opened)

    def action_print(self) -> None:
        citizen = self.citizen
        if citizen is None:
            self.note("devcode.insert_card", error=True)
            return
        self.run_service(lambda ctx: svc.print_current_code(ctx, citizen), self._printed)

    def _printed(self, result: tuple[VerificationCode, int]) -> None:
        self.note("devcode.reprinting", at=when(result[0].expires_at))

    def action_show_again(self) -> None:
        citizen = self.citizen
        if citizen is None:
            self.note("devcode.insert_card", error=True)
            return
        self.run_service(lambda ctx: open_code(ctx, citizen), self._shown_again)

    def _shown_again(self, view: CodeView) -> None:
        if view.code is None:
            self._opened(view)
            return
        self.show_code(view.code)
        self.note("devcode.shown_again", at=when(view.code.expires_at))
