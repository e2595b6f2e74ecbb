"""The frame every counter-service screen shares: title, citizen line, message, body, status, keys.

A service screen subclasses ``ServiceScreen``, yields its body from ``compose_body``, relabels in
``relabel`` (called on mount and on every language switch), and runs service functions with
``run_service`` so the database and printer work happen in a worker and errors are shown inline.

What every service does the same way, decided here once:

* **Messages** show under the citizen line, above the form: where the clerk looks, at any terminal
  size, never on the bottom line under a long form.
* **A refusal replaces the form** (``show_refusal``): why, and what to do instead; the key bar then
  offers only leaving. The form comes back when another person's card is read (``clear_refusal``).
* **A finished service never runs again** (``mark_finished``): every action of the screen is off,
  and Enter (like Esc) returns to the main screen; the key bar says so.
* **Service keys work everywhere**: F2–F12, Ctrl+U, Ctrl+E, Ctrl+D open that service from any
  service screen, asking first when typed data would be lost (``unsaved_work``). A key a screen
  uses for a step of its own (registration's F9/F10) keeps that meaning while its key bar shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Static

from kiosk.core.display import printable
from kiosk.core.errors import KioskError
from kiosk.core.errors import unexpected as unexpected  # re-exported: the screens' fallback
from kiosk.i18n import get_locale, t
from kiosk.services.catalog import SERVICES
from widgets.key_bar import KeyBar
from widgets.status_bar import StatusBar, StatusInfo

if TYPE_CHECKING:
    from kiosk.app import CardState, KioskApp, PrintOutcome
    from kiosk.services.context import ServiceContext


def with_capitals(keys: dict[str, list[Binding]]) -> dict[str, list[Binding]]:
    """A letter key also works as its capital: the key bar shows ``U``, and Caps Lock or Shift sends
    ``U``. (A focused field still takes the letter as text: these bindings are not priority.)"""
    for key, bindings in list(keys.items()):
        if len(key) == 1 and "a" <= key <= "z" and key.upper() not in keys:
            keys[key.upper()] = [replace(b, key=key.upper()) for b in bindings]
    return keys


class ServiceScreen(Screen[None]):
    SERVICE_ID: ClassVar[str] = ""
    BINDINGS = [
        Binding("escape", "back", show=False),
        Binding("pageup", "scroll_frame(-1)", show=False),
        Binding("pagedown", "scroll_frame(1)", show=False),
        # Priority, so a focused field cannot swallow it; ``check_action`` lets it through only on a
        # finished or refused screen.
        Binding("enter", "leave", priority=True, show=False),
        # Not priority: a focused field keeps its own Ctrl+U / Ctrl+E / Ctrl+D (clear, end, delete).
        *(Binding(s.key, f"switch_service('{s.service_id}')", show=False) for s in SERVICES),
    ]
    # Actions of the screen still allowed once it finished (a reprint, say); leaving always is.
    AFTER_FINISH: ClassVar[frozenset[str]] = frozenset()
    # True for a screen whose body is a list that scrolls itself (a table): the body takes the height
    # left under the title and message instead of the terminal's, so the frame does not scroll.
    FILLS_HEIGHT: ClassVar[bool] = False

    finished = False
    refused: KioskError | None = None

    @classmethod
    def _merge_bindings(cls) -> BindingsMap:
        # Textual lets a subclass's binding of a key replace the base class's. Here both stay, the
        # subclass's first: when it does not apply (``check_action``), the base's runs, so Enter on
        # a finished screen leaves and F9 switches service except where a step uses it.
        # A class that lists ``*ServiceScreen.BINDINGS`` in its own gets them at the base's turn.
        keys: dict[str, list[Binding]] = {}
        classes = [base for base in cls.__mro__ if isinstance(base, type) and issubclass(base, DOMNode)]
        for n, base in enumerate(classes):
            inherited = {id(b) for later in classes[n + 1:] for b in later.__dict__.get("BINDINGS", [])}
            own = [b for b in base.__dict__.get("BINDINGS", []) if id(b) not in inherited]
            for key, bindings in BindingsMap(own).key_to_bindings.items():
                keys.setdefault(key, []).extend(bindings)
        return BindingsMap.from_keys(with_capitals(keys))

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
            yield Label(id="service-message")
            yield Static(id="service-refusal")
            with Vertical(id="service-body"):
                yield from self.compose_body()
        yield StatusBar()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._own_jobs: set[int] = set()  # receipts queued by this screen's services

    def on_mount(self) -> None:
        self.set_class(self.FILLS_HEIGHT, "-fills-height")
        self.query_one("#service-refusal", Static).display = False
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
        if self.refused is not None:
            self._show_refusal_panel(self.refused)
        self.refresh_keys()

    # --- for subclasses ------------------------------------------------------------------------

    def relabel(self) -> None:
        """Set every label in the current language."""

    def keys(self) -> list[tuple[str, str]]:
        """The keys that do something now; ``keys_now`` puts the finished/refused bar first."""
        return [("escape", t("key.back")), ("f1", t("key.help"))]

    def keys_now(self) -> list[tuple[str, str]]:
        if self.finished or self.refused is not None:
            return [("enter", t("key.to_menu")), ("f2-f12", t("key.next_service")), ("f1", t("key.help"))]
        return self.keys()

    def refresh_keys(self) -> None:
        self.query_one(KeyBar).keys = tuple(self.keys_now())

    def unsaved_work(self) -> bool:
        """Would leaving now lose something the clerk or citizen typed or chose? By default: any
        enabled field holds text. Screens with choices of their own add them."""
        if self.finished or self.refused is not None:
            return False
        return any(box.value for box in self.query(Input) if not box.disabled)

    def card_changed(self, card: CardState) -> None:
        """The card was inserted, read or removed while this screen is open."""

    def set_citizen_line(self, text: str) -> None:
        # Line by line: a warning under the citizen is a line of its own, not an escaped newline.
        self.query_one("#service-citizen", Label).update(Text("\n".join(printable(x) for x in text.split("\n"))))

    def show_message(self, text: str, *, error: bool = False) -> None:
        label = self.query_one("#service-message", Label)
        label.set_class(error, "error")
        label.set_class(not error, "ok")
        label.display = bool(text)
        # Messages quote what was typed or read (a path, a name): shown, never obeyed by the terminal.
        # No space after the mark in Chinese: the line would break there, leaving ✖ alone on its line
        # above a sentence that has no spaces of its own.
        mark = ("✖ " if get_locale() == "en" else "✖") if error and text else ""
        label.update(Text(mark + printable(text)))

    def show_error(self, error: KioskError) -> None:
        self.show_message(error.text(get_locale()), error=True)

    def action_scroll_frame(self, direction: int) -> None:
        """Scroll a body taller than the terminal (80×24) a page at a time."""
        frame = self.query_one("#service-frame", VerticalScroll)
        if direction < 0:
            frame.scroll_page_up()
        else:
            frame.scroll_page_down()

    # --- refused, finished, leaving, switching ----------------------------------------------------

    def show_refusal(self, error: KioskError) -> None:
        """The service does not apply: the form goes, the reason and what to do take its place."""
        self.refused = error
        self.show_message("")
        self.query_one("#service-body").display = False
        self._show_refusal_panel(error)
        self.set_focus(None)
        self.refresh_keys()

    def _show_refusal_panel(self, error: KioskError) -> None:
        en = get_locale() == "en"
        message, action = (error.message_en, error.action_en) if en else (error.message, error.action)
        text = Text(f"✖ {printable(message)}", style="bold")
        if action:
            text.append(f"\n\n{t('refusal.what_to_do')}{printable(action)}", style="")
        panel = self.query_one("#service-refusal", Static)
        panel.update(text)
        panel.display = True

    def clear_refusal(self) -> None:
        if self.refused is None:
            return
        self.refused = None
        self.query_one("#service-refusal", Static).display = False
        self.query_one("#service-body").display = True
        self.refresh_keys()

    def mark_finished(self) -> None:
        """The service is done: nothing on this screen runs again; Enter leaves."""
        self.finished = True
        if isinstance(self.focused, Input):
            self.set_focus(None)
        self.refresh_keys()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave":
            return self.finished or self.refused is not None
        if action in ("back", "switch_service", "scroll_frame"):
            return True
        if self.finished or self.refused is not None:
            return action in self.AFTER_FINISH
        return True

    def action_leave(self) -> None:
        self.app.pop_screen()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_switch_service(self, service_id: str) -> None:
        """Another service key: leave this service for that one, asking first if work would be lost."""
        from kiosk.screens.confirm import ConfirmScreen

        def go(yes: bool | None = True) -> None:
            if not yes:
                return
            from kiosk.screens.main import MainScreen

            main = next((s for s in self.app.screen_stack if isinstance(s, MainScreen)), None)
            if main is None:
                return
            while self.app.screen is not main and len(self.app.screen_stack) > 2:
                self.app.pop_screen()
            main.action_service(service_id)

        if self.unsaved_work():
            question = t("switch.confirm", service=t(f"svc.{service_id}"))
            self.app.push_screen(ConfirmScreen(f"{question}\n\n{t('acct.confirm_yn')}"), go)
        else:
            go()

    def context(self) -> ServiceContext:
        return self.kiosk.service_context()

    def run_service(self, fn: Callable[[ServiceContext], Any], done: Callable[[Any], None],
                    failed: Callable[[KioskError], None] | None = None) -> None:
        """Run ``fn(ctx)`` in a worker; ``done(result)`` on the UI thread, or the error shown inline
        (or given to ``failed``)."""
        self._run(fn, done, failed or self.show_error)

    @work(thread=True, exclusive=True, group="service", exit_on_error=False)
    def _run(self, fn: Callable[[ServiceContext], Any], done: Callable[[Any], None],
             failed: Callable[[KioskError], None]) -> None:
        try:
            ctx = self.context()
            result = fn(ctx)
        except KioskError as exc:
            self.app.call_from_thread(failed, exc)
            return
        except Exception as exc:  # a bug must not leave the screen waiting forever
            self.app.call_from_thread(failed, unexpected(self.SERVICE_ID, exc))
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
