"""The list of counter services with their keys. Display only; selecting posts ``Chosen``."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from widgets.key_bar import key_display


@dataclass(frozen=True)
class MenuEntry:
    service_id: str
    key: str
    label: str
    note: str = ""  # already bracketed and localised: "（尚未開放）", "(supervisor)" …
    enabled: bool = True


class ServiceMenu(OptionList):
    DEFAULT_CSS = """
    ServiceMenu { height: auto; max-height: 100%; border: round $primary; }
    """

    class Chosen(Message):
        def __init__(self, service_id: str) -> None:
            super().__init__()
            self.service_id = service_id

    def show(self, entries: list[MenuEntry]) -> None:
        highlighted = self.highlighted
        self.clear_options()
        for entry in entries:
            line = Text(no_wrap=True)
            line.append(f"{key_display(entry.key):>4}  ", style="bold")
            line.append(entry.label, style="" if entry.enabled else "dim")
            if entry.note:
                line.append(f"  {entry.note}", style="dim italic")
            self.add_option(Option(line, id=entry.service_id))
        if entries:
            self.highlighted = highlighted if highlighted is not None and highlighted < len(entries) else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(event.option.id))
