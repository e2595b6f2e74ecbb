"""Who may do what. The only place that decides it: screens ask, they never decide."""

from __future__ import annotations

from enum import StrEnum

from kiosk.core.errors import PermissionDenied
from kiosk.core.models import Role, Staff


class Action(StrEnum):
    COUNTER_SERVICE = "counter_service"
    AUDIT_VIEW = "audit_view"
    AUDIT_VERIFY = "audit_verify"
    AUDIT_EXPORT = "audit_export"
    DAILY_SUMMARY = "daily_summary"
    STAFF_MANAGE = "staff_manage"
    PRINT_CANCEL = "print_cancel"


_SUPERVISOR_ONLY = frozenset(
    {Action.AUDIT_VIEW, Action.AUDIT_VERIFY, Action.AUDIT_EXPORT, Action.DAILY_SUMMARY, Action.STAFF_MANAGE}
)


def allowed(staff: Staff | None, action: Action) -> bool:
    if staff is None or not staff.enabled or staff.locked:
        return False
    if action in _SUPERVISOR_ONLY:
        return staff.role is Role.SUPERVISOR
    return True


def require(staff: Staff | None, action: Action) -> None:
    if not allowed(staff, action):
        raise PermissionDenied(
            "此功能限主管使用",
            "請由主管登入後再操作",
            message_en="Only a supervisor may do this.",
            action_en="Ask a supervisor to sign in.",
        )


def may_cancel_print_job(staff: Staff | None, *, job_counter: str | None, counter: str) -> bool:
    """``PRINT_CANCEL`` lets a clerk take receipts off their own counter's queue (the citizen may be
    waiting there); a receipt queued at another counter only a supervisor may cancel."""
    if not allowed(staff, Action.PRINT_CANCEL):
        return False
    assert staff is not None
    return staff.role is Role.SUPERVISOR or not job_counter or job_counter == counter


def require_print_cancel(staff: Staff | None, *, job_counter: str | None, counter: str) -> None:
    require(staff, Action.PRINT_CANCEL)
    if not may_cancel_print_job(staff, job_counter=job_counter, counter=counter):
        raise PermissionDenied(
            "此收據屬於其他櫃台，限主管取消",
            "請由該櫃台或主管處理",
            message_en="This receipt belongs to another counter; only a supervisor may cancel it.",
            action_en="Ask that counter or a supervisor.",
        )
