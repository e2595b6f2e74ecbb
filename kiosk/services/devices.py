"""Mobile devices (行動裝置管理作業, seed 004) and device verification codes (裝置認證碼, seeds 002/004).

Every function here is one counter service: one transaction, one audit entry, one receipt. The
audit ``detail`` carries binding ids, device names and enabled flags, never the citizen's data, and
never a verification code: a code is a secret for its whole lifetime (anyone holding it can bind a
phone to the citizen's account), so the log only says that one was issued and until when.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from data import accounts as accounts_repo
from data import codes as codes_repo
from data import devices as devices_repo
from data.audit import query_audit
from data.print_jobs import PrintJob, get_job
from kiosk.core import codes as code_rules
from kiosk.core.errors import KioskError
from kiosk.core.models import ACCOUNT_STATE_LABELS_ZH, AccountState, Citizen, DeviceBinding, VerificationCode
from kiosk.core.permissions import Action
from kiosk.services.context import ServiceContext
from printing.receipt import (
    device_code_receipt,
    device_disabled_receipt,
    device_enabled_receipt,
    device_unbound_receipt,
)


@dataclass(frozen=True)
class DeviceChange:
    """A device after the change (as it was, for an unbind) and the devices switched off with it."""

    device: DeviceBinding
    also_disabled: tuple[DeviceBinding, ...]
    devices: tuple[DeviceBinding, ...]  # every device of the ID after the change, unbound ones too
    job_id: int


@dataclass(frozen=True)
class IssuedCode:
    code: VerificationCode
    voided_previous: bool
    job_id: int


# --- devices -----------------------------------------------------------------------------------


def list_devices(ctx: ServiceContext, citizen: Citizen) -> list[DeviceBinding]:
    """Every device ever bound to the citizen's ID, unbound ones with their time (seed 004; a read:
    no audit entry)."""
    ctx.require(Action.COUNTER_SERVICE)
    return devices_repo.device_history(ctx.store, citizen.national_id)


def _snapshot(devices: list[DeviceBinding]) -> list[dict[str, Any]]:
    return [{"binding": d.id, "name": d.name, "enabled": d.enabled} for d in devices]


def _own_device(ctx: ServiceContext, citizen: Citizen, binding_id: int) -> DeviceBinding:
    device = devices_repo.get_device(ctx.store, binding_id, include_unbound=True)
    # A binding of another ID is reported as missing: the screen never offers one, so this is a bug
    # or a stale list, and naming someone else's device would leak it.
    if device is None or device.national_id != citizen.national_id:
        raise KioskError(
            "查無此裝置綁定紀錄（可能已解除綁定）",
            "請重新整理裝置清單",
            message_en="No such device binding for this ID (it may have been unbound).",
            action_en="Refresh the device list.",
        )
    if device.unbound:
        raise KioskError(
            "此裝置已解除綁定，無法變更",
            "如需再使用，請民眾以裝置認證碼重新綁定",
            message_en="This device was unbound; it cannot be changed.",
            action_en="To use it again, the citizen binds it anew with a device verification code.",
        )
    return device


def _require_active(ctx: ServiceContext, citizen: Citizen, what_zh: str, what_en: str) -> None:
    account = accounts_repo.get_account(ctx.store, citizen.national_id)
    state = account.state if account else AccountState.UNREGISTERED
    if state is AccountState.ACTIVE:
        return
    actions = {
        AccountState.UNREGISTERED: ("請先辦理臨櫃註冊", "Register the citizen at the counter first."),
        AccountState.PENDING: ("請民眾完成電子郵件確認，或改辦臨櫃註冊",
                               "The citizen must confirm the email first, or register at the counter."),
        AccountState.LOCKED: ("請先辦理解除鎖定", "Lift the lockout first."),
        AccountState.DEREGISTERED: ("註冊已停用，請重新辦理臨櫃註冊",
                                    "The account was deregistered; register again."),
    }
    action_zh, action_en = actions[state]
    raise KioskError(
        f"帳號狀態為「{ACCOUNT_STATE_LABELS_ZH[state]}」，無法{what_zh}",
        action_zh,
        message_en=f"The account is {state.value}: cannot {what_en}.",
        action_en=action_en,
    )


def _unchanged(zh: str, en: str) -> KioskError:
    return KioskError(zh, "", message_en=en)


def enable_device(ctx: ServiceContext, citizen: Citizen, binding_id: int) -> DeviceChange:
    """Enable one device; every other device of the ID is disabled in the same transaction."""
    ctx.require(Action.COUNTER_SERVICE)
    nid = citizen.national_id
    with ctx.store.transaction():
        device = _own_device(ctx, citizen, binding_id)
        if device.enabled:
            raise _unchanged("此裝置已是啟用狀態", "This device is already enabled.")
        _require_active(ctx, citizen, "啟用行動裝置", "enable a device")
        before = devices_repo.list_devices(ctx.store, nid)
        also = tuple(d for d in before if d.enabled and d.id != binding_id)
        after_device = devices_repo.enable_device(ctx.store, binding_id)
        after = devices_repo.list_devices(ctx.store, nid)
        ctx.audit("device_enabled", subject_id=nid, subject_name=citizen.name, detail={
            "binding": binding_id, "name": device.name,
            "also_disabled": [d.id for d in also],
            "before": _snapshot(before), "after": _snapshot(after),
        })
        job = ctx.queue_receipt(device_enabled_receipt(ctx.receipt_header(), citizen, after_device,
                                                       also_disabled=also))
    return DeviceChange(after_device, also, tuple(devices_repo.device_history(ctx.store, nid)), job)


def disable_device(ctx: ServiceContext, citizen: Citizen, binding_id: int) -> DeviceChange:
    """Switch a device off; it stays in the list and can be enabled again at a counter."""
    ctx.require(Action.COUNTER_SERVICE)
    nid = citizen.national_id
    with ctx.store.transaction():
        device = _own_device(ctx, citizen, binding_id)
        if not device.enabled:
            raise _unchanged("此裝置已是停用狀態", "This device is already disabled.")
        before = devices_repo.list_devices(ctx.store, nid)
        after_device = devices_repo.disable_device(ctx.store, binding_id)
        after = devices_repo.list_devices(ctx.store, nid)
        ctx.audit("device_disabled", subject_id=nid, subject_name=citizen.name, detail={
            "binding": binding_id, "name": device.name,
            "before": _snapshot(before), "after": _snapshot(after),
        })
        job = ctx.queue_receipt(device_disabled_receipt(ctx.receipt_header(), citizen, after_device))
    return DeviceChange(after_device, (), tuple(devices_repo.device_history(ctx.store, nid)), job)


def unbind_device(ctx: ServiceContext, citizen: Citizen, binding_id: int) -> DeviceChange:
    """Remove a device from the ID's list (cutting off a lost or sold phone). Allowed in any state."""
    ctx.require(Action.COUNTER_SERVICE)
    nid = citizen.national_id
    with ctx.store.transaction():
        _own_device(ctx, citizen, binding_id)
        before = devices_repo.list_devices(ctx.store, nid)
        device = devices_repo.unbind_device(ctx.store, binding_id, now=ctx.clock.now())
        after = devices_repo.list_devices(ctx.store, nid)
        ctx.audit("device_unbound", subject_id=nid, subject_name=citizen.name, detail={
            "binding": binding_id, "name": device.name, "was_enabled": device.enabled,
            "before": _snapshot(before), "after": _snapshot(after),
        })
        job = ctx.queue_receipt(device_unbound_receipt(ctx.receipt_header(), citizen, device))
    return DeviceChange(device, (), tuple(devices_repo.device_history(ctx.store, nid)), job)


# --- verification codes ------------------------------------------------------------------------


def latest_code(ctx: ServiceContext, citizen: Citizen) -> VerificationCode | None:
    """The citizen's most recent code in its true state now (lapsed open codes read as expired)."""
    return codes_repo.latest_code(ctx.store, citizen.national_id, ctx.clock.now())


def current_code(ctx: ServiceContext, citizen: Citizen) -> VerificationCode | None:
    """The citizen's usable code, surviving a kiosk restart; never an expired or voided one."""
    return codes_repo.current_code(ctx.store, citizen.national_id, ctx.clock.now())


def issue_device_code(
    ctx: ServiceContext, citizen: Citizen, *, make_code: Callable[[], str] | None = None
) -> IssuedCode:
    """A new code (voiding the previous one), its receipt queued: one key from card to paper.

    Only an active account gets a code; a refusal is recorded in its own transaction, since asking
    for a code on a locked or deregistered account is worth a supervisor's look.
    """
    ctx.require(Action.COUNTER_SERVICE)
    nid = citizen.national_id
    try:
        _require_active(ctx, citizen, "產生裝置認證碼", "issue a device code")
    except KioskError:
        account = accounts_repo.get_account(ctx.store, nid)
        with ctx.store.transaction():
            ctx.audit("device_code_issued", subject_id=nid, subject_name=citizen.name, outcome="refused",
                      detail={"account_state": account.state.value if account else "unregistered"})
        raise
    # Looked up at call time so tests and snapshots can substitute a fixed code.
    code_text = (make_code or code_rules.new_verification_code)()
    lifetime = ctx.config.rules.code_lifetime_minutes
    with ctx.store.transaction():
        now = ctx.clock.now()
        previous = codes_repo.current_code(ctx.store, nid, now)
        code = codes_repo.issue_code(ctx.store, nid, code_text, now, code_rules.code_expiry(now, lifetime))
        header = ctx.receipt_header()
        job = ctx.queue_receipt(device_code_receipt(header, citizen, code))
        ctx.audit("device_code_issued", subject_id=nid, subject_name=citizen.name, detail={
            "code_record": code.id, "expires_at": code.expires_at.isoformat(),
            "lifetime_minutes": lifetime, "voided_previous": previous is not None,
            "job": job, "txn_no": header.txn_no,  # where 補印 finds the original receipt
        })
    return IssuedCode(code, previous is not None, job)


def code_refusal(ctx: ServiceContext, citizen: Citizen) -> KioskError | None:
    """Why no code can be issued for this citizen now (shown on opening F9; not audited)."""
    try:
        _require_active(ctx, citizen, "產生裝置認證碼", "issue a device code")
    except KioskError as e:
        return e
    return None


def _original_job(ctx: ServiceContext, code: VerificationCode) -> PrintJob | None:
    """The receipt printed when ``code`` was issued, found through the issuing audit entry."""
    for entry in query_audit(ctx.store, action="device_code_issued", subject_id=code.national_id, limit=20):
        detail = entry.detail or {}
        if entry.outcome == "ok" and detail.get("code_record") == code.id:
            job_id = detail.get("job")
            return get_job(ctx.store, job_id) if isinstance(job_id, int) else None
    return None


def print_current_code(ctx: ServiceContext, citizen: Citizen) -> tuple[VerificationCode, int]:
    """Print the still-valid code again (the first slip was lost): a copy of the original receipt,
    marked ＊＊補印 REPRINT＊＊ over its original transaction number, never a second original."""
    ctx.require(Action.COUNTER_SERVICE)
    nid = citizen.national_id
    with ctx.store.transaction():
        code = codes_repo.current_code(ctx.store, nid, ctx.clock.now())
        if code is None:
            raise KioskError(
                "沒有有效的裝置認證碼（已逾期、已作廢或已使用）",
                "請重新產生裝置認證碼",
                message_en="There is no valid device code (expired, voided or used).",
                action_en="Issue a new device code.",
            )
        original = _original_job(ctx, code)
        if original is not None:
            job = ctx.queue.enqueue_reprint(original, ctx.staff.staff_no)
            ctx.jobs.append(job)
        else:  # a code issued before receipts were linked to it: a receipt of its own
            job = ctx.queue_receipt(device_code_receipt(ctx.receipt_header(), citizen, code))
        ctx.audit("device_code_printed", subject_id=nid, subject_name=citizen.name, detail={
            "code_record": code.id, "expires_at": code.expires_at.isoformat(), "job": job,
            "reprint_of": original.txn_no if original is not None else None,
        })
    return code, job
