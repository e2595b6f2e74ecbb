"""The masked field the citizen types the new password into.

The password rules hold while typing (seed 000): what ``filter_typed_password`` would drop (space,
``<``, ``>``, quotes, anything not printable ASCII such as Chinese or full-width input) never
reaches the field, and nothing goes past 12 characters. The field tells the screen when it dropped
something, so the citizen learns why a key did nothing.
"""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Input

from kiosk.core.password import MAX_LENGTH, filter_typed_password


class SecretInput(Input):
    class Dropped(Message):
        """Some typed or pasted characters were not allowed, or the field was full."""

        def __init__(self, field_id: str, too_long: bool) -> None:
            super().__init__()
            self.field_id = field_id
            self.too_long = too_long

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, password=True, max_length=MAX_LENGTH)

    def replace(self, text: str, start: int, end: int) -> None:
        kept = filter_typed_password(text)
        if kept != text:
            self.post_message(self.Dropped(self.id or "", too_long=False))
        if kept or not text:
            super().replace(kept, start, end)

    def restricted(self) -> None:
        # Only the length limit restricts this field (the filter ran first): say so, no bell.
        self.post_message(self.Dropped(self.id or "", too_long=True))
