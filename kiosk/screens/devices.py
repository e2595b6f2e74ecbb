"""行動裝置管理作業 (F8): the devices bound to the citizen's ID; enable, disable, unbind.

Seed 004: one ID may bind many devices but only one is enabled at a time, and many IDs may share a
device. The rules live in ``kiosk.services.devices``; this screen lists, asks and shows results.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Label

from kiosk.core.clock import TAIPEI
from kiosk.core.errors import KioskError
from kiosk.core.masking import mask_id, mask_name
from kiosk.core.models import Citizen, DeviceBinding
from kiosk.core.rocdate import format_datetime_en, format_roc_date, format_roc_datetime
from kiosk.i18n import get_locale, t
from kiosk.screens.base import ServiceScreen
from kiosk.screens.confirm import ConfirmScreen
from kiosk.services import devices as svc

if TYPE_CHECKING:
    from kiosk.app import CardState
    from kiosk.services.context import ServiceContext


def when(dt: datetime | None) -> str:
    """A date-time in the interface language: ROC for Chinese, ISO-like for English."""
    if dt is None:
        return t("devices.never")
    return format_roc_datetime(dt) if get_locale() == "zh_TW" else format_datetime_en(dt)


def when_compact(dt: datetime | None) -> str:
    """The table's form on a narrow terminal (80 columns): ``115-08-22 04:55`` keeps every column,
    the state the keys act on included, on screen. English is short enough already."""
    if dt is None or get_locale() != "zh_TW":
        return when(dt)
    local = dt.astimezone(TAIPEI) if dt.tzinfo is not None else dt
    return f"{format_roc_date(local.date())} {local:%H:%M}"


def citizen_line(citizen: Citizen | None, account_state: str | None = None) -> str:
    """Who is being served, masked, with the account state the card panel shows."""
    if citizen is None:
        return t("card.none")
    line = f"{mask_name(citizen.name)}　{mask_id(citizen.national_id)}"
    if account_state:
        line += "　" + t("devices.account", state=t("account." + account_state))
    return line


def state_cell(device: DeviceBinding, *, compact: bool = False) -> Text:
    """The device's state; an unbound one says so with when (seed 004 keeps every device listed)."""
    if device.unbound_at is not None:
        at = when_compact(device.unbound_at) if compact else when(device.unbound_at)
        return Text(t("devices.unbound", at=at), style="dim")
    if device.enabled:
        return Text(t("devices.enabled"), style="bold green")
    return Text(t("devices.disabled"))


NARROW = 100  # the app's "-narrow" breakpoint


class DevicesScreen(ServiceScreen):
    SERVICE_ID = "devices"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "enable", show=False),
        Binding("d", "disable", show=False),
        Binding("u", "unbind", show=False),
    ]
    DEFAULT_CSS = """
    DevicesScreen #device-table { height: auto; max-height: 16; margin: 1 1 0 1; }
    DevicesScreen #devices-rule { margin: 1 1 0 1; color: $text-muted; width: 1fr; }
    DevicesScreen #service-message { margin-top: 1; padding: 0 1; }  /* .error (app.tcss) resets margins */
    """

    def __init__(self) -> None:
        super().__init__()
        self.citizen: Citizen | None = None
        self.devices: list[DeviceBinding] = []
        # The last message as a function of the language, so Ctrl+T re-says it.
        self._say: Callable[[], str] | None = None

    def compose_body(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(id="device-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Label(id="devices-rule")

    def on_resize(self) -> None:
        self.fill_table()

    def on_mount(self) -> None:
        # Textual also runs ServiceScreen.on_mount (handlers are called along the MRO): no super().
        self.citizen = self.kiosk.current_citizen()
        self.query_one(DataTable).focus()
        self.load()

    def relabel(self) -> None:
        self.set_citizen_line(citizen_line(self.citizen, self.kiosk.card.account_state))
        self.query_one("#devices-rule", Label).update(t("devices.rule"))
        self.fill_table()
        if self._say is not None:
            self.show_message(self._say())

    def say(self, message: Callable[[], str], *, error: bool = False) -> None:
        self._say = message
        self.show_message(message(), error=error)

    def show_error(self, error: KioskError) -> None:
        self._say = None
        super().show_error(error)

    def keys(self) -> list[tuple[str, str]]:
        """Only what applies to the highlighted device now (enable needs an active account)."""
        keys: list[tuple[str, str]] = []
        row = self.query_one(DataTable).cursor_row
        device = self.devices[row] if self.citizen is not None and 0 <= row < len(self.devices) else None
        if device is not None:
            if not device.enabled and self.kiosk.card.account_state == "active":
                keys.append(("e", t("devices.key_enable")))
            if device.enabled:
                keys.append(("d", t("devices.key_disable")))
            keys.append(("u", t("devices.key_unbind")))
        return [*keys, ("escape", t("key.back")), ("f1", t("key.help"))]

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.refresh_keys()

    def card_changed(self, card: CardState) -> None:
        citizen = self.kiosk.current_citizen()
        if citizen == self.citizen:
            return
        self.citizen = citizen
        self.devices = []
        self.say(lambda: "")
        self.set_citizen_line(citizen_line(citizen, card.account_state))
        self.load()

    # --- list ----------------------------------------------------------------------------------

    def load(self) -> None:
        citizen = self.citizen
        if citizen is None:
            self.devices = []
            self.fill_table()
            return
        self.run_service(lambda ctx: svc.list_devices(ctx, citizen), self._loaded)

    def _loaded(self, devices: list[DeviceBinding]) -> None:
        self.devices = devices
        self.fill_table()
        if not devices:
            self.say(lambda: t("devices.none"))

    def fill_table(self, keep_binding: int | None = None) -> None:
        table: DataTable[Any] = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        compact = self.size.width < NARROW
        fmt = when_compact if compact else when
        rows = [(Text(d.name), Text(fmt(d.bound_at)), Text(fmt(d.last_used_at)), state_cell(d, compact=compact))
                for d in self.devices]
        labels = [t(f"devices.col_{c}") for c in ("name", "bound", "used", "state")]
        for i, label in enumerate(labels):
            # Explicit widths: auto-sized columns do not grow back after the table is refilled.
            width = max([cell_len(label), *(r[i].cell_len for r in rows)])
            table.add_column(label, width=width)
        for d, row_cells in zip(self.devices, rows, strict=True):
            table.add_row(*row_cells, key=str(d.id))
        if keep_binding is not None:
            row = next((i for i, d in enumerate(self.devices) if d.id == keep_binding), row)
        if self.devices:
            table.move_cursor(row=min(max(row, 0), len(self.devices) - 1))
        self.refresh_keys()

    def selected(self) -> DeviceBinding | None:
        if self.citizen is None:
            self.say(lambda: t("card.none"), error=True)
            return None
        row = self.query_one(DataTable).cursor_row
        if not self.devices or not 0 <= row < len(self.devices):
            self.say(lambda: t("devices.none"), error=True)
            return None
        device = self.devices[row]
        if device.unbound:
            self.say(lambda: t("devices.already_unbound", name=device.name), error=True)
            return None
        return device

    # --- actions -------------------------------------------------------------------------------

    def action_enable(self) -> None:
        device, citizen = self.selected(), self.citizen
        if device is None or citizen is None:
            return
        self.run_service(lambda ctx: svc.enable_device(ctx, citizen, device.id), self._changed("enabled"))

    def action_disable(self) -> None:
        device, citizen = self.selected(), self.citizen
        if device is None or citizen is None:
            return
        self.run_service(lambda ctx: svc.disable_device(ctx, citizen, device.id), self._changed("disabled"))

    def action_unbind(self) -> None:
        device, citizen = self.selected(), self.citizen
        if device is None or citizen is None:
            return

        def answered(yes: bool | None) -> None:
            if yes and self.citizen == citizen:
                self.run_service(lambda ctx: unbind(ctx), self._changed("unbound"))

        def unbind(ctx: ServiceContext) -> svc.DeviceChange:
            return svc.unbind_device(ctx, citizen, device.id)

        self.app.push_screen(ConfirmScreen(t("devices.confirm_unbind", name=device.name)), answered)

    def _changed(self, what: str):  # type: ignore[no-untyped-def]
        def done(change: svc.DeviceChange) -> None:
            self.devices = list(change.devices)
            self.fill_table(keep_binding=change.device.id)

            def message() -> str:
                text = t(f"devices.done_{what}", name=change.device.name)
                if change.also_disabled:
                    others = "、".join(d.name for d in change.also_disabled)
                    text += t("devices.also_disabled", names=others)
                return text + t("devices.printing")

            self.say(message)

        return done
