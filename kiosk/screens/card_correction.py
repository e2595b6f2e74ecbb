"""更正卡片資料: the clerk types the name or ID from the identity document when the card's cannot be
served (unreadable name, ID failing its checksum). The card's own values stay on screen beside the
fields; the rules live in ``kiosk.core.correction``, the audit in ``kiosk.services.card_correction``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from kiosk.core.correction import mask_card_name
from kiosk.core.display import printable
from kiosk.core.errors import KioskError, ValidationError
from kiosk.core.masking import mask_id, mask_name
from kiosk.i18n import get_locale, t
from kiosk.screens.base import ServiceScreen
from kiosk.services.card_correction import Corrected, correct_card

if TYPE_CHECKING:
    from kiosk.app import CardState
    from kiosk.reader.nhi import CardRecord


class CardCorrectionScreen(ServiceScreen):
    SERVICE_ID = "card_correction"
    DEFAULT_CSS = """
    CardCorrectionScreen #correction-hint { width: 1fr; color: $text-muted; }
    CardCorrectionScreen #correction-card { height: auto; margin: 1 0 0 0; }
    CardCorrectionScreen .field-label { margin-top: 0; }
    /* One line per field: the whole form, its message and the focused field fit 80x24. */
    CardCorrectionScreen Input { width: 60; height: 1; border: none; padding: 0 1; background: $boost; }
    CardCorrectionScreen Input:focus { border: none; background: $primary 30%; }
    CardCorrectionScreen Input.bad, CardCorrectionScreen Input.bad:focus { border: none; background: $error 30%; }
    CardCorrectionScreen #correction-message { width: 1fr; height: auto; }
    CardCorrectionScreen #correction-message.error { color: $error; text-style: bold; margin: 0; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.error: KioskError | None = None
        self.busy = False

    def compose_body(self) -> ComposeResult:
        yield Label(id="correction-hint")
        yield Static(id="correction-card")
        # Above the fields: at 80x24 a line below them would be off the screen.
        yield Label(id="correction-message")
        yield Label(id="name-label", classes="field-label")
        yield Input(id="correction-name", max_length=40)
        yield Label(id="id-label", classes="field-label")
        yield Input(id="correction-id", max_length=10)

    def on_mount(self) -> None:
        record = self._record()
        if record is not None and not record.name_suspect and not record.id_valid:
            self.query_one("#correction-id", Input).focus()
        else:
            self.query_one("#correction-name", Input).focus()

    def _record(self) -> CardRecord | None:
        result = self.kiosk.card.result
        return result.record if result is not None else None

    def keys(self) -> list[tuple[str, str]]:
        return [("enter", t("fix.key_save")), ("escape", t("key.back"))]

    def relabel(self) -> None:
        self.query_one("#correction-hint", Label).update(t("fix.hint"))
        self.query_one("#name-label", Label).update(t("fix.name"))
        self.query_one("#id-label", Label).update(t("fix.id"))
        self.query_one("#correction-name", Input).placeholder = t("fix.name_placeholder")
        self.query_one("#correction-id", Input).placeholder = t("fix.id_placeholder")
        self._show_card()
        self._say()

    def _show_card(self) -> None:
        record = self._record()
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", no_wrap=True)
        table.add_column(overflow="fold")
        if record is None:
            table.add_row(t("fix.on_card"), Text(t("fix.no_card")))
        else:
            # The name as read, � and all (masked like the panel), so the clerk sees what is wrong.
            table.add_row(t("card.on_card_name"), Text(mask_card_name(record.name)))
            table.add_row(t("card.on_card_id"), Text(mask_id(record.national_id)))
            for problem, key in ((record.name_suspect, "card.name_suspect"),
                                 (not record.id_valid, "card.id_invalid")):
                if problem:
                    table.add_row(Text("⚠", style="bold yellow"), Text(t(key), style="bold yellow"))
        self.query_one("#correction-card", Static).update(table)

    def _say(self, text: str | None = None) -> None:
        label = self.query_one("#correction-message", Label)
        if text is None:
            text = self.error.text(get_locale()) if self.error is not None else ""
        label.set_class(self.error is not None, "error")
        label.update(Text(printable(text)))

    def card_changed(self, card: CardState) -> None:
        if card.result is None and not card.reading:
            self.app.pop_screen()  # the card left: nothing to correct

    @on(Input.Submitted, "#correction-name")
    def _name_entered(self) -> None:
        self.query_one("#correction-id", Input).focus()

    @on(Input.Submitted, "#correction-id")
    def _id_entered(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        record = self._record()
        if record is None or self.busy:
            return
        name = self.query_one("#correction-name", Input).value
        nid = self.query_one("#correction-id", Input).value
        self.busy = True
        self.error = None
        self._say(t("fix.saving"))
        self.run_service(lambda ctx: correct_card(
            ctx, card_id=record.national_id, card_name=record.name, card_number=record.card_number,
            national_id=nid, name=name, name_suspect=record.name_suspect), self._corrected)

    def show_error(self, error: KioskError) -> None:
        self.busy = False
        self.error = error
        field = error.field if isinstance(error, ValidationError) else ""
        for name, widget_id in (("name", "#correction-name"), ("national_id", "#correction-id")):
            widget = self.query_one(widget_id, Input)
            widget.set_class(field == name, "bad")
            if field == name:
                widget.focus()
        self._say()

    def _corrected(self, done: Corrected) -> None:
        self.busy = False
        fix = done.correction
        self.kiosk.apply_correction(fix, done.account_state)
        self.app.pop_screen()
        self.notify(t("fix.done", name=mask_name(fix.name), id=mask_id(fix.national_id)), markup=False)
