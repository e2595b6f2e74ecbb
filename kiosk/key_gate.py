"""Typed keys are handled one at a time, each after everything the key before it set going.

Textual routes a key to the widget that has the focus *when the key arrives* and posts it to that
widget's queue. A key that moves the focus does so later: Tab and Enter only once their message has
bubbled up the DOM, queue by queue, to the binding that handles them; a service key once the new
screen has mounted and focused its first field; a form once the worker that looked the citizen up
has finished and enabled its fields. Keys that arrived in the same burst (a badge reader, a paste,
fast typing over a slow link) had already been routed to the old field: ``S001⇥1234⏎`` put
``S0011234`` into the staff number, and a PIN on the screen.

The gate holds every key (and paste) that arrives while an earlier one is still being handled, and
routes it only when the screen is quiet again: every message queue of the screen and the app empty
and nothing being handled, no pending callback, no worker of the screen running. Then the held key
goes to whatever has the focus *now*, exactly as if it had been typed a moment later. A worker of
the screen that takes longer than ``WORKER_WAIT`` seconds (a printer timing out) stops holding keys:
the clerk must always be able to press Esc.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.worker import WorkerState

if TYPE_CHECKING:
    from textual.app import App

WORKER_WAIT = 3.0
_ACTIVE = (WorkerState.PENDING, WorkerState.RUNNING)


def _queue_busy(node: Any) -> bool:
    return not node._message_queue.empty() or bool(node._next_callbacks)


class KeyGate:
    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.held: deque[events.Event] = deque()
        self.busy = False
        self._releasing: events.Event | None = None
        self._task: asyncio.Task[None] | None = None

    @staticmethod
    def gated(event: events.Event) -> bool:
        return isinstance(event, events.Key | events.Paste) and not event.is_forwarded

    def admit(self, event: events.Event) -> bool:
        """May ``event`` be routed now? If not, it is held and routed later, in order."""
        if event is self._releasing:
            self._releasing = None
        elif self.busy or self.held:
            self.held.append(event)
            return False
        self.busy = True
        return True

    def routed(self) -> None:
        """The admitted event was routed: wait for the screen to be quiet before the next one."""
        self._task = asyncio.get_running_loop().create_task(self._settle())

    def _state(self) -> str:
        app = self.app
        if _queue_busy(app):
            return "busy"
        try:
            screen = app.screen
        except Exception:  # no screen yet, or shutting down
            return "quiet"
        nodes = list(screen.walk_children(with_self=True))
        if any(_queue_busy(node) for node in nodes):
            return "busy"
        ids = {id(node) for node in nodes}
        if any(w.state in _ACTIVE and id(w.node) in ids for w in app.workers):
            return "workers"
        return "quiet"

    async def _settle(self) -> None:
        started = time.monotonic()
        quiet = 0
        while self.app.is_running:
            await asyncio.sleep(0)
            state = self._state()
            if state == "workers" and time.monotonic() - started > WORKER_WAIT:
                break
            # Quiet twice in a row: a handler that awaits (a mount) has an empty queue meanwhile.
            quiet = quiet + 1 if state == "quiet" else 0
            if quiet >= 2:
                break
            if state == "workers":
                await asyncio.sleep(0.01)  # a thread is working: do not spin against it
        if self.held and self.app.is_running:
            self._releasing = self.held.popleft()
            self.app.post_message(self._releasing)
        else:
            self.held.clear()
            self.busy = False
