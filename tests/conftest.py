"""Shared fixtures: one app factory (kiosk.factory.make_app) with injected store, reader, printer, clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.config import Config
from kiosk.core.clock import TAIPEI, FrozenClock

FROZEN_AT = datetime(2026, 11, 22, 10, 30, 0, tzinfo=TAIPEI)

# Pilot waits after every key until the process looks idle, judged over 20 ms windows: at least
# 40 ms a key, which made a registration test type for seconds. A 4 ms window still waits for the
# app to finish handling the key (it loops while the process uses CPU), just without the dead time.
# Textual has no public setting for this window (Pilot calls textual._wait.wait_for_idle with
# these module constants), so the private module is set here, in one place.
import textual._wait  # noqa: E402

textual._wait.SLEEP_GRANULARITY = 1 / 250
textual._wait.SLEEP_IDLE = textual._wait.SLEEP_GRANULARITY / 20.0
TERMINAL = (120, 36)  # the kiosk's fixed terminal size (README: tmux -x 120 -y 36)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_AT)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, demo-seeded database made once per session (seeding hashes PINs and passwords
    with scrypt on purpose, which is slow): each test gets its own copy."""
    from data.demo import seed_demo
    from data.store import open_store
    from kiosk.core.secrets_hash import hash_secret

    path = tmp_path_factory.mktemp("template") / "kiosk.db"
    store = open_store(path)
    seed_demo(store, now=FROZEN_AT, hash_pin=hash_secret)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


@pytest.fixture
def db_path(tmp_path: Path, demo_template: Path) -> Path:
    """A fresh copy of the demo database for this test (mode 0600, like a database the kiosk makes)."""
    import shutil

    path = tmp_path / "kiosk.db"
    shutil.copyfile(demo_template, path)
    path.chmod(0o600)
    return path


@pytest.fixture
def make_kiosk(db_path: Path, clock: FrozenClock) -> Callable[..., object]:
    """Build a demo-seeded kiosk on a real database file, a simulated reader and a capture printer,
    with animations off."""
    from kiosk.factory import make_app
    from kiosk.reader.simulated import SimulatedReader
    from printing.port import CapturePrinter

    def build(*, locale: str = "zh_TW", idle_lock_seconds: float | None = 0, **kw: object):  # type: ignore[no-untyped-def]
        from dataclasses import replace

        config = Config()
        config = replace(config, ui=replace(config.ui, locale=locale))
        kw.setdefault("reader", SimulatedReader())
        kw.setdefault("printer", CapturePrinter())
        app = make_app(config, db_path=db_path, clock=clock, demo=True, idle_lock_seconds=idle_lock_seconds,
                       **kw)
        # Animations off in every test (DESIGN.md), so no test catches a scroll or a fade half-way.
        app.animation_level = "none"
        return app

    return build


async def wait_until(pilot, predicate: Callable[[], bool], timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Let workers and messages run until ``predicate`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let the keys already pressed, every worker they started and the messages those post finish.

    For checking that something did NOT happen (a refused key, a cancelled dialog), where there is no
    condition to wait for: a fixed pause would only hope the app was done."""
    await pilot.pause()
    await workers_done(pilot)
    await pilot.pause()


async def workers_done(pilot) -> None:  # type: ignore[no-untyped-def]
    """Every worker running now has ended, however: Textual's ``wait_for_complete`` raises when one
    was cancelled (an exclusive worker superseded by a newer request), which is the kiosk working as
    meant, not a failure of the test."""
    await asyncio.gather(*(worker.wait() for worker in list(pilot.app.workers)), return_exceptions=True)


async def sign_in(pilot, staff_no: str = "S001", pin: str = "1234") -> None:  # type: ignore[no-untyped-def]
    from kiosk.screens.main import MainScreen

    await pilot.press(*staff_no, "enter", *pin, "enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    # Pushed is not mounted: wait until the screen has composed and filled its widgets.
    await pilot.pause()
    await wait_until(pilot, lambda: pilot.app.screen.is_mounted and pilot.app.screen.query_one("#menu").option_count
                     and pilot.app.screen.query_one("StatusBar").info.staff)


@pytest.fixture
def service_ctx(db_path: Path, clock: FrozenClock):  # type: ignore[no-untyped-def]
    """A ServiceContext for clerk S001 on a demo-seeded database file, outside any app.

    ``ctx.receipts`` lists every receipt model the services queued (the print job holds only bytes).
    """
    from data.demo import seed_demo
    from data.store import open_store
    from kiosk.core.models import Role, Staff
    from kiosk.factory import make_queue
    from kiosk.services.context import ServiceContext
    from printing.port import CapturePrinter

    store = open_store(db_path)
    seed_demo(store, now=clock.now(), hash_pin=lambda s: "x" + s)
    config = Config()
    queue = make_queue(config, store, CapturePrinter(), clock)
    context = ServiceContext(store, clock, config, Staff("S001", "陳專員", Role.CLERK), queue)
    context.receipts = []  # type: ignore[attr-defined]
    enqueue = queue.enqueue

    def recording(receipt):  # type: ignore[no-untyped-def]
        context.receipts.append(receipt)  # type: ignore[attr-defined]
        return enqueue(receipt)

    queue.enqueue = recording  # type: ignore[method-assign]
    yield context
    store.close()
