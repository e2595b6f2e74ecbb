"""At 80×24 (a common console size) every screen stays usable: the focused field is always on screen,
the status bar and the key bar are not cut, texts wrap instead of being clipped. Checked on what the
terminal would show (the composited screen), not on widget contents."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input

from data.demo import DEMO_CITIZENS
from kiosk.reader.simulated import VirtualNhiCard
from tests.conftest import TERMINAL, sign_in, wait_until
from tests.pilot.test_registration_helpers import UNREGISTERED, StaffKeys, open_wizard, to_contact
from widgets.key_bar import KeyBar, key_display
from widgets.status_bar import StatusBar

SMALL = (80, 24)
SIZES = pytest.mark.parametrize("size", [SMALL, TERMINAL], ids=["80x24", "120x36"])


def region_text(app, region: Region) -> str:  # type: ignore[no-untyped-def]
    """What the terminal shows inside ``region``, row by row, rows joined with newlines."""
    strips = app.screen._compositor.render_strips()
    rows = []
    for y in range(max(region.y, 0), min(region.bottom, len(strips))):
        rows.append(strips[y].crop(region.x, region.right).text)
    return "\n".join(rows)


def squeezed(text: str) -> str:
    """Text without spaces, line breaks and frame characters: a wrapped sentence reads as one."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in "│▊▎▌")


def usable_region(app) -> Region:  # type: ignore[no-untyped-def]
    """The part of the screen between the header and the status/key bars."""
    screen = app.screen
    top = 0
    for header in screen.query("Header, #banner"):
        top = max(top, header.region.bottom)
    bottom = min((bar.region.y for bar in screen.query("StatusBar, KeyBar")), default=screen.size.height)
    return Region(0, top, screen.size.width, bottom - top)


def fully_visible(app, widget: Widget) -> bool:  # type: ignore[no-untyped-def]
    region = widget.region
    return bool(region) and usable_region(app).contains_region(region)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let scrolling and layout triggered by the last key finish."""
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


# --- status bar and key bar ------------------------------------------------------------------------


@SIZES
@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_status_bar_shows_every_part_uncut(make_kiosk, size, locale):
    app = make_kiosk(locale=locale)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        app.clear_notifications()
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(DEMO_CITIZENS[0]))
        await wait_until(pilot, lambda: app.card.result is not None)
        await settle(pilot)
        bar = app.screen.query_one(StatusBar)
        shown = squeezed(region_text(app, bar.region))
        info = bar.info
        assert "…" not in shown
        for label, value in zip(info.labels, (info.staff, info.counter, info.reader, info.printer,
                                              info.database), strict=True):
            assert squeezed(f"{label} {value}") in shown, (label, value, shown)
        assert squeezed(info.demo) in shown


def _assert_key_bar_whole(app) -> None:  # type: ignore[no-untyped-def]
    """Every key and its label on screen, none cut with an ellipsis."""
    bar = app.screen.query_one(KeyBar)
    shown = squeezed(region_text(app, bar.region))
    assert "…" not in shown
    for key, label in bar.keys:
        assert squeezed(f"{key_display(key)}{label}") in shown, (key, label, shown)


@SIZES
@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_key_bar_shows_every_key_uncut(make_kiosk, size, locale):
    app = make_kiosk(locale=locale)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        app.clear_notifications()
        await settle(pilot)
        _assert_key_bar_whole(app)


# --- texts that were clipped -----------------------------------------------------------------------


@SIZES
async def test_lock_screen_hint_is_whole(make_kiosk, size):
    app = make_kiosk()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: app.screen.query("#locked-hint") and app.screen.is_mounted)
        await settle(pilot)
        hint = app.screen.query_one("#locked-hint")
        shown = squeezed(region_text(app, hint.region))
        assert shown.endswith("或由其他人員登入。"), shown
        assert fully_visible(app, app.screen.focused)


@SIZES
@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_main_prompt_is_whole(make_kiosk, size, locale):
    app = make_kiosk(locale=locale)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        prompt = app.screen.query_one("#prompt")
        from kiosk.i18n import t

        assert squeezed(t("main.choose")) in squeezed(region_text(app, prompt.region))


@SIZES
async def test_login_fields_fit(make_kiosk, size):
    app = make_kiosk()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for field in app.screen.query(Input):
            assert fully_visible(app, field), field.id
        assert fully_visible(app, app.screen.query_one("#login-hint"))


# --- the focused field is always on screen ----------------------------------------------------------


@SIZES
@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_registration_focused_field_always_visible(make_kiosk, size, locale):
    app = make_kiosk(locale=locale)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        keys = StaffKeys(pilot)
        await keys.key("1")
        await settle(pilot)
        assert fully_visible(app, screen.focused), screen.focused
        await keys.type("Ab1x@yz9")
        await keys.key("enter")
        await settle(pilot)
        assert fully_visible(app, screen.focused), screen.focused
        await keys.type("Ab1x@yz9")
        await keys.key("enter")
        await wait_until(pilot, lambda: screen.step == "contact")
        seen = []
        for _ in range(5):
            await settle(pilot)
            assert isinstance(screen.focused, Input)
            seen.append(screen.focused.id)
            assert fully_visible(app, screen.focused), screen.focused.id
            label = screen.query_one(f"#{screen.focused.id}-label")
            assert fully_visible(app, label), label.id
            await pilot.press("tab")
        assert "landline" in seen


@SIZES
async def test_registration_contact_hints_readable(make_kiosk, size):
    """A field's hint (例 0912345678…) is not squeezed into a column a few characters wide."""
    app = make_kiosk()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        screen = await open_wizard(pilot, UNREGISTERED)
        await to_contact(pilot, StaffKeys(pilot))
        await settle(pilot)
        hint = screen.query_one("#mobile-hint")
        assert hint.region.width >= 30, hint.region


@SIZES
async def test_photo_path_visible_and_whole(make_kiosk, size, tmp_path):
    from kiosk.screens.virtual_card import VirtualCardScreen
    from kiosk.screens.virtual_card_photo import PhotoReplacementScreen

    app = make_kiosk()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        app.equipment.reader.insert(VirtualNhiCard.from_citizen(DEMO_CITIZENS[1]))
        await wait_until(pilot, lambda: app.card.result is not None)
        await pilot.press("f10")
        await wait_until(pilot, lambda: isinstance(app.screen, VirtualCardScreen) and app.screen.view is not None)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PhotoReplacementScreen) and app.screen.is_mounted)
        await settle(pilot)
        path = app.screen.query_one("#photo-path", Input)
        assert app.screen.focused is path
        assert fully_visible(app, path)
        assert path.region.right <= size[0]
        assert fully_visible(app, app.screen.query_one("#vc-path-label"))
        await pilot.press(*str(tmp_path)[:20])
        await settle(pilot)
        assert fully_visible(app, path)


def test_region_text_counts_wide_characters():
    """The helper crops by terminal cells: a CJK character is two cells."""
    assert cell_len("臨櫃") == 4


@SIZES
@pytest.mark.parametrize("locale", ["zh_TW", "en"])
async def test_audit_viewer_key_bar_shows_every_key_uncut(make_kiosk, size, locale):
    """F12 has nine keys: at 80 columns they did not fit one line and F6 was cut off."""
    from kiosk.screens.audit import AuditScreen

    app = make_kiosk(locale=locale)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "S900", "9999")
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen))
        app.clear_notifications()
        await settle(pilot)
        _assert_key_bar_whole(app)
