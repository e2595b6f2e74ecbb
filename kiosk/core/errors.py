"""One exception family for everything a user may see.

Adapters translate pyscard's, sqlite's and escpos's unrelated exception families into these, so
screens handle one family and every message says what happened and what to do next.
"""

from __future__ import annotations


class KioskError(Exception):
    """Base of every error the kiosk shows to staff.

    ``message`` says what happened, ``action`` what the clerk should do about it. Both are plain
    text in the kiosk's language of record (Traditional Chinese, with English in ``message_en``).
    """

    def __init__(self, message: str, action: str = "", *, message_en: str = "", action_en: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.action = action
        self.message_en = message_en or message
        self.action_en = action_en or action

    def text(self, locale: str = "zh_TW") -> str:
        """What happened, then what to do, as one sentence: never 「…。，…」 or "… do. do …"."""
        if locale.startswith("en"):
            message, action = self.message_en, self.action_en
            if message and action and not message.rstrip().endswith((".", "!", "?", ":")):
                message += "."
            return f"{message} {action}".strip()
        if not self.action:
            return self.message
        ended = self.message.endswith(("。", "！", "？", "：", "；"))
        return f"{self.message}{'' if ended or not self.message else '，'}{self.action}"


class ValidationError(KioskError):
    """Entered or read data breaks a rule (checksum, format, length)."""

    def __init__(self, field: str, message: str, action: str = "", **kw: str) -> None:
        super().__init__(message, action, **kw)
        self.field = field


class CardError(KioskError):
    """The card or reader failed: no reader, non-NHI card, bad record, card pulled, timeout."""


class ReaderUnavailable(CardError):
    """The PC/SC service or the reader is not there."""


class PrinterError(KioskError):
    """The receipt printer failed: off, paper out, hang-up, timeout. The job stays queued."""


class StoreError(KioskError):
    """The database failed: locked too long, unreadable, wrong schema."""


class ConfigError(KioskError):
    """The configuration file has an unknown key or a bad value."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class PermissionDenied(KioskError):
    """The signed-in staff member's role does not allow the action."""


class InvalidTransition(KioskError):
    """A state machine refused a transition (e.g. unlocking an account that is not locked)."""
