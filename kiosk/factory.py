"""The one place that assembles a kiosk: used by the CLI and by every test (posting's make_posting)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from data.store import Store, open_store
from kiosk.app import KioskApp
from kiosk.config import Config
from kiosk.core.clock import Clock, SystemClock
from kiosk.equipment import CounterEquipment
from kiosk.reader.port import CardReader
from printing.port import ReceiptPrinter

if TYPE_CHECKING:
    from kiosk.core.models import Citizen
    from kiosk.services.receipt_queue import PrintQueue
    from printing.capability import PrinterCapability


def make_reader(config: Config) -> CardReader:
    if config.reader.kind == "pcsc":
        from kiosk.reader.pcsc import PcscReader

        return PcscReader(config.reader.name or None)
    from kiosk.reader.simulated import SimulatedReader

    return SimulatedReader()


def make_printer(config: Config) -> ReceiptPrinter:
    from printing.printers import printer_from_config

    return printer_from_config(config.printer, preview_folder=config.receipts_folder())


def make_queue(config: Config, store: Store, printer: ReceiptPrinter, clock: Clock) -> PrintQueue:
    from kiosk.core.errors import PrinterError
    from kiosk.services.receipt_queue import PrintQueue
    from printing.fonts import find_font

    width = 576 if config.printer.paper_width_mm == 80 else 384
    try:
        font = find_font(config.printer.font_path or None)
    except PrinterError:
        # Start anyway: the counter can still serve, and every print attempt names the font package.
        font = None
    return PrintQueue(store, printer, clock, width=width, font=font, profile=config.printer.profile or None,
                      counter=config.centre.counter, capability=printer_capability(config))


def printer_capability(config: Config) -> PrinterCapability:
    from printing.capability import capability_for

    return capability_for(config.printer)


def make_app(
    config: Config | None = None,
    *,
    store: Store | None = None,
    db_path: Path | None = None,
    reader: CardReader | None = None,
    printer: ReceiptPrinter | None = None,
    clock: Clock | None = None,
    demo: bool = False,
    demo_cards: list[Citizen] | None = None,
    idle_lock_seconds: float | None = None,
) -> KioskApp:
    config = config or Config()
    clock = clock or SystemClock()
    if store is None:
        store = open_store(db_path or config.database_path())
    if demo:
        from data.demo import DEMO_CITIZENS, DEMO_PROBLEM_CARDS, seed_demo
        from kiosk.core.secrets_hash import hash_secret

        seed_demo(store, now=clock.now(), hash_pin=hash_secret)
        if demo_cards is None:
            demo_cards = [*DEMO_CITIZENS, *DEMO_PROBLEM_CARDS]
    printer = printer or make_printer(config)
    equipment = CounterEquipment(
        store=store,
        reader=reader or make_reader(config),
        printer=printer,
        clock=clock,
        queue_factory=partial(make_queue, config, store, printer, clock),
        demo_cards=demo_cards or [],
    )
    return KioskApp(config, equipment, demo=demo, idle_lock_seconds=idle_lock_seconds)
