"""Every action the audit log records, named once.

A ``StrEnum``: a member *is* its string, so ``ctx.audit("register", …)``, stored rows and
``action == AuditAction.REGISTER`` all agree. ``data.audit_summary`` derives its action lists (the
daily summary's order, the audit viewer's filter choices) from here, and each counter service in
``kiosk.services.catalog`` names its members; a unit test checks each has ``audit.action.<value>``
in both catalogs.
"""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    # Counter services, in main-menu order (the daily summary lists them first, in this order).
    REGISTER = "register"
    DEREGISTER = "deregister"
    RESET_PASSWORD = "reset_password"
    UNLOCK = "unlock"
    CANCEL_PENDING = "cancel_pending"
    UPDATE_CONTACT = "update_contact"
    DEVICE_ENABLED = "device_enabled"
    DEVICE_DISABLED = "device_disabled"
    DEVICE_UNBOUND = "device_unbound"
    DEVICE_CODE_ISSUED = "device_code_issued"
    DEVICE_CODE_PRINTED = "device_code_printed"
    VIRTUAL_CARD_APPLIED = "virtual_card_applied"
    VIRTUAL_CARD_REVOKED = "virtual_card_revoked"
    VIRTUAL_CARD_PHOTO_REPLACED = "virtual_card_photo_replaced"
    AUTHORIZATION_CANCELLED = "authorization_cancelled"
    ACCOUNT_STATUS_PRINTED = "account_status_printed"
    # Everything else: look-ups, sign-in, staff and supervisor work, the print queue.
    LOOKUP = "lookup"
    LOGIN = "login"
    LOGOUT = "logout"
    SCREEN_LOCK = "screen_lock"
    SCREEN_UNLOCK = "screen_unlock"
    STAFF_LOCKED = "staff_locked"
    PERMISSION_DENIED = "permission_denied"
    PRINT_RETRY = "print_retry"
    PRINT_REPRINT = "print_reprint"
    PRINT_CANCEL = "print_cancel"
    STAFF_ADD = "staff_add"
    STAFF_DISABLE = "staff_disable"
    STAFF_ENABLE = "staff_enable"
    STAFF_RESET_PIN = "staff_reset_pin"
    STAFF_ROLE = "staff_role"
    STAFF_UNLOCK = "staff_unlock"
    AUDIT_SEARCH = "audit_search"
    AUDIT_EXPORT = "audit_export"
    AUDIT_VERIFY = "audit_verify"
    DAILY_SUMMARY_PRINT = "daily_summary_print"


# The actions that are a counter service done for a citizen (counted as such in the daily summary):
# every member declared before ``LOOKUP``.
_ALL = list(AuditAction)
SERVICE_AUDIT_ACTIONS: tuple[AuditAction, ...] = tuple(_ALL[: _ALL.index(AuditAction.LOOKUP)])
