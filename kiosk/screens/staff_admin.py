"""人員管理 (Ctrl+U): list staff, add, disable/enable, reset a PIN, change a role, lift a lockout.

Each change goes through ``StaffService`` with the signed-in supervisor as ``by``: it checks the
role again and audits the change (or the refusal). A supervisor cannot disable or demote
themselves; the screen says why instead of hiding the key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from kiosk.core.models import Role, Staff
from kiosk.core.permissions import Action
from kiosk.i18n import t
from kiosk.screens.audit_dialogs import guard
from kiosk.screens.base import ServiceScreen
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.staff_admin_forms import AddStaffScreen, NewStaff, PinScreen
from kiosk.services.supervisor import staff_service

if TYPE_CHECKING:
    from kiosk.services.context import ServiceContext


def _state(staff: Staff) -> Text:
    if not staff.enabled:
        return Text(t("staff_admin.disabled"), style="dim")
    if staff.locked:
        return Text(t("staff_admin.locked", n=staff.failed_logins), style="bold red")
    if staff.failed_logins:
        return Text(t("staff_admin.failures", n=staff.failed_logins), style="yellow")
    return Text(t("staff_admin.enabled"), style="green")


class StaffAdminScreen(ServiceScreen):
    SERVICE_ID = "staff_admin"
    FILLS_HEIGHT = True
    BINDINGS: ClassVar[list[BindingType]] = [
        *ServiceScreen.BINDINGS,
        Binding("f2", "add", show=False),
        Binding("f3", "toggle_enabled", show=False),
        Binding("f4", "reset_pin", show=False),
        Binding("f5", "toggle_role", show=False),
        Binding("f6", "unlock", show=False),
    ]
    DEFAULT_CSS = """
    #staff-table { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.staff: list[Staff] = []

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="staff-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        super().on_mount()
        if guard(self, Action.STAFF_MANAGE):
            self.query_one(DataTable).focus()
            self.refresh_list()

    def keys(self) -> list[tuple[str, str]]:
        return [("f2", t("staff_admin.key_add")), ("f3", t("staff_admin.key_enable")),
                ("f4", t("staff_admin.key_pin")), ("f5", t("staff_admin.key_role")),
                ("f6", t("staff_admin.key_unlock")), ("escape", t("key.back"))]

    def relabel(self) -> None:
        self._fill()

    def refresh_list(self, then_select: str | None = None) -> None:
        def listed(staff: list[Staff]) -> None:
            self.staff = staff
            self._fill(then_select)

        self.run_service(lambda ctx: staff_service(ctx).list(), listed)

    def _fill(self, select: str | None = None) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column(t("staff_admin.col_no"), width=12)
        table.add_column(t("staff_admin.col_name"), width=16)
        table.add_column(t("staff_admin.col_role"), width=12)
        table.add_column(t("staff_admin.col_state"), width=24)
        me = self.kiosk.staff.staff_no if self.kiosk.staff else ""
        for staff in self.staff:
            name = Text(staff.name + (t("staff_admin.me") if staff.staff_no == me else ""))
            table.add_row(Text(staff.staff_no), name, t(f"role.{staff.role.value}"), _state(staff),
                          key=staff.staff_no)
        numbers = [s.staff_no for s in self.staff]
        if select in numbers:
            row = numbers.index(select)
        if self.staff:
            table.move_cursor(row=min(max(row, 0), len(self.staff) - 1))
        self.set_citizen_line(t("staff_admin.summary", n=len(self.staff),
                                supervisors=sum(s.role is Role.SUPERVISOR and s.enabled for s in self.staff)))

    def selected(self) -> Staff | None:
        row = self.query_one(DataTable).cursor_row
        return self.staff[row] if 0 <= row < len(self.staff) else None

    def _done(self, message_key: str, staff_no: str) -> Callable[[object], None]:
        def done(_result: object) -> None:
            self.show_message(t(message_key, staff=staff_no))
            self.refresh_list(staff_no)

        return done

    # --- actions ------------------------------------------------------------------------------

    def action_add(self) -> None:
        def entered(new: object) -> None:
            if isinstance(new, NewStaff):
                self.run_service(
                    lambda ctx: staff_service(ctx).add(new.staff_no, new.name, new.role, new.pin,
                                                       by=ctx.staff),
                    self._done("staff_admin.added", new.staff_no),
                )

        self.app.push_screen(AddStaffScreen(), entered)

    def action_toggle_enabled(self) -> None:
        staff = self.selected()
        if staff is None:
            return
        if staff.enabled:
            question = t("staff_admin.confirm_disable", staff=f"{staff.staff_no} {staff.name}")
            self._confirmed(question, lambda ctx: staff_service(ctx).disable(staff.staff_no, by=ctx.staff),
                            "staff_admin.disabled_msg", staff.staff_no)
        else:
            self.run_service(lambda ctx: staff_service(ctx).enable(staff.staff_no, by=ctx.staff),
                             self._done("staff_admin.enabled_msg", staff.staff_no))

    def action_reset_pin(self) -> None:
        staff = self.selected()
        if staff is None:
            return

        def entered(pin: object) -> None:
            if isinstance(pin, str):
                self.run_service(
                    lambda ctx: staff_service(ctx).reset_pin(staff.staff_no, pin, by=ctx.staff),
                    self._done("staff_admin.pin_done", staff.staff_no),
                )

        self.app.push_screen(PinScreen(staff.staff_no, staff.name), entered)

    def action_toggle_role(self) -> None:
        staff = self.selected()
        if staff is None:
            return
        role = Role.CLERK if staff.role is Role.SUPERVISOR else Role.SUPERVISOR
        question = t("staff_admin.confirm_role", staff=f"{staff.staff_no} {staff.name}",
                     before=t(f"role.{staff.role.value}"), after=t(f"role.{role.value}"))
        self._confirmed(question, lambda ctx: staff_service(ctx).set_role(staff.staff_no, role, by=ctx.staff),
                        "staff_admin.role_done", staff.staff_no)

    def action_unlock(self) -> None:
        staff = self.selected()
        if staff is None:
            return
        self.run_service(lambda ctx: staff_service(ctx).unlock(staff.staff_no, by=ctx.staff),
                         self._done("staff_admin.unlocked", staff.staff_no))

    def _confirmed(self, question: str, change: Callable[[ServiceContext], object], message_key: str,
                   staff_no: str) -> None:
        if self.kiosk.staff is not None and staff_no == self.kiosk.staff.staff_no:
            # Nothing to confirm: the service refuses a change to one's own account, records the
            # attempt and explains why.
            self.run_service(change, self._done(message_key, staff_no))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(change, self._done(message_key, staff_no))

        self.app.push_screen(ConfirmScreen(question), answered)

