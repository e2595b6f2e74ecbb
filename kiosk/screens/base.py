"""The frame every counter-service screen shares: title, citizen line, body, status and keys.

A service screen subclasses ``ServiceScreen``, yields its body from ``compose_body``, relabels in
``relabel`` (called on mount and on every language switch), and runs service functions with
``run_service`` so the database and printer work happen in a worker and errors are shown inline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Label

from kiosk.core.display import printable
from kiosk.core.errors import KioskError
from kiosk.i18n import get_locale, t
from widgets.key_bar import KeyBar
from widgets.status_bar import StatusBar, StatusInfo

if TYPE_CHECKING:
    from kiosk.app import CardState, KioskApp, PrintOutcome
    from kiosk.services.context import ServiceContext

log = logging.getLogger(__name__)


def unexpected(service_id: str, exc: Exception) -> KioskError:
    """What a worker shows when something other than a KioskError escapes a service: a bug must end
    in a message, not a screen that waits forever. Logged with the exception's type only: its text
    and arguments may hold a citizen's ID or password."""
    log.error("service %s failed with %s", service_id, type(exc).__name__)
    return KioskError(
        "系統發生未預期的錯誤，此項作業沒有完成", "請再試一次；若再次發生，請記下時間並通知資訊人員",
        message_en="An unexpected error stopped this service; nothing was completed.",
        action_en="Try again; if it happens again, note the time and tell IT.")


class ServiceScreen(Screen[None]):
    SERVICE_ID: ClassVar[str] = ""
    BINDINGS = [
        Binding("escape", "back", show=False),
        Binding("pageup", "scroll_frame(-1)", show=False),
        Binding("pagedown", "scroll_frame(1)", show=False),
    ]

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        # Scrolls when the body is taller than the terminal (80×24): focusing a field scrolls it into view.
        # Not focusable itself: the first field (or table) still gets the focus; PageUp/PageDown scroll.
        with VerticalScroll(id="service-frame", can_focus=False):
            yield Label(id="service-title", classes="section-title")
            yield Label(id="service-citizen", classes="hint")
            yield from self.compose_body()
            yield Label(id="service-message")
        yield StatusBar()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._own_jobs: set[int] = set()  # receipts queued by this screen's services

    def on_mount(self) -> None:
        self.watch(self.app, "locale", self._relabel_all, init=True)
        self.watch(self.app, "status", self._show_status, init=True)
        self.watch(self.app, "card", self.card_changed, init=False)
        self.watch(self.app, "print_outcome", self.print_changed, init=False)

    def _show_status(self, info: StatusInfo) -> None:
        self.query_one(StatusBar).info = info

    def _relabel_all(self, _locale: str) -> None:
        self.sub_title = t("app.subtitle", centre=self.kiosk.config.centre.name,
                           counter=self.kiosk.config.centre.counter)
        self.query_one("#service-title", Label).update(t(f"svc.{self.SERVICE_ID}"))
        self.relabel()
        self.query_one(KeyBar).keys = tuple(self.keys())

    # --- for subclasses ------------------------------------------------------------------------

    def relabel(self) -> None:
        """Set every label in the current language."""

    def keys(self) -> list[tuple[str, str]]:
        return [("escape", t("key.back")), ("f1", t("key.help"))]

    def card_changed(self, card: CardState) -> None:
        """The card was inserted, read or removed while this screen is open."""

    def set_citizen_line(self, text: str) -> None:
        self.query_one("#service-citizen", Label).update(Text(printable(text)))

    def show_message(self, text: str, *, error: bool = False) -> None:
        label = self.query_one("#service-message", Label)
        label.set_class(error, "error")
        label.set_class(not error, "ok")
        # Messages quote what was typed or read (a path, a name): shown, never obeyed by the terminal.
        label.update(Text(printable(text)))

    def show_error(self, error: KioskError) -> None:
        self.show_message(error.text(get_locale()), error=True)

    def action_scroll_frame(self, direction: int) -> None:
        """Scroll a body taller than the terminal (80×24) a page at a time."""
        frame = self.query_one("#service-frame", VerticalScroll)
        if direction < 0:
            frame.scroll_page_up()
        else:
            frame.scroll_page_down()

    def action_back(self) -> None:
        self.app.pop_screen()

    def context(self) -> ServiceContext:
        return self.kiosk.service_context()

    def run_service(self, fn: Callable[[ServiceContext], Any], done: Callable[[Any], None]) -> None:
        """Run ``fn(ctx)`` in a worker; ``done(result)`` on the UI thread, or the error shown inline."""
        self._run(fn, done)

    @work(thread=True, exclusive=True, group="service", exit_on_error=False)
    def _run(self, fn: Callable[[ServiceContext], Any], done: Callable[[Any], None]) -> None:
        try:
            ctx = self.context()
            result = fn(ctx)
        except KioskError as exc:
            self.app.call_from_thread(self.show_error, exc)
            return
        except Exception as exc:  # a bug must not leave the screen waiting forever
            self.app.call_from_thread(self.show_error, unexpected(self.SERVICE_ID, exc))
            return
        self.app.call_from_thread(self._finished, done, result, list(ctx.jobs))

    def _finished(self, done: Callable[[Any], None], result: Any, jobs: list[int]) -> None:
        self._own_jobs.update(jobs)
        done(result)
        # The receipts this service queued get their first attempt; nothing older is resent here.
        self.kiosk.receipts_queued(jobs)

    def print_changed(self, outcome: PrintOutcome) -> None:
        """A print attempt ended (any job, any sender). A receipt this screen's service queued that
        did not print must not leave 收據列印中 standing."""
        result = outcome.result
        if result is not None and not result.ok and result.job_id in self._own_jobs and result.error is not None:
            self.show_message(t("queue.receipt_failed", error=result.error.text(get_locale())), error=True)
