"""What the App itself asks of the store: the account state of the card in the reader, a refusal
to record, the demo cards' notes. Called from worker threads only (never the UI thread)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from data import accounts

if TYPE_CHECKING:
    from data.store import Store
    from kiosk.core.models import Citizen
    from kiosk.reader.port import CardReader
    from kiosk.services.context import ServiceContext


def account_state(store: Store, national_id: str) -> str:
    """The account state of this ID as the card panel shows it ("unregistered" when none)."""
    account = accounts.get_account(store, national_id)
    return account.state.value if account else "unregistered"


def record_refusal(ctx: ServiceContext, service_id: str) -> None:
    """A staff member tried a service their role does not allow: recorded."""
    with ctx.store.transaction():
        ctx.audit("permission_denied", subject_id=None, outcome="refused", detail={"service": service_id})


def demo_note_keys(store: Store, cards: list[Citizen]) -> list[str]:
    """The locale key of each demo card's note: its account state, or the problem it shows."""
    from data.demo import DEMO_BAD_ID_CARD, DEMO_BAD_NAME_CARD

    keys = []
    for citizen in cards:
        if citizen == DEMO_BAD_NAME_CARD:
            keys.append("demo.bad_name")
        elif citizen == DEMO_BAD_ID_CARD:
            keys.append("demo.bad_id")
        else:
            keys.append(f"account.{account_state(store, citizen.national_id)}")
    return keys


def insert_demo_card(reader: CardReader, citizen: Citizen) -> None:
    """Put this demo citizen's card in a simulated reader (the one in it comes out first)."""
    from data.demo import demo_card
    from kiosk.reader.simulated import SimulatedReader

    if isinstance(reader, SimulatedReader):
        if reader.card is not None:
            reader.remove()
        reader.insert(demo_card(citizen))


def remove_demo_card(reader: CardReader) -> bool:
    """Take the card out of a simulated reader; False when there was none."""
    from kiosk.reader.simulated import SimulatedReader

    if isinstance(reader, SimulatedReader) and reader.card is not None:
        reader.remove()
        return True
    return False
