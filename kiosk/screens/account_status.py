"""帳號狀態 (Ctrl+S): the inserted card's account as it stands, and P prints it as a slip.

Opening reads (no audit entry); P prints the masked slip and is audited. A card change re-reads,
and a result for a card no longer in the reader is dropped, so the slip is always the card's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from kiosk.core.models import Citizen
from kiosk.i18n import t
from kiosk.screens.base import ServiceScreen
from kiosk.screens.devices import citizen_line, when
from kiosk.services import account_status as svc

if TYPE_CHECKING:
    from kiosk.app import CardState


def status_lines(status: svc.AccountStatus) -> list[str]:
    """The status as the screen shows it (masked: device names and states only)."""
    enabled = status.enabled_device
    via = t(f"status.via.{status.registered_via}") if status.registered_via else "—"
    return [
        t("status.state", state=t("account." + status.state.value)),
        t("status.registered", at=when(status.registered_at) if status.registered_at else "—", via=via),
        t("status.devices", n=len(status.devices), enabled=enabled.name if enabled else "—"),
        t("status.vcard", state=t(f"vcard.state.{status.card.state.value}") if status.card else t("status.no_card")),
    ]


class AccountStatusScreen(ServiceScreen):
    SERVICE_ID = "account_status"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("p", "print", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.citizen: Citizen | None = None
        self.status: svc.AccountStatus | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="status-info")

    def on_mount(self) -> None:
        self.card_changed(self.kiosk.card)

    def keys(self) -> list[tuple[str, str]]:
        keys = [("p", t("status.key_print"))] if self.status is not None else []
        return [*keys, *super().keys()]

    def relabel(self) -> None:
        self.set_citizen_line(citizen_line(self.citizen, self.kiosk.card.account_state))
        self._show()

    def _show(self) -> None:
        lines = status_lines(self.status) if self.status is not None else []
        self.query_one("#status-info", Static).update(Text("\n".join(lines)))
        self.refresh_keys()

    def card_changed(self, card: CardState) -> None:
        citizen = self.kiosk.current_citizen()
        if citizen == self.citizen and self.status is not None:
            return
        self.citizen, self.status = citizen, None
        self.set_citizen_line(citizen_line(citizen, card.account_state))
        self._show()
        if citizen is None:
            self.show_message(t("status.insert_card"))
            return
        self.show_message("")
        self.run_service(lambda ctx: (citizen, svc.read_status(ctx, citizen)), self._read)

    def _read(self, result: tuple[Citizen, svc.AccountStatus]) -> None:
        citizen, status = result
        if citizen != self.citizen:  # a card changed while reading: not this citizen's status
            return
        self.status = status
        self._show()

    def action_print(self) -> None:
        citizen = self.citizen
        if citizen is None or self.status is None:
            self.show_message(t("status.insert_card"), error=True)
            return
        self.run_service(lambda ctx: svc.print_status(ctx, citizen)[0], self._printed)

    def _printed(self, status: svc.AccountStatus) -> None:
        self.status = status
        self._show()
        self.show_message(t("status.printed"))
