"""The real PC/SC stack for integration tests: a pcscd we own, vpcd cards, a watched reader.

Missing pieces (pcscd, the vpcd driver, pyscard, permission to run pcscd, or a pcscd that is
not ours) skip these tests with the reason, unless ``KIOSK_REQUIRE_STACK=1`` (set by CI), which
turns every such skip into a failure so CI cannot go green without having run them.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# The card helper sits beside this file; importable whether or not tests/integration is a package.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from vpcd_card import (
    VPCD_READER,
    Pcscd,
    VpcdCard,
    can_run_pcscd,
    pcscd_installed,
    pcscd_pids,
    vpcd_installed,
)

from kiosk.reader.pcsc import PcscReader
from kiosk.reader.port import EventKind, ReaderEvent, ReaderState
from kiosk.reader.simulated import VirtualNhiCard

REQUIRE_STACK = os.environ.get("KIOSK_REQUIRE_STACK") == "1"

# pcscd polls vpcd every 400 ms; after "absent", vpcd needs a moment before it accepts a new card.
SETTLE_AFTER_REMOVE = 0.5
NOTICE_TIMEOUT = 5.0


def missing_stack() -> str | None:
    """Why the stack cannot run here, or None."""
    if not pcscd_installed():
        return "pcscd is not installed (apt-get install pcscd)"
    if not vpcd_installed():
        return "the vsmartcard vpcd driver is not installed (apt-get install vsmartcard-vpcd)"
    try:
        import smartcard.scard  # noqa: F401
    except ImportError:
        return ("pyscard is not installed (pip install 'nhi-counter-kiosk[pcsc]'; it builds from source "
                "and needs gcc, swig, python3-dev and libpcsclite-dev)")
    if not can_run_pcscd():
        return "no permission to run pcscd (/run/pcscd not writable: run as root or chown it)"
    foreign = pcscd_pids()
    if foreign:
        return (f"a pcscd not started by the tests is running (pid {', '.join(map(str, foreign))}); "
                "stop it first: sudo systemctl stop pcscd.socket pcscd")
    return None


def stack_unavailable(reason: str) -> None:
    if REQUIRE_STACK:
        pytest.fail(f"KIOSK_REQUIRE_STACK=1 but the PC/SC stack is missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """pcscd with the vpcd readers, for the whole session; tests that stop it start it again."""
    reason = missing_stack()
    if reason:
        stack_unavailable(reason)
    daemon = Pcscd(log_path=str(tmp_path_factory.mktemp("pcscd") / "pcscd.log"))
    daemon.start()
    yield daemon
    daemon.stop()


@pytest.fixture
def stack(pcscd: Pcscd) -> Pcscd:
    """The session pcscd, running (a previous test may have stopped it and failed)."""
    pcscd.start()
    return pcscd


def card_present(reader: str = VPCD_READER) -> bool | None:
    """What pcscd says about the card right now; None when it cannot be asked."""
    from smartcard import scard

    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr != 0:
        return None
    try:
        hr, states = scard.SCardGetStatusChange(ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        return None if hr != 0 else bool(states[0][1] & scard.SCARD_STATE_PRESENT)
    finally:
        scard.SCardReleaseContext(ctx)


def wait_card(present: bool, timeout: float = NOTICE_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while card_present() is not present:
        if time.monotonic() > deadline:
            raise AssertionError(f"pcscd did not see the card {'inserted' if present else 'removed'}")
        time.sleep(0.02)


class Cards:
    """Insert virtual NHI cards into ``Virtual PCD 00 00``; everything left in is pulled at the end."""

    def __init__(self) -> None:
        self.inserted: list[VpcdCard] = []

    def insert(self, card: VirtualNhiCard, *, wait: bool = True, **vpcd_kw: Any) -> VpcdCard:
        vcard = VpcdCard(card, **vpcd_kw)
        vcard.insert()
        self.inserted.append(vcard)
        if wait:
            wait_card(True)
        return vcard

    def remove(self, vcard: VpcdCard, *, wait: bool = True) -> None:
        vcard.remove()
        if wait:
            wait_card(False)
            time.sleep(SETTLE_AFTER_REMOVE)

    def pull_all(self) -> None:
        any_in = any(c.inserted for c in self.inserted)
        for c in self.inserted:
            c.remove()
        if any_in and card_present() is not None:
            wait_card(False)
            time.sleep(SETTLE_AFTER_REMOVE)
        errors = [c.error for c in self.inserted if c.error is not None]
        self.inserted.clear()
        if errors:
            raise AssertionError(f"the virtual card's thread failed: {errors[0]!r}")


@pytest.fixture
def cards(stack: Pcscd) -> Iterator[Cards]:
    c = Cards()
    yield c
    c.pull_all()


class Events:
    """Collects a reader's events (posted from its monitor thread) for tests to wait on."""

    def __init__(self) -> None:
        self.items: list[ReaderEvent] = []
        self.threads: set[str] = set()
        self._cond = threading.Condition()
        self._cursor = 0

    def __call__(self, event: ReaderEvent) -> None:
        with self._cond:
            self.items.append(event)
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()

    def next(
        self,
        kind: EventKind | None = None,
        state: ReaderState | None = None,
        timeout: float = NOTICE_TIMEOUT,
    ) -> ReaderEvent:
        """The first event after the previous match that has ``kind`` and ``state``."""

        def matches(e: ReaderEvent) -> bool:
            return (kind is None or e.kind is kind) and (state is None or e.state is state)

        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i in range(self._cursor, len(self.items)):
                    if matches(self.items[i]):
                        self._cursor = i + 1
                        return self.items[i]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {kind} {state} event within {timeout} s; got {self.items}")
                self._cond.wait(left)

    def since_cursor(self) -> list[ReaderEvent]:
        with self._cond:
            return self.items[self._cursor :]


Watch = Callable[..., "tuple[PcscReader, Events]"]


@pytest.fixture
def watch() -> Iterator[Watch]:
    """Start a ``PcscReader`` with an event log; stopped at the end of the test."""
    started: list[PcscReader] = []

    def _watch(reader_filter: str | None = None, poll_interval: float = 0.2) -> tuple[PcscReader, Events]:
        reader = PcscReader(reader_filter, poll_interval=poll_interval)
        events = Events()
        reader.start(events)
        started.append(reader)
        return reader, events

    yield _watch
    for r in started:
        r.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, every test that talks to pcscd runs in one worker (``--dist loadgroup``):
    there is one pcscd and one pair of vpcd readers per machine."""
    for item in items:
        if item.path.name.startswith("test_pcsc_"):
            item.add_marker(pytest.mark.xdist_group("pcsc"))
