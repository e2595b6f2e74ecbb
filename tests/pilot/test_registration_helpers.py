"""Shared steps for the registration pilot and snapshot tests and the keystroke count (no tests here;
the name keeps it inside the registration test files)."""

from __future__ import annotations

from data.demo import DEMO_CITIZENS
from kiosk.reader.simulated import VirtualNhiCard
from tests.conftest import wait_until

UNREGISTERED = "A123456789"
ACTIVE = "F223456786"
LOCKED = "B120000008"
PENDING = "H220001110"
DEREGISTERED = "S224567895"
BATCH = "E123454323"

PASSWORD = "Ab1x@yz9"


def citizen(national_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in DEMO_CITIZENS if c.national_id == national_id)


class StaffKeys:
    """Presses keys, counting the staff's keys apart from the data typed (characters)."""

    def __init__(self, pilot) -> None:  # type: ignore[no-untyped-def]
        self.pilot = pilot
        self.staff = 0
        self.log: list[str] = []

    async def key(self, *keys: str) -> None:
        self.staff += len(keys)
        self.log += keys
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        await self.pilot.press(*text)


def note(app, name: str) -> str:  # type: ignore[no-untyped-def]
    label = app.screen.query_one(f"#{name}-note")
    return str(label.render()) if label.display else ""


def text_of(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    """The plain text a Label or Static shows (tables and groups rendered as a console would)."""
    from rich.console import Console

    content = app.screen.query_one(selector).content
    if isinstance(content, str):
        return content
    console = Console(width=116, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(content)
    return console.export_text()


async def insert(pilot, national_id: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    app.equipment.reader.insert(VirtualNhiCard.from_citizen(citizen(national_id)))
    await wait_until(pilot, lambda: app.card.result is not None
                     and app.card.result.record.national_id == national_id)


async def open_wizard(pilot, national_id: str | None, keys: StaffKeys | None = None):  # type: ignore[no-untyped-def]
    """Card in (if given), F2, and wait until the wizard has decided whether this person may register."""
    from kiosk.screens.registration import RegistrationScreen

    app = pilot.app
    if national_id:
        await insert(pilot, national_id)
    if keys:
        await keys.key("f2")
    else:
        await pilot.press("f2")
    await wait_until(pilot, lambda: isinstance(app.screen, RegistrationScreen))
    screen = app.screen
    if national_id:
        await wait_until(pilot, lambda: screen._eligibility is not None
                         and screen._eligibility.kind in ("ok", "error"))
    return screen


async def to_contact(pilot, keys: StaffKeys, password: str = PASSWORD, document: str = "1") -> None:
    await keys.key(document)
    await keys.type(password)
    await keys.key("enter")
    await keys.type(password)
    await keys.key("enter")
    await wait_until(pilot, lambda: pilot.app.screen.step == "contact")


async def to_review(pilot, keys: StaffKeys, mobile: str = "0912345678",
                    email: str = "dawen.chen@example.com.tw", document: str = "1") -> None:
    await to_contact(pilot, keys, document=document)
    await keys.type(mobile)
    await keys.key("enter")
    await keys.type(email)
    await keys.key("f9")
    await wait_until(pilot, lambda: pilot.app.screen.step == "review")
