"""帳號狀態 (Ctrl+S): the citizen's account as it stands, shown and, on request, printed.

Reading changes nothing and writes no audit entry; printing the slip is one transaction with one
audit entry (``account_status_printed``) and one receipt. The slip, like every receipt, holds only
masked data (``printing.receipt`` masks), and the audit ``detail`` names states and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from data import accounts as accounts_repo
from data import devices as devices_repo
from data import vcards as vcards_repo
from kiosk.core.audit_actions import AuditAction
from kiosk.core.models import ACCOUNT_STATE_LABELS_ZH, AccountState, Citizen, DeviceBinding, VirtualCard
from kiosk.core.permissions import Action
from kiosk.services.context import ServiceContext
from printing.receipt import account_status_receipt


@dataclass(frozen=True)
class AccountStatus:
    state: AccountState
    registered_at: datetime | None
    registered_via: str | None
    devices: tuple[DeviceBinding, ...]  # bound now (unbound ones are history, not status)
    card: VirtualCard | None

    @property
    def enabled_device(self) -> DeviceBinding | None:
        return next((d for d in self.devices if d.enabled), None)


def read_status(ctx: ServiceContext, citizen: Citizen) -> AccountStatus:
    """The account as it stands (a read: no audit entry)."""
    ctx.require(Action.COUNTER_SERVICE)
    nid = citizen.national_id
    account = accounts_repo.get_account(ctx.store, nid)
    return AccountStatus(
        state=account.state if account else AccountState.UNREGISTERED,
        registered_at=account.registered_at if account else None,
        registered_via=account.registered_via if account else None,
        devices=tuple(devices_repo.list_devices(ctx.store, nid)),
        card=vcards_repo.current_card(ctx.store, nid),
    )


def print_status(ctx: ServiceContext, citizen: Citizen) -> tuple[AccountStatus, int]:
    """Print the slip: the status read and queued in one transaction, audited; returns the job id."""
    ctx.require(Action.COUNTER_SERVICE)
    with ctx.store.transaction():
        status = read_status(ctx, citizen)
        enabled = status.enabled_device
        ctx.audit(AuditAction.ACCOUNT_STATUS_PRINTED, subject_id=citizen.national_id, subject_name=citizen.name,
                  detail={"state": status.state.value, "devices": len(status.devices),
                          "enabled_device": enabled.id if enabled else None,
                          "virtual_card": status.card.state.value if status.card else None})
        receipt = account_status_receipt(
            ctx.receipt_header(), citizen, status.state, ACCOUNT_STATE_LABELS_ZH[status.state],
            registered_at=status.registered_at, registered_via=status.registered_via,
            devices=status.devices, card=status.card)
        job = ctx.queue_receipt(receipt)
    return status, job
