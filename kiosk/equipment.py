"""What one service counter works with: its database, card reader, receipt printer and clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from data.store import Store
    from kiosk.core.clock import Clock
    from kiosk.core.models import Citizen
    from kiosk.reader.port import CardReader
    from kiosk.services.receipt_queue import PrintQueue
    from printing.port import ReceiptPrinter


@dataclass
class CounterEquipment:
    """The store, reader, printer and clock a counter's kiosk runs on (the factory assembles them)."""

    store: Store
    reader: CardReader
    printer: ReceiptPrinter
    clock: Clock
    # The queue brings Pillow, qrcode and the receipt renderer: it is built on first use, off the
    # path to the login screen.
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
