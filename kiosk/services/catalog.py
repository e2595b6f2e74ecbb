"""The counter services the kiosk offers, their keys, and whether this version has them.

One table drives the main menu, its key bindings and the help screen, so they cannot disagree. A
service that is not built yet says so; it never opens a fake screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.audit_actions import AuditAction as A
from kiosk.core.permissions import Action
from printing.receipt import ReceiptKind as R


@dataclass(frozen=True)
class Service:
    service_id: str
    key: str
    needs: Action = Action.COUNTER_SERVICE
    # "module:Class" of its screen, imported when first opened; empty = not built yet.
    screen: str = ""
    # What it writes to the audit log, and the receipts it prints (a unit test checks each has its
    # translations, a receipt title and that the screen imports).
    audit: tuple[A, ...] = ()
    receipts: tuple[R, ...] = ()

    @property
    def available(self) -> bool:
        return bool(self.screen)

    @property
    def label_key(self) -> str:
        return f"svc.{self.service_id}"


SERVICES: tuple[Service, ...] = (
    Service("register", "f2", screen="kiosk.screens.registration:RegistrationScreen",
            audit=(A.REGISTER,), receipts=(R.REGISTRATION,)),
    Service("deregister", "f3", screen="kiosk.screens.account:DeregistrationScreen",
            audit=(A.DEREGISTER,), receipts=(R.DEREGISTRATION,)),
    Service("reset_password", "f4", screen="kiosk.screens.account:PasswordResetScreen",
            audit=(A.RESET_PASSWORD,), receipts=(R.PASSWORD_RESET,)),
    Service("unlock", "f5", screen="kiosk.screens.account:UnlockScreen",
            audit=(A.UNLOCK,), receipts=(R.LOCKOUT_LIFTED,)),
    Service("cancel_pending", "f6", screen="kiosk.screens.account:CancelPendingScreen",
            audit=(A.CANCEL_PENDING,), receipts=(R.PENDING_CANCELLED,)),
    Service("update_contact", "f7", screen="kiosk.screens.account:ContactUpdateScreen",
            audit=(A.UPDATE_CONTACT,), receipts=(R.CONTACT_UPDATED,)),
    Service("devices", "f8", screen="kiosk.screens.devices:DevicesScreen",
            audit=(A.DEVICE_ENABLED, A.DEVICE_DISABLED, A.DEVICE_UNBOUND),
            receipts=(R.DEVICE_ENABLED, R.DEVICE_DISABLED, R.DEVICE_UNBOUND)),
    Service("device_code", "f9", screen="kiosk.screens.device_code:DeviceCodeScreen",
            audit=(A.DEVICE_CODE_ISSUED, A.DEVICE_CODE_PRINTED), receipts=(R.DEVICE_CODE,)),
    Service("virtual_card", "f10", screen="kiosk.screens.virtual_card:VirtualCardScreen",
            audit=(A.VIRTUAL_CARD_APPLIED, A.VIRTUAL_CARD_REVOKED, A.VIRTUAL_CARD_PHOTO_REPLACED),
            receipts=(R.VIRTUAL_CARD_APPLIED, R.VIRTUAL_CARD_REVOKED)),
    Service("authorizations", "f11", screen="kiosk.screens.authorizations:AuthorizationsScreen",
            audit=(A.AUTHORIZATION_CANCELLED,), receipts=(R.AUTHORIZATION_CANCELLED,)),
    Service("account_status", "ctrl+s", screen="kiosk.screens.account_status:AccountStatusScreen",
            audit=(A.ACCOUNT_STATUS_PRINTED,), receipts=(R.ACCOUNT_STATUS,)),
    Service("audit", "f12", needs=Action.AUDIT_VIEW, screen="kiosk.screens.audit:AuditScreen",
            audit=(A.AUDIT_SEARCH, A.AUDIT_EXPORT, A.AUDIT_VERIFY, A.DAILY_SUMMARY_PRINT),
            receipts=(R.DAILY_SUMMARY,)),
    Service("staff_admin", "ctrl+u", needs=Action.STAFF_MANAGE,
            screen="kiosk.screens.staff_admin:StaffAdminScreen",
            audit=(A.STAFF_ADD, A.STAFF_DISABLE, A.STAFF_ENABLE, A.STAFF_RESET_PIN, A.STAFF_ROLE,
                   A.STAFF_UNLOCK)),
    Service("print_queue", "ctrl+e", screen="kiosk.screens.print_queue:PrintQueueScreen",
            audit=(A.PRINT_RETRY, A.PRINT_REPRINT, A.PRINT_CANCEL)),
    Service("diagnostics", "ctrl+d", screen="kiosk.screens.diagnostics:DiagnosticsScreen"),
)

SERVICE_BY_ID = {s.service_id: s for s in SERVICES}


@dataclass(frozen=True)
class ServiceAction:
    """A key inside a service screen, offered by the command palette as well."""

    service_id: str
    key: str
    action: str  # the screen's ``action_<name>``
    label_key: str  # the key bar's label
    needs: Action = Action.COUNTER_SERVICE
    # True: it acts on the row the clerk picks, so the palette opens the service and names the key.
    on_selection: bool = False


SERVICE_ACTIONS: tuple[ServiceAction, ...] = (
    ServiceAction("deregister", "i", "type_id", "dereg.key_type_id"),
    ServiceAction("devices", "e", "enable", "devices.key_enable", on_selection=True),
    ServiceAction("devices", "d", "disable", "devices.key_disable", on_selection=True),
    ServiceAction("devices", "u", "unbind", "devices.key_unbind", on_selection=True),
    ServiceAction("device_code", "g", "issue", "devcode.key_issue"),
    ServiceAction("device_code", "p", "print", "devcode.key_print"),
    ServiceAction("virtual_card", "r", "revoke", "vcard.key.revoke"),
    ServiceAction("virtual_card", "p", "replace_photo", "vcard.key.photo"),
    ServiceAction("authorizations", "c", "cancel_selected", "auth.key.cancel", on_selection=True),
    ServiceAction("audit", "f4", "export", "audit.key_export", Action.AUDIT_EXPORT),
    ServiceAction("audit", "f5", "verify", "audit.key_verify", Action.AUDIT_VERIFY),
    ServiceAction("audit", "f6", "summary", "audit.key_summary", Action.DAILY_SUMMARY),
    ServiceAction("staff_admin", "f2", "add", "staff_admin.key_add", Action.STAFF_MANAGE),
    ServiceAction("staff_admin", "f3", "toggle_enabled", "staff_admin.key_enable", Action.STAFF_MANAGE,
                  on_selection=True),
    ServiceAction("staff_admin", "f4", "reset_pin", "staff_admin.key_pin", Action.STAFF_MANAGE, on_selection=True),
    ServiceAction("staff_admin", "f5", "toggle_role", "staff_admin.key_role", Action.STAFF_MANAGE,
                  on_selection=True),
    ServiceAction("staff_admin", "f6", "unlock", "staff_admin.key_unlock", Action.STAFF_MANAGE, on_selection=True),
    ServiceAction("print_queue", "r", "retry", "queue.retry", on_selection=True),
    ServiceAction("print_queue", "p", "reprint", "queue.reprint_last"),
    ServiceAction("print_queue", "x", "cancel_job", "queue.cancel", Action.PRINT_CANCEL, on_selection=True),
    ServiceAction("print_queue", "t", "test_page", "queue.test_page"),
    ServiceAction("diagnostics", "t", "read_test", "diag.read_test"),
)

# General keys: (key, catalog key of its label). The app's BINDINGS use the same keys.
GENERAL_KEYS: tuple[tuple[str, str], ...] = (
    ("f1", "key.help"),
    ("ctrl+l", "key.lock"),
    ("ctrl+o", "key.logout"),
    ("ctrl+t", "key.language"),
    ("ctrl+p", "help.palette"),
    ("ctrl+q", "key.quit"),
)

DEMO_KEYS: tuple[tuple[str, str], ...] = (
    ("ctrl+n", "key.insert_demo"),
    ("ctrl+r", "key.remove_demo"),
)
