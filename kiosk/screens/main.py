"""The main screen: every counter service with its key, the card panel and the status bar."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, Label

from kiosk.core.correction import mask_card_name
from kiosk.core.masking import mask_card_number, mask_id, mask_name
from kiosk.core.permissions import allowed
from kiosk.core.rocdate import format_date_en, format_roc_long_date
from kiosk.i18n import get_locale, t
from kiosk.services.catalog import DEMO_KEYS, SERVICE_BY_ID, SERVICES
from widgets.card_panel import CardDisplay, CardPanel
from widgets.key_bar import KeyBar
from widgets.service_menu import MenuEntry, ServiceMenu
from widgets.status_bar import StatusBar, StatusInfo

if TYPE_CHECKING:
    from kiosk.app import CardState, KioskApp


def card_display(card: CardState) -> CardDisplay:
    """Turn what the app knows about the card into masked, localised panel content."""
    title = t("card.title")
    if card.reading:
        return CardDisplay(title, message=t("card.reading"))
    if card.error is not None:
        return CardDisplay(title, message=f"{t('card.read_failed')}：{card.error.text(get_locale())}", error=True)
    if card.result is None:
        return CardDisplay(title, message=t("card.none"))
    rec = card.result.record

    def roc(d: object) -> str:
        if d is None:
            return t("card.unknown_date")
        # AD dates in English, as every staff table shows them; the ROC long form in Chinese.
        return format_date_en(d) if get_locale() == "en" else format_roc_long_date(d)  # type: ignore[arg-type]

    sex = t(f"card.sex_{rec.sex}") if rec.sex in ("M", "F") else rec.sex
    fix = card.correction
    corrected = t("card.corrected")
    rows = [
        (t("card.name"), mask_name(fix.name) + (corrected if "name" in fix.fields else "") if fix
         else mask_card_name(rec.name)),
        (t("card.id"), mask_id(fix.national_id) + (corrected if "national_id" in fix.fields else "") if fix
         else mask_id(rec.national_id)),
        (t("card.card_no"), mask_card_number(rec.card_number)),
        (t("card.birth"), roc(rec.birth_date)),
        (t("card.sex"), sex),
        (t("card.issue"), roc(rec.issue_date)),
    ]
    if fix is not None:  # the card's own values, kept beside the corrected ones
        if "name" in fix.fields:
            rows.append((t("card.on_card_name"), mask_card_name(fix.card_name)))
        if "national_id" in fix.fields:
            rows.append((t("card.on_card_id"), mask_id(fix.card_id)))
    if card.account_state:
        rows.append((t("card.account"), t(f"account.{card.account_state}")))
    warnings = []
    if rec.name_suspect and fix is None:
        warnings.append(t("card.name_suspect"))
    if not rec.id_valid and fix is None:
        warnings.append(t("card.id_invalid"))
    return CardDisplay(title, rows=tuple(rows), warnings=tuple(warnings))


class MainScreen(Screen[None]):
    BINDINGS = [
        *(Binding(s.key, f"service('{s.service_id}')", show=False) for s in SERVICES),
        Binding("ctrl+l", "app.lock", show=False),
        Binding("ctrl+o", "app.logout", show=False),
        Binding("ctrl+k", "correct_card", show=False),
        Binding("ctrl+n", "insert_demo_card", show=False),
        Binding("ctrl+r", "remove_demo_card", show=False),
    ]

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Horizontal(id="main-body"):
            with Vertical(id="menu-column"):
                yield Label(id="menu-title", classes="section-title")
                yield ServiceMenu(id="menu")
            with Vertical(id="card-column"):
                yield CardPanel(id="card")
                yield Label(id="prompt", classes="hint")
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(self.app, "locale", self._relabel, init=True)
        self.watch(self.app, "status", self._show_status, init=True)
        self.watch(self.app, "card", self._show_card, init=True)
        self.query_one(ServiceMenu).focus()

    def _show_status(self, info: StatusInfo) -> None:
        self.query_one(StatusBar).info = info

    def _show_card(self, card: CardState) -> None:
        self.query_one(CardPanel).card = card_display(card)
        # With a card read, "insert the card" is the wrong instruction.
        self.query_one("#prompt", Label).update(t("main.choose_with_card" if card.result else "main.choose"))
        self._show_keys()

    def _show_keys(self) -> None:
        keys = [("f1", t("key.help")), ("ctrl+l", t("key.lock")), ("ctrl+o", t("key.logout")),
                ("ctrl+t", t("key.language"))]
        if self.kiosk.card.needs_correction:  # offered where the clerk looks when the card needs it
            keys.insert(0, ("ctrl+k", t("card.key_correct")))
        if self.kiosk.demo:
            keys += [(k, t(label)) for k, label in DEMO_KEYS]
        self.query_one(KeyBar).keys = tuple(keys)

    def _relabel(self, _locale: str) -> None:
        self.sub_title = t("app.subtitle", centre=self.kiosk.config.centre.name,
                           counter=self.kiosk.config.centre.counter)
        self.query_one("#menu-title", Label).update(t("main.services"))
        entries = []
        for service in SERVICES:
            note = ""
            if not service.available:
                note = t("main.not_available")
            elif not allowed(self.kiosk.staff, service.needs):
                note = t("main.supervisor_only")
            entries.append(MenuEntry(service.service_id, service.key, t(service.label_key),
                                     t("fmt.note", note=note) if note else "", enabled=not note))
        self.query_one(ServiceMenu).show(entries)
        self._show_card(self.kiosk.card)

    @on(ServiceMenu.Chosen)
    def _chosen(self, event: ServiceMenu.Chosen) -> None:
        self.action_service(event.service_id)

    def action_service(self, service_id: str) -> None:
        service = SERVICE_BY_ID[service_id]
        label = t(service.label_key)
        if not service.available:
            self.notify(Text(t("main.not_available_msg", service=label)).plain, severity="warning", markup=False)
            return
        if not allowed(self.kiosk.staff, service.needs):
            self.kiosk.audit_refusal(service.service_id)
            self.notify(t("main.supervisor_only_msg", service=label), severity="error", markup=False)
            return
        module_name, _, class_name = service.screen.partition(":")
        screen_class = getattr(importlib.import_module(module_name), class_name)
        self.app.push_screen(screen_class())

    def action_correct_card(self) -> None:
        """更正卡片資料: the name or ID from the identity document, for the card in the reader."""
        from kiosk.screens.card_correction import CardCorrectionScreen

        if self.kiosk.card.result is None:
            self.notify(t("fix.no_card"), severity="warning", markup=False)
            return
        self.app.push_screen(CardCorrectionScreen())

    # --- demo ----------------------------------------------------------------------------------

    def action_insert_demo_card(self) -> None:
        from kiosk.screens.demo import DemoCardPicker
        from kiosk.services.counter import demo_note_keys, insert_demo_card

        cards, reader, store = self.kiosk.equipment.demo_cards, self.kiosk.equipment.reader, self.kiosk.equipment.store
        if not self.kiosk.demo or not cards:
            return

        def insert(index: int | None) -> None:
            if index is not None:
                insert_demo_card(reader, cards[index])
                self.notify(t("demo.inserted", name=mask_name(cards[index].name)), markup=False)

        def pick(keys: list[str]) -> None:
            self.app.push_screen(DemoCardPicker(cards, [t(key) for key in keys]), insert)

        # Each card's note is its account state: read off the UI thread (keys typed meanwhile wait).
        self.kiosk.in_background(lambda: demo_note_keys(store, cards), pick, what="demo", node=self)

    def action_remove_demo_card(self) -> None:
        from kiosk.services.counter import remove_demo_card

        if self.kiosk.demo:
            removed = remove_demo_card(self.kiosk.equipment.reader)
            self.notify(t("demo.removed" if removed else "demo.no_card"))
