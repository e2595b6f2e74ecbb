"""Work the App runs off the UI thread, with one fallback: any exception, a KioskError or a bug or a
busy database, ends in an error toast, never in a crash (``exit_on_error=False``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from kiosk import i18n
from kiosk.core.errors import KioskError, as_kiosk_error

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode


class Background:
    def __init__(self, app: App[Any]) -> None:
        self.app = app

    def run(self, fn: Callable[[], Any], done: Callable[[Any], object] | None = None, *,
            what: str = "app", failed_prefix: str = "", node: DOMNode | None = None) -> None:
        """Run ``fn()`` on a worker thread; ``done(result)`` on the UI thread. A failure is shown
        as a toast, after ``failed_prefix`` (a locale key saying what the failure means). The worker
        belongs to ``node`` (a screen, so keys typed meanwhile wait for it: kiosk.key_gate) or the App."""
        (node or self.app).run_worker(partial(self._run, fn, done, what, failed_prefix), thread=True,
                            exit_on_error=False, group=f"background-{what}")

    def _run(self, fn: Callable[[], Any], done: Callable[[Any], object] | None, what: str,
             failed_prefix: str) -> None:
        try:
            result = fn()
        except Exception as exc:
            self.app.call_from_thread(self._failed, as_kiosk_error(what, exc), failed_prefix)
            return
        if done is not None:
            self.app.call_from_thread(done, result)

    def _failed(self, error: KioskError, failed_prefix: str) -> None:
        text = error.text(i18n.get_locale())
        if failed_prefix:
            text = f"{i18n.t(failed_prefix)} {text}"
        self.app.notify(text, severity="error", timeout=15, markup=False)
