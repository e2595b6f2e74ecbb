"""Correcting a card's unreadable name or bad ID from the identity document (README, DOMAIN.md): the
warning shows at once, a key on the main screen opens the correction, the card's own value stays beside
the corrected one, the ID is checked, the correction is audited masked, and services serve the
corrected identity."""

from __future__ import annotations

from textual.geometry import Region

from data.audit import query_audit, verify_chain
from data.demo import DEMO_BAD_ID_CARD, DEMO_BAD_NAME_CARD, demo_card
from kiosk.screens.main import MainScreen
from tests.conftest import TERMINAL, sign_in, wait_until
from widgets.card_panel import CardPanel
from widgets.key_bar import KeyBar

CORRECT_ID = "C120000009"  # what the bad-ID card's holder's document says


def _lines(widget) -> list[str]:  # type: ignore[no-untyped-def]
    region = Region(0, 0, *widget.outer_size)  # border included: every line the terminal shows
    return ["".join(s.text for s in line).rstrip() for line in widget.render_lines(region)]


async def _insert(pilot, citizen) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    app.equipment.reader.insert(demo_card(citizen))
    await wait_until(pilot, lambda: app.card.result is not None)
    await pilot.pause()


async def test_unreadable_name_warning_is_visible_at_once(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await _insert(pilot, DEMO_BAD_NAME_CARD)
        panel = app.screen.query_one(CardPanel)
        await wait_until(pilot, lambda: any("⚠" in line for line in _lines(panel)))
        # The whole warning, wrapped, inside the border: nothing cut until a resize.
        shown = "".join(line.strip("│ ").replace(" ", "") for line in _lines(panel))
        assert "請依身分證明文件更正" in shown
        assert _lines(panel)[-1].startswith("╰")
        keys = dict(app.screen.query_one(KeyBar).keys)
        assert "ctrl+k" in keys


async def test_correct_bad_id_then_services_use_the_corrected_identity(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        await _insert(pilot, DEMO_BAD_ID_CARD)
        assert app.current_citizen() is None
        assert "ctrl+k" in dict(app.screen.query_one(KeyBar).keys)
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "CardCorrectionScreen")
        screen = app.screen
        await pilot.pause()
        # The card's own ID is shown (masked) beside the field for the document's.
        assert "C120****08" in " ".join(_lines(screen.query_one("#correction-card")))
        # A wrong checksum is refused with the rule.
        assert screen.query_one("#correction-id").has_focus  # the field that needs correcting
        await pilot.press(*"C120000008", "enter")
        await wait_until(pilot, lambda: "檢查碼" in str(screen.query_one("#correction-message").render()))
        assert query_audit(app.equipment.store, action="card_corrected") == []
        screen.query_one("#correction-id").value = ""
        await pilot.press(*CORRECT_ID, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await wait_until(pilot, lambda: app.current_citizen() is not None)
        citizen = app.current_citizen()
        assert citizen.national_id == CORRECT_ID and citizen.name == DEMO_BAD_ID_CARD.name
        rows = dict(app.screen.query_one(CardPanel).card.rows)
        assert rows["身分證號"].startswith("C120****09")
        assert "C120****08" in " ".join(rows.values())  # the card's own value kept beside
        assert app.card.account_state == "unregistered"
        (entry,) = query_audit(app.equipment.store, action="card_corrected")
        text = repr(entry)
        assert CORRECT_ID not in text and "C120000008" not in text
        assert entry.subject.startswith("C120****09")
        assert verify_chain(app.equipment.store).ok
        # A service serves the corrected identity.
        await pilot.press("f2")
        await wait_until(pilot, lambda: getattr(app.screen, "citizen", None) is not None)
        assert app.screen.citizen.national_id == CORRECT_ID
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        # A re-read of the same card (after a service) keeps the correction.
        app.reread_card()
        await wait_until(pilot, lambda: app.card.result is not None and app.current_citizen() is not None)
        assert app.current_citizen().national_id == CORRECT_ID
        # Removing the card forgets it.
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: app.card.result is None)
        await _insert(pilot, DEMO_BAD_ID_CARD)
        assert app.current_citizen() is None


async def test_correct_unreadable_name_then_the_warning_goes(make_kiosk):
    app = make_kiosk(locale="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot)
        await _insert(pilot, DEMO_BAD_NAME_CARD)
        assert app.current_citizen().name.count("\ufffd") == 2
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "CardCorrectionScreen")
        screen = app.screen
        await pilot.pause()
        assert screen.query_one("#correction-name").has_focus
        await pilot.press("enter", "enter")  # the name left unreadable: refused
        await wait_until(pilot, lambda: "name" in str(screen.query_one("#correction-message").render()))
        assert app.screen is screen
        screen.query_one("#correction-name").value = "周美萍"
        screen.query_one("#correction-name").focus()
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen)
                         and app.current_citizen().name == "周美萍")
        assert app.current_citizen().national_id == DEMO_BAD_NAME_CARD.national_id
        panel = app.screen.query_one(CardPanel)
        await wait_until(pilot, lambda: not any("⚠" in line for line in _lines(panel)))
        assert "ctrl+k" not in dict(app.screen.query_one(KeyBar).keys)
        (entry,) = query_audit(app.equipment.store, action="card_corrected")
        assert entry.detail["fields"] == ["name"] and "周美萍" not in repr(entry)
