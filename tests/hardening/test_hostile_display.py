"""Rich markup and terminal escapes in card names and typed fields are shown, never obeyed.

Textual strips only BEL, BS, VT, FF and CR from text; ESC, bidi overrides and zero-width characters
pass to the terminal unless the kiosk neutralises them. So each test renders the whole screen as the
terminal would get it (the compositor's strips, toasts included, and the SVG screenshot) and checks
that no segment of *text* carries a control or format character, that no link was injected, and
that the markup is on the screen as the literal characters that were read or typed.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from textual import events
from textual.widgets import Input

from kiosk.core.correction import mask_card_name
from kiosk.core.errors import ValidationError
from kiosk.core.masking import mask_name
from kiosk.core.models import Role
from kiosk.reader.nhi import build_basic_data
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.main import MainScreen
from tests.conftest import TERMINAL, settle, sign_in, wait_until
from widgets.card_panel import CardPanel
from widgets.status_bar import StatusBar

# Every name fits the card's 20 Big5 bytes; the card can only hold ASCII controls (cp950 has no
# bidi or zero-width characters), so those are tried through the keyboard and the staff record.
CARD_NAMES = {
    "bold": b"[bold]X[/bold]",
    "closing tag alone": b"[/]\xaa\xf8",  # [/] then 林
    "link": b"[link=http://ev.il]Y",
    "clear screen": b"\xaa\xf8\x1b[2J\x1b[H",
    "window title": b"\x1b]0;pwned\x07\xaa\xf8",
    "bell and CR": b"\xaa\xf8\x07\x07\r\xac\xfc",
}

HOSTILE_TYPED = [
    "[bold]X[/bold]",
    "[/]",
    "[link=http://ev.il]click[/link]",
    "a\x1b[2Jb",
    "\x1b]0;pwned\x07",
    "bell\x07\x07",
    "cr\rover",
    "zero\u200bwidth",
    "\u202eevil",
]


def _unsafe(text: str) -> list[str]:
    return [repr(ch) for ch in text if unicodedata.category(ch) in ("Cc", "Cf")]


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """The whole screen as the terminal receives it, checked segment by segment on the way."""
    lines = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            assert not _unsafe(segment.text), f"control characters reach the terminal: {segment.text!r}"
            style = segment.style
            assert style is None or not style.link, f"a link was injected: {style.link!r}"
        lines.append(strip.text)
    svg = app.export_screenshot()
    assert "\x1b" not in svg and "\u202e" not in svg and "\x07" not in svg
    return "\n".join(lines)


def _card(name: bytes) -> VirtualNhiCard:
    return VirtualNhiCard(build_basic_data("000012345678", name, "A123456789", date(1990, 1, 1), "M",
                                           date(2018, 3, 1)))


@pytest.mark.parametrize("variant", list(CARD_NAMES))
async def test_hostile_card_name_is_shown_literally(make_kiosk, variant: str) -> None:
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        app.equipment.reader.insert(_card(CARD_NAMES[variant]))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.pause()
        record = app.card.result.record
        assert not _unsafe(record.name)
        assert record.name_suspect == any(b < 0x20 for b in CARD_NAMES[variant])
        panel = app.screen.query_one(CardPanel)
        name_row = dict(panel.card.rows)["姓名"]
        assert name_row == mask_card_name(record.name)  # masked, unreadable characters still shown
        text = screen_text(app)
        assert name_row in text  # the masked name, brackets and all, as characters
        # The registration screen (F2) shows the same card: no style, no escape there either.
        await pilot.press("f2")
        await wait_until(pilot, lambda: not isinstance(app.screen, MainScreen))
        await settle(pilot)
        screen_text(app)


async def test_markup_name_on_the_card_panel_is_not_styled(make_kiosk) -> None:
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        app.equipment.reader.insert(_card(b"[bold red]Z"))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.pause()
        panel = app.screen.query_one(CardPanel)
        value = mask_name("[bold red]Z")
        row = next(line for line in (panel.render_line(y) for y in range(panel.size.height)) if value in line.text)
        for segment in row:
            if segment.text.strip() and segment.text.strip() in value and segment.style is not None:
                red = segment.style.color is not None and segment.style.color.name == "red"
                assert not segment.style.bold and not red, segment


async def test_staff_name_with_markup_and_escapes_is_shown_literally(make_kiosk) -> None:
    """A staff name reaches the status bar and the welcome toast: it is text there, not markup, and
    its escapes are made visible. Adding such a name is refused now (StaffService.add), so the row is
    written straight to the database, as an older version or a hand-edited file could have it."""
    from data.staff import add_staff
    from kiosk.core.secrets_hash import hash_secret

    app = make_kiosk()
    name = "[bold]\x1b]0;x\x07[link=http://ev.il]王[/]\u202e"
    with pytest.raises(ValidationError):
        app.staff_service.add("S778", name, Role.CLERK, "7777")
    add_staff(app.equipment.store, "S777", name, Role.CLERK, hash_secret("7777"), now=app.equipment.clock.now())
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot, "S777", "7777")
        await wait_until(pilot, lambda: "[bold]" in app.screen.query_one(StatusBar).render().plain)
        assert "[bold]" in app.screen.query_one(StatusBar).render().plain
        text = screen_text(app)
        assert "[bold]" in text and "[link=http://ev.il]" in text
        assert "␛" in text  # the escape is there to see, not to obey
        welcome = [n for n in app._notifications if "S777" in n.message or "王" in n.message]
        assert welcome and not any(n.markup for n in welcome)


async def test_pasted_escapes_never_reach_a_field(make_kiosk) -> None:
    """A paste (the only way a control character gets past Input's printable-key filter) is cleaned
    before any field sees it: contact update form, every field."""
    from data.demo import DEMO_CITIZENS

    app = make_kiosk()
    citizen = next(c for c in DEMO_CITIZENS if c.national_id == "F223456786")
    async with app.run_test(size=TERMINAL) as pilot:
        await sign_in(pilot)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(citizen))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press("f7")
        await wait_until(pilot, lambda: not app.screen.query_one("#mobile", Input).disabled)
        for field in ("mobile", "landline", "email", "backup_email", "household_no"):
            box = app.screen.query_one(f"#{field}", Input)
            for hostile in HOSTILE_TYPED:
                box.focus()
                box.value = ""
                await pilot.pause()
                app.post_message(events.Paste(hostile))
                await pilot.pause()
                assert not _unsafe(box.value), (field, box.value)
                screen_text(app)
        # Typed markup (plain keys) is kept and shown as the characters typed.
        box = app.screen.query_one("#email", Input)
        box.focus()
        box.value = ""
        await pilot.press(*"[bold]x[/]")
        assert box.value == "[bold]x[/]"
        await pilot.press("f10")
        await settle(pilot)
        text = screen_text(app)
        assert "[bold]x[/]" in text
