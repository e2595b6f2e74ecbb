"""A card pulled while its read is blocked: the panel says the card was removed, whichever of the read's
failure and the reader's removal event arrives first, and a stale read never shows a removed card."""

from __future__ import annotations

import threading

from data.demo import DEMO_CITIZENS
from kiosk.reader.port import Response, card_removed_during_read
from kiosk.reader.simulated import SimulatedReader, VirtualNhiCard
from tests.conftest import TERMINAL, sign_in, wait_until
from widgets.card_panel import CardPanel


class GatedReader(SimulatedReader):
    """A reader whose card blocks every APDU until ``gate`` opens, then fails with ``fail_with`` or
    answers as the card would (even after the card left: a read that was already under way)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.fail_with: Exception | None = None
        self.finished = threading.Event()

    def connect(self):  # type: ignore[no-untyped-def]
        card = self.card
        assert card is not None
        conn = super().connect()
        reader = self

        class Gated:
            atr = conn.atr

            def transmit(self, apdu: bytes) -> Response:
                reader.gate.wait(10)
                if reader.fail_with is not None:
                    reader.finished.set()
                    raise reader.fail_with
                answer = card.respond(apdu)
                return Response(answer[:-2], answer[-2], answer[-1])

            def close(self) -> None:
                reader.finished.set()

        return Gated()


def _panel(app) -> str:  # type: ignore[no-untyped-def]
    card = app.screen.query_one(CardPanel).card
    return card.message if card else ""


async def _inserted_and_blocked(pilot, reader: GatedReader) -> None:  # type: ignore[no-untyped-def]
    await sign_in(pilot)
    reader.insert(VirtualNhiCard.from_citizen(DEMO_CITIZENS[1]))
    await wait_until(pilot, lambda: pilot.app.card.reading)


async def test_read_fails_as_removed_then_the_removal_event_keeps_the_message(make_kiosk):
    reader = GatedReader()
    app = make_kiosk(reader=reader)
    async with app.run_test(size=TERMINAL) as pilot:
        await _inserted_and_blocked(pilot, reader)
        reader.fail_with = card_removed_during_read()
        reader.gate.set()
        await wait_until(pilot, lambda: app.card.error is not None)
        reader.remove()  # the monitor reports the removal after the read already failed
        await wait_until(pilot, lambda: app.reader_state.value == "empty")
        await pilot.pause()
        assert "讀卡中卡片被取出" in _panel(app)


async def test_removal_during_a_blocked_read_says_so_and_a_late_answer_is_dropped(make_kiosk):
    reader = GatedReader()
    app = make_kiosk(reader=reader)
    async with app.run_test(size=TERMINAL) as pilot:
        await _inserted_and_blocked(pilot, reader)
        reader.remove()
        await wait_until(pilot, lambda: app.reader_state.value == "empty")
        await pilot.pause()
        assert "讀卡中卡片被取出" in _panel(app)
        reader.gate.set()  # the blocked read now returns the pulled card's data
        await wait_until(pilot, reader.finished.is_set)
        await wait_until(pilot, lambda: not any(w.group == "card" and w.is_running for w in app.workers))
        await pilot.pause()
        assert app.card.result is None
        assert "讀卡中卡片被取出" in _panel(app)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: "removed during the read" in _panel(app))
