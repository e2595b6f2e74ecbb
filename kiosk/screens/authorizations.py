"""虛擬健保卡授權 (F11): the authorizations the card holder granted (cancel one) and received.

Only the grantor may cancel (seed 002: 查詢/取消授權 is on the 授權人's phone), so the list with a
cursor is the granted one; the received ones are shown for reference.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from kiosk.core.masking import mask_id, mask_name
from kiosk.core.models import Authorization, AuthorizationState
from kiosk.i18n import t
from kiosk.screens.card_overview import CardOverviewScreen
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.virtual_card_view import auth_state_text, authorization_table, date_range
from kiosk.services.virtual_card import cancel_authorization


class AuthorizationsScreen(CardOverviewScreen):
    SERVICE_ID = "authorizations"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel_selected", show=False),
        Binding("delete", "cancel_selected", show=False),
    ]
    DEFAULT_CSS = """
    #auth-body { height: 1fr; padding: 0 1; }
    #auth-granted { height: auto; max-height: 14; margin-top: 1; }
    .auth-heading { text-style: bold; margin-top: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._cursor_set = False

    def compose_body(self) -> ComposeResult:
        with Vertical(id="auth-body"):
            yield Label(id="auth-granted-title", classes="auth-heading")
            yield DataTable(id="auth-granted", cursor_type="row", zebra_stripes=True)
            yield Label(id="auth-granted-empty", classes="hint")
            yield Label(id="auth-received-title", classes="auth-heading")
            yield Static(id="auth-received")


    def keys(self) -> list[tuple[str, str]]:
        """C only while the highlighted authorization is one that can be cancelled."""
        selected = self._selected() if self.is_mounted else None
        cancel = [("c", t("auth.key.cancel"))] if selected and selected.state is AuthorizationState.ACTIVE else []
        return [*cancel, ("escape", t("key.back")), ("f1", t("key.help"))]

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.refresh_keys()


    def relabel(self) -> None:
        citizen, view = self.citizen, self.view
        if citizen is None:
            self.set_citizen_line(t("vcard.insert_card"))
        else:
            self.set_citizen_line(f"{mask_name(citizen.name)}  {mask_id(citizen.national_id)}")
        self.query_one("#auth-granted-title", Label).update(t("auth.granted_title"))
        self.query_one("#auth-received-title", Label).update(t("vcard.received"))
        table = self.query_one("#auth-granted", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for key in ("auth.code", "auth.grantee", "auth.period", "auth.state"):
            table.add_column(t(key))
        granted = view.granted if view else ()
        for auth in granted:
            table.add_row(Text(auth.code), Text(mask_id(auth.grantee_id)), Text(date_range(auth)),
                          auth_state_text(auth.state), key=str(auth.id))
        if granted:
            # First time in, start on the first active one: that is what the citizen came to cancel.
            first_active = next((i for i, a in enumerate(granted) if a.state is AuthorizationState.ACTIVE), 0)
            table.move_cursor(row=min(row, len(granted) - 1) if self._cursor_set else first_active)
            self._cursor_set = True
        table.display = bool(granted)
        empty = t("auth.none_granted") if view is not None and not granted else ""
        self.query_one("#auth-granted-empty", Label).update(empty)
        self.query_one("#auth-received", Static).update(
            authorization_table(view.received, granted=False) if view else "")
        if granted:
            table.focus()

    def _selected(self) -> Authorization | None:
        if self.view is None or not self.view.granted:
            return None
        table = self.query_one("#auth-granted", DataTable)
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return next((a for a in self.view.granted if str(a.id) == row_key.value), None)

    def action_cancel_selected(self) -> None:
        citizen, auth = self.citizen, self._selected()
        if citizen is None or self.view is None:
            self.show_message(t("vcard.insert_card"), error=True)
            return
        if auth is None:
            self.show_message(t("auth.none_granted"), error=True)
            return
        if auth.state is not AuthorizationState.ACTIVE:
            self.show_message(t("auth.not_active", state=t(f"auth.state.{auth.state.value}")), error=True)
            return
        question = t("auth.cancel_confirm", code=auth.code, grantee=mask_id(auth.grantee_id),
                     period=date_range(auth, compact=True))

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(lambda ctx: cancel_authorization(ctx, citizen, auth.id), self._cancelled)
            else:
                self.show_message(t("auth.cancel_declined"))

        self.app.push_screen(ConfirmScreen(question), answered)

    def _cancelled(self, auth: Authorization) -> None:
        self.show_message(t("auth.cancelled", code=auth.code, grantee=mask_id(auth.grantee_id)))
        self.load()
