"""The card in the reader: reader events and reads turned into one ``CardState``, with a generation
number that changes whenever a read starts or the card leaves (Textual-free; the App holds one).

A read that was overtaken (the card pulled or replaced while it ran) answers a generation that is
no longer current and is dropped, so its late answer never shows a card that is no longer there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from kiosk.core.errors import CardError, KioskError, ReaderUnavailable
from kiosk.reader.port import CardRemoved, card_removed_during_read

if TYPE_CHECKING:
    from kiosk.core.correction import CardCorrection
    from kiosk.core.models import Citizen
    from kiosk.reader.service import ReadResult


@dataclass(frozen=True)
class CardState:
    """What the app knows about the card in the reader right now."""

    reading: bool = False
    result: ReadResult | None = None
    account_state: str | None = None
    error: KioskError | None = None
    correction: CardCorrection | None = None  # the name/ID the clerk corrected from the document

    @property
    def needs_correction(self) -> bool:
        rec = self.result.record if self.result is not None else None
        return rec is not None and self.correction is None and (rec.name_suspect or not rec.id_valid)

    def citizen(self) -> Citizen | None:
        """The citizen on the card, if it was read and its ID is valid, or as the clerk corrected it
        from the identity document."""
        from kiosk.reader.service import citizen_from_record

        result, correction = self.result, self.correction
        if result is None:
            return None
        if correction is not None:
            record = replace(result.record, national_id=correction.national_id, id_valid=True,
                             name=correction.name, name_suspect=False)
            return citizen_from_record(record)
        if not result.record.id_valid:
            return None
        return citizen_from_record(result.record)


class CardTracker:
    """Which read is current, and the clerk's correction of the card in the reader: kept while
    that card stays in (a re-read after a service keeps it), forgotten when it leaves or the clerk
    signs out."""

    def __init__(self) -> None:
        self.generation = 0
        self.pending: int | None = None  # the generation of the read under way, None when none is
        self._correction: tuple[str, CardCorrection] | None = None

    def start_read(self) -> int:
        self.generation += 1
        self.pending = self.generation
        return self.generation

    def gone(self, current: CardState, *, removed: bool) -> CardState:
        """The card left (or the reader or service did). A card pulled while its read was under way
        says so, whichever came first, the read's failure or this event."""
        in_flight = self.pending is not None
        self.generation += 1
        self.pending = None
        self._correction = None
        kept = current.error if isinstance(current.error, CardRemoved | ReaderUnavailable) else None
        if removed and in_flight:
            kept = card_removed_during_read()
        return CardState(error=kept)

    def read(self, generation: int, result: ReadResult, account_state: str | None) -> CardState | None:
        """The state a finished read gives, or None when the read was overtaken."""
        if generation != self.pending:
            return None
        self.pending = None
        return CardState(result=result, account_state=account_state, correction=self.correction_for(result))

    def failed(self, generation: int, error: KioskError) -> CardState | None:
        if generation != self.pending:
            return None
        self.pending = None
        if not isinstance(error, CardError):
            error = CardError(error.message, error.action, message_en=error.message_en, action_en=error.action_en)
        return CardState(error=error)

    def correction_for(self, result: ReadResult) -> CardCorrection | None:
        kept = self._correction
        rec = result.record
        if kept is None:
            return None
        card_number, correction = kept
        same = (card_number, correction.card_id, correction.card_name) == (rec.card_number, rec.national_id, rec.name)
        return correction if same else None

    def correct(self, current: CardState, correction: CardCorrection, account_state: str) -> CardState | None:
        """Serve the corrected identity for the card in the reader (already checked and audited)."""
        result = current.result
        if result is None:
            return None
        self._correction = (result.record.card_number, correction)
        return CardState(result=result, account_state=account_state, correction=correction)

    def forget_correction(self) -> None:
        self._correction = None
