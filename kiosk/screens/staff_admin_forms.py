"""The staff screen's forms: a new staff member, and a new PIN (typed twice, masked)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select
from textual.widgets._select import SelectCurrent

from kiosk.core.errors import ValidationError
from kiosk.core.models import Role
from kiosk.core.secrets_hash import validate_pin
from kiosk.i18n import get_locale, t

_FORM_CSS = """
{cls} {{ align: center middle; }}
{cls} > Vertical {{ width: 64; height: auto; padding: 1 2; border: thick $accent; background: $panel; }}
{cls} Input, {cls} Select {{ margin: 0 0 0 0; }}
{cls} Label {{ width: 100%; }}
"""


@dataclass(frozen=True)
class NewStaff:
    staff_no: str
    name: str
    role: Role
    pin: str


def _pin_pair(first: str, second: str) -> str:
    """Both PIN fields as one checked PIN, or ``ValidationError`` naming the field to fix."""
    pin = validate_pin(first)
    if second != first:
        raise ValidationError("pin2", "兩次輸入的密碼不一致", "請重新輸入第二次密碼",
                              message_en="The two PINs differ.", action_en="Type the second PIN again.")
    return pin


class RoleSelect(Select[str]):
    """The role picker: Enter moves on like every other field of the form (it does not open the
    list, which would swallow the PIN typed next); Space or an arrow key opens the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next_field", show=False),
        Binding("down,space,up", "show_overlay", show=False),
    ]

    def action_next_field(self) -> None:
        self.screen.focus_next()


class _Form(ModalScreen[object]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def fail(self, error: ValidationError) -> None:
        self.query_one("#form-error", Label).update(error.text(get_locale()))
        field = self.query_one(f"#{error.field.replace('_', '-')}", Input)
        field.value = ""
        field.focus()
        if error.field == "pin":
            self.query_one("#pin2", Input).value = ""

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        # Enter moves to the next field; on the last one it submits.
        if event.input.id == "pin2":
            self.submit()
        else:
            self.focus_next()

    def submit(self) -> None:
        raise NotImplementedError


class AddStaffScreen(_Form):
    DEFAULT_CSS = _FORM_CSS.format(cls="AddStaffScreen")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("staff_admin.add_title"), classes="section-title")
            yield Input(id="staff-no", max_length=16)
            yield Input(id="name", max_length=20)
            yield RoleSelect([(t("role.clerk"), Role.CLERK.value), (t("role.supervisor"), Role.SUPERVISOR.value)],
                             value=Role.CLERK.value, allow_blank=False, id="role")
            yield Input(id="pin", password=True, max_length=8)
            yield Input(id="pin2", password=True, max_length=8)
            yield Label(id="form-error", classes="error")
            yield Label(t("staff_admin.form_hint"), classes="hint")

    def on_mount(self) -> None:
        for field, key in (("staff-no", "staff_no"), ("name", "name"), ("pin", "pin"), ("pin2", "pin2")):
            self.query_one(f"#{field}", Input).border_title = t(f"staff_admin.f_{key}")
        # The visible box of a Select is its SelectCurrent child: the title goes there.
        self.query_one("#role", Select).query_one(SelectCurrent).border_title = t("staff_admin.f_role")
        self.query_one("#staff-no", Input).focus()

    def submit(self) -> None:
        value = {name: self.query_one(f"#{name}", Input).value
                 for name in ("staff-no", "name", "pin", "pin2")}
        staff_no = value["staff-no"].strip().upper()
        try:
            if not staff_no.isascii() or not staff_no.isalnum():
                raise ValidationError("staff_no", "員工編號須為 1 到 16 個英數字",
                                      message_en="Staff number must be 1 to 16 letters or digits.")
            if not value["name"].strip():
                raise ValidationError("name", "請輸入姓名", message_en="Name is required.")
            pin = _pin_pair(value["pin"], value["pin2"])
        except ValidationError as exc:
            self.fail(exc)
            return
        role = Role(str(self.query_one("#role", Select).value))
        self.dismiss(NewStaff(staff_no, value["name"].strip(), role, pin))


class PinScreen(_Form):
    """A new PIN for ``staff_no``, typed twice."""

    DEFAULT_CSS = _FORM_CSS.format(cls="PinScreen")

    def __init__(self, staff_no: str, name: str) -> None:
        super().__init__()
        self.staff_no = staff_no
        self.staff_name = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("staff_admin.pin_title", staff=f"{self.staff_no} {self.staff_name}"),
                        classes="section-title", markup=False)
            yield Input(id="pin", password=True, max_length=8)
            yield Input(id="pin2", password=True, max_length=8)
            yield Label(id="form-error", classes="error")
            yield Label(t("staff_admin.pin_hint"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#pin", Input).border_title = t("staff_admin.f_pin")
        self.query_one("#pin2", Input).border_title = t("staff_admin.f_pin2")
        self.query_one("#pin", Input).focus()

    def submit(self) -> None:
        try:
            pin = _pin_pair(self.query_one("#pin", Input).value, self.query_one("#pin2", Input).value)
        except ValidationError as exc:
            self.fail(exc)
            return
        self.dismiss(pin)
