"""The counter services the kiosk offers, their keys, and whether this version has them.

One table drives the main menu, its key bindings and the help screen, so they cannot disagree. A
service that is not built yet says so; it never opens a fake screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.permissions import Action


@dataclass(frozen=True)
class Service:
    service_id: str
    key: str
    needs: Action = Action.COUNTER_SERVICE
    # "module:Class" of its screen, imported when first opened; empty = not built yet.
    screen: str = ""

    @property
    def available(self) -> bool:
        return bool(self.screen)

    @property
    def label_key(self) -> str:
        return f"svc.{self.service_id}"


SERVICES: tuple[Service, ...] = (
    Service("register", "f2", screen="kiosk.screens.registration:RegistrationScreen"),
    Service("deregister", "f3", screen="kiosk.screens.account:DeregistrationScreen"),
    Service("reset_password", "f4", screen="kiosk.screens.account:PasswordResetScreen"),
    Service("unlock", "f5", screen="kiosk.screens.account:UnlockScreen"),
    Service("cancel_pending", "f6", screen="kiosk.screens.account:CancelPendingScreen"),
    Service("update_contact", "f7", screen="kiosk.screens.account:ContactUpdateScreen"),
    Service("devices", "f8", screen="kiosk.screens.devices:DevicesScreen"),
    Service("device_code", "f9", screen="kiosk.screens.device_code:DeviceCodeScreen"),
    Service("virtual_card", "f10", screen="kiosk.screens.virtual_card:VirtualCardScreen"),
    Service("authorizations", "f11", screen="kiosk.screens.authorizations:AuthorizationsScreen"),
    Service("audit", "f12", needs=Action.AUDIT_VIEW, screen="kiosk.screens.audit:AuditScreen"),
    Service("staff_admin", "ctrl+u", needs=Action.STAFF_MANAGE,
            screen="kiosk.screens.staff_admin:StaffAdminScreen"),
    Service("print_queue", "ctrl+e", screen="kiosk.screens.print_queue:PrintQueueScreen"),
    Service("diagnostics", "ctrl+d", screen="kiosk.screens.diagnostics:DiagnosticsScreen"),
)

SERVICE_BY_ID = {s.service_id: s for s in SERVICES}

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
