"""虛擬健保卡 (F10): the card's status and history, the authorizations it granted and received,
revocation, and the way into the photo replacement wizard."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from kiosk.core.masking import mask_id, mask_name
from kiosk.core.models import AccountState
from kiosk.core.rocdate import format_roc_date
from kiosk.i18n import t
from kiosk.screens.card_overview import CardOverviewScreen
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.virtual_card_view import (
    authorization_table,
    confirm_auths_text,
    current_card_panel,
    history_table,
)
from kiosk.services.virtual_card import CardOverview, RevokeReason, RevokeResult, revoke_card

# The reasons a clerk picks from; photo replacement has its own wizard and reason.
PICKABLE_REASONS = (RevokeReason.OWN_REQUEST, RevokeReason.DEVICE_LOST, RevokeReason.NOT_HOLDER)


class RevokeReasonPicker(ModalScreen[RevokeReason | None]):
    DEFAULT_CSS = """
    RevokeReasonPicker { align: center middle; background: $background 60%; }
    #vc-reason-box { width: 64; height: auto; padding: 1 2; border: thick $warning; background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", show=False)]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        for n, reason in enumerate(PICKABLE_REASONS, start=1):
            table.add_row(Text(str(n), style="bold"), Text(t(f"vcard.reason.{reason.value}")))
        with Vertical(id="vc-reason-box") as box:
            box.border_title = t("vcard.reason_title")
            box.border_subtitle = t("vcard.reason_hint")
            yield Static(table)

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            n = int(event.character)
            if 1 <= n <= len(PICKABLE_REASONS):
                event.stop()
                self.dismiss(PICKABLE_REASONS[n - 1])


class VirtualCardScreen(CardOverviewScreen):
    SERVICE_ID = "virtual_card"
    FILLS_HEIGHT = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "revoke", show=False), Binding("p", "replace_photo", show=False)]
    DEFAULT_CSS = """
    #vc-body { height: auto; padding: 0 1; }
    #vc-current { border: round $primary; padding: 0 1; height: auto; }
    .vc-heading { text-style: bold; margin-top: 1; }
    """

    def compose_body(self) -> ComposeResult:
        # Not a scroll of its own: the service frame scrolls (PageUp/PageDown). A focusable inner scroll
        # took the focus on open and the frame scrolled to it, hiding the title and the citizen line.
        with Vertical(id="vc-body"):
            yield Static(id="vc-current")
            yield Label(id="vc-history-title", classes="vc-heading")
            yield Static(id="vc-history")
            # Stacked, not side by side: the English table needs the full width.
            yield Label(id="vc-granted-title", classes="vc-heading")
            yield Static(id="vc-granted")
            yield Label(id="vc-received-title", classes="vc-heading")
            yield Static(id="vc-received")


    def keys(self) -> list[tuple[str, str]]:
        """R only with a card to revoke, P only for an active account: what can be done now."""
        view, keys = self.view, []
        if self.citizen is not None and view is not None:
            if view.live is not None:
                keys.append(("r", t("vcard.key.revoke")))
            if view.account_state is AccountState.ACTIVE:
                keys.append(("p", t("vcard.key.photo")))
        return [*keys, ("escape", t("key.back")), ("f1", t("key.help"))]


    def relabel(self) -> None:
        citizen, view = self.citizen, self.view
        self.query_one("#vc-history-title", Label).update(t("vcard.history"))
        self.query_one("#vc-granted-title", Label).update(t("vcard.granted"))
        self.query_one("#vc-received-title", Label).update(t("vcard.received"))
        current = self.query_one("#vc-current", Static)
        current.border_title = t("vcard.current")
        if citizen is None:
            self.set_citizen_line(t("vcard.insert_card"))
        else:
            account = t(f"account.{view.account_state.value}") if view and view.account_state else ""
            self.set_citizen_line(f"{mask_name(citizen.name)}  {mask_id(citizen.national_id)}  {account}")
        waiting = Text(t("vcard.loading") if citizen else "", style="italic")
        current.update(current_card_panel(view) if view else waiting)
        self.query_one("#vc-history", Static).update(history_table(view.cards) if view and view.cards else "")
        self.query_one("#vc-granted", Static).update(
            authorization_table(view.granted, granted=True) if view else "")
        self.query_one("#vc-received", Static).update(
            authorization_table(view.received, granted=False) if view else "")

    # --- revocation ----------------------------------------------------------------------------

    def _ready(self) -> CardOverview | None:
        if self.citizen is None or self.view is None:
            self.show_message(t("vcard.insert_card"), error=True)
            return None
        return self.view

    def action_revoke(self) -> None:
        view = self._ready()
        if view is None:
            return
        if view.live is None:
            self.show_message(t("vcard.nothing_to_revoke"), error=True)
            return
        self.app.push_screen(RevokeReasonPicker(), self._reason_chosen)

    def _reason_chosen(self, reason: RevokeReason | None) -> None:
        view, citizen = self.view, self.citizen
        if reason is None or view is None or view.live is None or citizen is None:
            return
        card, active = view.live, view.active_granted
        question = t("vcard.revoke_confirm", state=t(f"vcard.state.{card.state.value}"),
                     applied=format_roc_date(card.applied_at.date()),
                     reason=t(f"vcard.reason.{reason.value}"), auths=confirm_auths_text(active))

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(lambda ctx: revoke_card(ctx, citizen, reason), self._revoked)
            else:
                self.show_message(t("vcard.revoke_declined"))

        self.app.push_screen(ConfirmScreen(question), answered)

    def _revoked(self, result: RevokeResult) -> None:
        self.show_message(t("vcard.revoked", n=len(result.cancelled)))
        self.load()

    # --- photo replacement ---------------------------------------------------------------------

    def action_replace_photo(self) -> None:
        from kiosk.screens.virtual_card_photo import PhotoReplacementScreen

        view = self._ready()
        if view is None or self.citizen is None:
            return
        if view.account_state is not AccountState.ACTIVE:
            state = t(f"account.{(view.account_state or AccountState.UNREGISTERED).value}")
            self.show_message(t("vcard.account_not_active", state=state), error=True)
            return
        self.app.push_screen(PhotoReplacementScreen(self.citizen, view), lambda _: self.load())
