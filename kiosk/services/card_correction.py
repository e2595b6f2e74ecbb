"""Correcting the card's name or ID from the identity document: checked, audited (masked), and
handed back for the app to serve instead of what the chip says."""

from __future__ import annotations

from dataclasses import dataclass

from data import accounts as accounts_repo
from kiosk.core.correction import CardCorrection, correct
from kiosk.core.masking import mask_card_number, mask_id, mask_name
from kiosk.core.permissions import Action
from kiosk.services.context import ServiceContext


@dataclass(frozen=True)
class Corrected:
    correction: CardCorrection
    account_state: str  # of the corrected ID, as the card panel shows it


def correct_card(ctx: ServiceContext, *, card_id: str, card_name: str, card_number: str, national_id: str,
                 name: str, name_suspect: bool = False) -> Corrected:
    """Check the correction and record it: one audit entry naming the corrected person (masked, the full
    ID only hashed) with the card's own values masked beside. No receipt: nothing changed for the
    citizen yet; the service that follows prints one under the corrected identity."""
    ctx.require(Action.COUNTER_SERVICE)
    fix = correct(card_id, card_name, national_id=national_id, name=name, name_suspect=name_suspect)
    with ctx.store.transaction():
        account = accounts_repo.get_account(ctx.store, fix.national_id)
        ctx.audit("card_corrected", subject_id=fix.national_id, subject_name=fix.name, detail={
            "fields": list(fix.fields),
            "card_id": mask_id(card_id),
            "card_name": mask_name(card_name),
            "card_number": mask_card_number(card_number),
        })
    return Corrected(fix, account.state.value if account else "unregistered")
