"""Snapshots of 虛擬健保卡 (F10), the photo preview and 授權 (F11) at the kiosk's terminal size.

Plain ``def`` tests (pytest-textual-snapshot cannot await). The photo is drawn deterministically
and rendered with half blocks, so the preview is the same in every terminal and in CI.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw
from textual.widgets import Input

from data.demo import DEMO_CITIZENS
from kiosk.reader.simulated import VirtualNhiCard
from tests.conftest import sign_in, wait_until

LIN = DEMO_CITIZENS[1]  # F223456786: approved card, authorizations


def _settle(pilot):  # type: ignore[no-untyped-def]
    pilot.app.clear_notifications()
    return pilot.pause()


def _portrait(path: Path) -> Path:
    """A stylised half-length portrait: background, face, eyes, mouth, shoulders."""
    image = Image.new("RGB", (900, 1200), (200, 220, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 700, 700, 1200), fill=(40, 60, 120))
    draw.ellipse((300, 250, 600, 650), fill=(235, 200, 170))
    draw.pieslice((290, 220, 610, 480), 180, 360, fill=(60, 40, 30))
    draw.ellipse((365, 400, 415, 450), fill=(30, 30, 30))
    draw.ellipse((485, 400, 535, 450), fill=(30, 30, 30))
    draw.rectangle((400, 540, 500, 560), fill=(170, 60, 60))
    image.save(path, "JPEG", quality=90)
    return path


async def _open(pilot, key: str = "f10"):  # type: ignore[no-untyped-def]
    await sign_in(pilot)
    pilot.app.equipment.reader.insert(VirtualNhiCard.from_citizen(LIN))
    await wait_until(pilot, lambda: pilot.app.card.result is not None)
    await pilot.press(key)
    await wait_until(pilot, lambda: getattr(pilot.app.screen, "view", None) is not None)


def test_status_zh(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _open(pilot)
        await _settle(pilot)

    assert snap_compare(make_kiosk(), terminal_size=size, run_before=before)


def test_status_en(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _open(pilot)
        await _settle(pilot)

    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=before)


def test_revoke_confirm(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        from kiosk.screens.confirm import ConfirmScreen

        await _open(pilot)
        await _settle(pilot)  # the toasts under a modal are not redrawn after it opens
        await pilot.press("r", "1")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await _settle(pilot)

    assert snap_compare(make_kiosk(), terminal_size=size, run_before=before)


def test_photo_preview(snap_compare, make_kiosk, tmp_path, size):
    photo = _portrait(tmp_path / "portrait.jpg")

    async def before(pilot):  # type: ignore[no-untyped-def]
        await _open(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: pilot.app.screen.query("#photo-path"))
        pilot.app.screen.query_one("#photo-path", Input).value = str(photo)
        await pilot.press("enter")
        await wait_until(pilot, lambda: getattr(pilot.app.screen, "step", "") == "step-preview")
        await _settle(pilot)

    assert snap_compare(make_kiosk(), terminal_size=size, run_before=before)


def test_authorizations_list(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _open(pilot, "f11")
        await _settle(pilot)

    assert snap_compare(make_kiosk(), terminal_size=size, run_before=before)


def _photo_source(locale: str):  # type: ignore[no-untyped-def]
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _open(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: pilot.app.screen.query("#photo-path"))
        # A fixed path, so the snapshot does not depend on where the test runs.
        pilot.app.screen.query_one("#photo-path", Input).value = "/home/counter01/camera/2026-11-22"
        await _settle(pilot)

    return before


def test_photo_source_zh(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(), terminal_size=size, run_before=_photo_source("zh_TW"))


def test_photo_source_en(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=_photo_source("en"))


def test_authorizations_list_en(snap_compare, make_kiosk, size):
    async def before(pilot):  # type: ignore[no-untyped-def]
        await _open(pilot, "f11")
        await _settle(pilot)

    assert snap_compare(make_kiosk(locale="en"), terminal_size=size, run_before=before)
