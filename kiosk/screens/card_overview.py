"""What the virtual-card screens (F10, F11) share: load the card holder's overview for the card in
the reader, in a worker, and again whenever the card changes."""

from __future__ import annotations

from textual import work

from kiosk.card_state import CardState
from kiosk.core.errors import KioskError
from kiosk.core.models import Citizen
from kiosk.screens.base import ServiceScreen, unexpected
from kiosk.services.virtual_card import CardOverview, card_overview


class CardOverviewScreen(ServiceScreen):
    def __init__(self) -> None:
        super().__init__()
        self.citizen: Citizen | None = None
        self.view: CardOverview | None = None

    def on_mount(self) -> None:
        self.load()

    def card_changed(self, card: CardState) -> None:
        self.load()

    def load(self) -> None:
        self.citizen = self.kiosk.current_citizen()
        self.view = None
        if self.citizen is not None:
            self._load(self.citizen)
        self.relabel()
        self.refresh_keys()

    @work(thread=True, exclusive=True, group="card-overview", exit_on_error=False)
    def _load(self, citizen: Citizen) -> None:
        try:
            view = card_overview(self.context(), citizen)
        except KioskError as exc:
            self.app.call_from_thread(self.show_error, exc)
            return
        except Exception as exc:
            self.app.call_from_thread(self.show_error, unexpected(self.SERVICE_ID, exc))
            return
        self.app.call_from_thread(self._loaded, citizen, view)

    def _loaded(self, citizen: Citizen, view: CardOverview) -> None:
        if citizen == self.citizen:  # the card may have changed while this was read
            self.view = view
            self.relabel()
            self.refresh_keys()
