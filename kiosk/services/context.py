"""What every counter service needs: the store, the clock, the signed-in staff, the receipt queue.

A service function takes a ``ServiceContext`` first, does its work in ONE ``ctx.store.transaction()``
that also writes its ONE audit entry (``ctx.audit``) and queues its receipt (``ctx.queue_receipt``),
and returns a small result dataclass. Sending the receipt happens after the commit, in a worker
(the app's one sender, ``kiosk.services.receipt_sender``), so a printer that is off never holds the
database or loses the job. ``jobs`` lists the receipts this context queued, for that first attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from data.audit import append_audit
from data.store import Store
from data.txn import next_txn_no
from kiosk.config import Config
from kiosk.core.clock import Clock
from kiosk.core.masking import mask_id, mask_name
from kiosk.core.models import Staff
from kiosk.core.permissions import Action, require
from kiosk.services.receipt_queue import PrintQueue
from printing.receipt import Receipt, ReceiptHeader


@dataclass
class ServiceContext:
    store: Store
    clock: Clock
    config: Config
    staff: Staff
    queue: PrintQueue
    jobs: list[int] = field(default_factory=list)

    @property
    def counter(self) -> str:
        return self.config.centre.counter

    def require(self, action: Action) -> None:
        require(self.staff, action)

    def receipt_header(self) -> ReceiptHeader:
        """A header with a fresh transaction number (call inside the service's transaction)."""
        now = self.clock.now()
        return ReceiptHeader(
            centre=self.config.centre.name,
            counter=self.counter,
            staff_no=self.staff.staff_no,
            txn_no=next_txn_no(self.store, now.date()),
            at=now,
        )

    def audit(
        self,
        action: str,
        *,
        subject_id: str | None,
        subject_name: str | None = None,
        outcome: str = "ok",
        detail: dict[str, Any] | None = None,
    ) -> int:
        """One audit entry naming the citizen only in masked form (the full ID is only hashed)."""
        subject = mask_id(subject_id) if subject_id else ""
        if subject_name:
            subject = f"{subject} {mask_name(subject_name)}".strip()
        return append_audit(
            self.store,
            at=self.clock.now(),
            staff_no=self.staff.staff_no,
            role=self.staff.role.value,
            counter=self.counter,
            action=action,
            subject=subject,
            subject_id=subject_id,
            outcome=outcome,
            detail=detail,
        )

    def queue_receipt(self, receipt: Receipt) -> int:
        """Commit the receipt job with the service (inside its transaction); printing comes later."""
        job_id = self.queue.enqueue(receipt)
        self.jobs.append(job_id)
        return job_id
