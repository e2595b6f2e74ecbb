"""行動裝置管理作業 (F8) driven with keys: list, enable, disable, unbind; DB, audit and printed receipt."""

from __future__ import annotations

from data import devices as devices_repo
from data.audit import query_audit, verify_chain
from data.demo import DEMO_CITIZENS
from data.print_jobs import last_sent_job
from kiosk.reader.simulated import VirtualNhiCard
from kiosk.screens.confirm import ConfirmScreen
from kiosk.screens.devices import DevicesScreen
from tests.conftest import TERMINAL, settle, sign_in, wait_until

BY_ID = {c.national_id: c for c in DEMO_CITIZENS}
LIN = BY_ID["F223456786"]


def _states(app, citizen=LIN) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {d.name: d.enabled for d in devices_repo.list_devices(app.equipment.store, citizen.national_id)}


def _message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#service-message").render())


async def _open(pilot, citizen=LIN) -> DevicesScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await sign_in(pilot)
    app.equipment.reader.insert(VirtualNhiCard.from_citizen(citizen))
    await wait_until(pilot, lambda: app.card.result is not None)
    await pilot.press("f8")
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen) and bool(app.screen.devices))
    return app.screen


async def test_lists_devices_newest_first_with_roc_times(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        assert [d.name for d in screen.devices] == ["Apple iPhone 15", "Samsung Galaxy A54"]
        table = screen.query_one("#device-table")
        assert table.row_count == 2
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0] == "Apple iPhone 15" and row[1].startswith("民國115年") and row[3] == "啟用"
        assert "F223****86" in str(screen.query_one("#service-citizen").render())


async def test_enable_second_device_disables_the_first_and_prints(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot)
        await pilot.press("down", "e")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 1)
        assert _states(app) == {"Apple iPhone 15": False, "Samsung Galaxy A54": True}
        (entry,) = query_audit(app.equipment.store, action="device_enabled")
        assert {d["name"]: d["enabled"] for d in entry.detail["after"]} == _states(app)
        assert last_sent_job(app.equipment.store).kind == "device_enabled"
        await wait_until(pilot, lambda: "同時停用「Apple iPhone 15」" in _message(app))
        assert str(app.screen.query_one("#device-table").get_row_at(1)[3]) == "啟用"
        assert verify_chain(app.equipment.store).ok


async def test_disable_enabled_device(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 1)
        assert _states(app) == {"Apple iPhone 15": False, "Samsung Galaxy A54": False}
        assert len(query_audit(app.equipment.store, action="device_disabled")) == 1
        assert last_sent_job(app.equipment.store).kind == "device_disabled"
        # Disabling it again is refused inline and changes nothing.
        await pilot.press("d")
        await wait_until(pilot, lambda: "已是停用" in _message(app))
        assert len(app.equipment.printer.jobs) == 1


async def test_unbind_asks_naming_the_device_then_unbinds_it(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot)
        await pilot.press("down", "u")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Samsung Galaxy A54" in app.screen.question
        await pilot.press("n")  # changed their mind: nothing happens
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await settle(pilot)
        assert len(_states(app)) == 2 and app.equipment.printer.jobs == []
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 1)
        assert _states(app) == {"Apple iPhone 15": True}
        (entry,) = query_audit(app.equipment.store, action="device_unbound")
        assert entry.detail["name"] == "Samsung Galaxy A54" and entry.detail["was_enabled"] is False
        assert last_sent_job(app.equipment.store).kind == "device_unbound"
        assert [(d.name, d.unbound) for d in app.screen.devices] == [("Apple iPhone 15", False),
                                                                     ("Samsung Galaxy A54", True)]


async def test_card_removal_empties_the_list(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        app.equipment.reader.remove()
        await wait_until(pilot, lambda: screen.citizen is None and not screen.devices)
        assert screen.query_one("#device-table").row_count == 0
        assert "請插入健保卡" in str(screen.query_one("#service-citizen").render())
        await pilot.press("e")
        await settle(pilot)
        assert app.equipment.printer.jobs == []


async def test_language_switch_resays_the_outcome_and_relabels_the_table(make_kiosk):
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        await _open(pilot)
        await pilot.press("down", "e")
        await wait_until(pilot, lambda: "已啟用「Samsung Galaxy A54」" in _message(app))
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: "Enabled “Samsung Galaxy A54”" in _message(app))
        assert "also disabled “Apple iPhone 15”" in _message(app)
        table = app.screen.query_one("#device-table")
        assert [str(c.label) for c in table.columns.values()] == ["Device", "Bound at", "Last used", "State"]
        assert str(table.get_row_at(1)[1]) == "2025-10-28 10:30:00"


async def test_unbind_keeps_the_row_with_its_state_and_when(make_kiosk):
    # Seed 004: the list records every device ever bound. Unbinding changes the row's state; the
    # device stays listed as 解除綁定 with the time, and can no longer be enabled.
    app = make_kiosk()
    async with app.run_test(size=TERMINAL) as pilot:
        screen = await _open(pilot)
        await pilot.press("down", "u")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "自清單移除" not in app.screen.question
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.equipment.printer.jobs) == 1)
        await wait_until(pilot, lambda: screen.query_one("#device-table").row_count == 2)
        assert [d.name for d in screen.devices] == ["Apple iPhone 15", "Samsung Galaxy A54"]
        table = screen.query_one("#device-table")
        row = [str(c) for c in table.get_row_at(1)]
        assert row[0] == "Samsung Galaxy A54"
        assert row[3].startswith("已解除綁定") and "民國115年11月22日" in row[3]
        # Enabling an unbound device is refused on the screen, with nothing written.
        await pilot.press("e")
        await wait_until(pilot, lambda: "已解除綁定" in _message(app))
        assert len(app.equipment.printer.jobs) == 1
        assert query_audit(app.equipment.store, action="device_enabled") == []
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: str(table.get_row_at(1)[3]).startswith("unbound"))
