"""Reviewer walk-through of the clerk services at 80×24 and 120×36, both languages: what a hurried
clerk met on screen, each pinned by a test that failed before its fix."""

from __future__ import annotations

import pytest

from data.demo import DEMO_CITIZENS
from kiosk.reader.simulated import VirtualNhiCard
from tests.conftest import TERMINAL, sign_in, wait_until
from tests.pilot.test_small_terminal import SMALL, fully_visible, settle

SIZES = pytest.mark.parametrize("size", [SMALL, TERMINAL], ids=["80x24", "120x36"])


async def _card_in(app, pilot, n: int) -> None:  # type: ignore[no-untyped-def]
    app.equipment.reader.insert(VirtualNhiCard.from_citizen(DEMO_CITIZENS[n]))
    await wait_until(pilot, lambda: app.card.result is not None)


@SIZES
@pytest.mark.parametrize("locale", ["zh_TW", "en"])
@pytest.mark.parametrize("key", ["f10", "f11"])
async def test_card_overview_opens_with_title_and_citizen_in_view(make_kiosk, size, locale, key):
    """F10/F11 opened scrolled down at 80×24: the service title and whose card it is were off screen,
    and after the card was pulled the 'insert the card' line too."""
    app = make_kiosk(locale=locale)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await _card_in(app, pilot, 1)
        await pilot.press(key)
        await wait_until(pilot, lambda: getattr(app.screen, "view", None) is not None)
        await settle(pilot)
        for part in ("#service-title", "#service-citizen"):
            assert fully_visible(app, app.screen.query_one(part)), part
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: app.screen.citizen is None)
        await settle(pilot)
        assert fully_visible(app, app.screen.query_one("#service-citizen"))


async def test_english_card_panel_and_f6_show_dates_in_english(make_kiosk):
    """The English card panel read 'Born 民國69年05月17日'; F6 'Applied on the web: 民國…'."""
    from tests.pilot.test_small_terminal import region_text

    app = make_kiosk(locale="en")
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot)
        await _card_in(app, pilot, 3)  # 李淑芬, born 1968-07-21, web registration pending
        await settle(pilot)
        panel = region_text(app, app.screen.query_one("#card").region)
        assert "1968-07-21" in panel
        assert "民國" not in panel
        await pilot.press("f6")
        await wait_until(pilot, lambda: "Applied" in region_text(app, app.screen.region))
        await settle(pilot)
        assert "民國" not in region_text(app, app.screen.region)


@SIZES
@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_f8_device_state_visible(make_kiosk, size, locale):
    """At 80×24 F8's table was wider than the screen: the 狀態 column (what D/E/U act on) and the end of
    最後使用 were cut off."""
    from kiosk.i18n import t
    from tests.pilot.test_small_terminal import region_text, squeezed

    app = make_kiosk(locale=locale)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await _card_in(app, pilot, 1)  # 林美華: two devices, one enabled
        await pilot.press("f8")
        await wait_until(pilot, lambda: len(getattr(app.screen, "devices", [])) == 2)
        await settle(pilot)
        table = app.screen.query_one("#device-table")
        shown = squeezed(region_text(app, table.region))
        for col in ("name", "bound", "used", "state"):
            assert squeezed(t(f"devices.col_{col}")) in shown, col
        assert squeezed(t("devices.enabled")) in shown
        assert table.region.right <= app.screen.size.width
        assert table.virtual_size.width <= table.region.width


async def test_capital_letters_work_like_the_key_bar_shows_them(make_kiosk):
    """The key bar and the question show U, Y: with Caps Lock on (or Shift) F8's U and the dialog's Y
    did nothing, leaving the clerk at a question that would not take its answer."""
    from kiosk.screens.confirm import ConfirmScreen

    app = make_kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot)
        await _card_in(app, pilot, 1)
        await pilot.press("f8")
        await wait_until(pilot, lambda: len(getattr(app.screen, "devices", [])) == 2)
        await pilot.press("down", "U")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("Y")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen)
                         and app.screen.devices[1].unbound_at is not None)


@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_f3_typed_id_still_offered_when_the_card_in_the_reader_is_refused(make_kiosk, locale):
    """F3 with a deregistered citizen's card left in the reader: the refusal replaced the form and
    I (type the ID of a citizen whose card is lost) did nothing; the typed ID went nowhere and the
    Enter after it left the service."""
    from kiosk.i18n import t
    from widgets.key_bar import KeyBar

    app = make_kiosk(locale=locale)
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot)
        await _card_in(app, pilot, 5)  # 黃怡君, deregistered
        await pilot.press("f3")
        await wait_until(pilot, lambda: getattr(app.screen, "refused", None) is not None)
        assert ("i", t("dereg.key_type_id")) in app.screen.query_one(KeyBar).keys
        await pilot.press("i", *"F223456786", "enter")
        await wait_until(pilot, lambda: app.screen.subject is not None)
        assert app.screen.subject.citizen.national_id == "F223456786"
        assert app.screen.step == "document"
        assert app.screen.refused is None
        assert app.screen.other_card_warning()  # 黃怡君's card is still in the reader


@pytest.mark.parametrize(("locale", "expected"), [("en", "ready, 2 queued"), ("zh_TW", "就緒，待印 2 張")])
async def test_status_bar_queued_receipts_in_the_screen_language(make_kiosk, locale, expected):
    """The English status bar read 'Printer ready，1 queued' (a Chinese comma)."""
    app = make_kiosk(locale=locale)
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot)
        app.printer.queued = 2
        app._update_status()
        assert app.status.printer == expected


@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_f4_finished_no_longer_asks_for_a_password(make_kiosk, locale):
    """After 註冊密碼已重設 the screen still said 請將鍵盤交給民眾…輸入註冊密碼 above two empty
    password fields: a citizen would type again."""
    from kiosk.i18n import t
    from tests.pilot.test_small_terminal import region_text, squeezed

    app = make_kiosk(locale=locale)
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot)
        await _card_in(app, pilot, 1)
        await pilot.press("f4")
        await wait_until(pilot, lambda: getattr(app.screen, "subject", None) is not None)
        await pilot.press(*"Abc123", "enter", *"Abc123", "enter")
        await wait_until(pilot, lambda: app.screen.finished)
        await settle(pilot)
        shown = squeezed(region_text(app, app.screen.region))
        assert squeezed(t("pw.done"))[:10] in shown
        assert squeezed(t("pw.turn"))[:10] not in shown
        assert squeezed(t("pw.again")) not in shown


@pytest.mark.parametrize("start", ["zh_TW", "en"])
async def test_f7_finished_then_language_switch_keeps_the_result(make_kiosk, start):
    """F7 done, then Ctrl+T: the citizen line stayed in the old language and the success message
    turned back into the review prompt ('Enter saves'), on a screen where Enter leaves."""
    from kiosk.i18n import t

    app = make_kiosk(locale=start)
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot)
        await _card_in(app, pilot, 6)  # 吳建宏, registered
        await pilot.press("f7")
        await wait_until(pilot, lambda: getattr(app.screen, "subject", None) is not None)
        await pilot.press("enter", *"(02)2345-6789", "enter", "f10")
        await wait_until(pilot, lambda: app.screen.step == "review")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.finished)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: app.locale != start)
        await settle(pilot)
        message = str(app.screen.query_one("#service-message").render())
        citizen = str(app.screen.query_one("#service-citizen").render())
        assert message == t("contact.done", n=1)
        assert citizen.startswith(t("acct.subject", name="", id="", state="")[:2])


async def test_f9_g_pressed_twice_asks_before_voiding_the_code_just_issued(make_kiosk):
    """G G (a double press) issued two codes: the first, already printed and handed over, was void."""
    from kiosk.screens.confirm import ConfirmScreen

    app = make_kiosk()
    async with app.run_test(size=SMALL) as pilot:
        await sign_in(pilot)
        await _card_in(app, pilot, 1)
        await pilot.press("f9")
        await wait_until(pilot, lambda: getattr(app.screen, "citizen", None) is not None)
        await pilot.press("g", "g")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        first = app.screen.code
        assert first is not None
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: getattr(app.screen, "code", None) not in (None, first))
