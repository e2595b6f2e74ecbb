"""One exception family for everything a user may see.

Adapters translate pyscard's, sqlite's and escpos's unrelated exception families into these, so
screens handle one family and every message says what happened and what to do next.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


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


def unexpected(where: str, exc: Exception) -> KioskError:
    """What a worker shows when something other than a KioskError escapes: a bug or a database
    fault must end in a message, not a crash or a screen that waits forever. Logged with the
    exception's type only: its text and arguments may hold a citizen's ID or password."""
    log.error("service %s failed with %s", where, type(exc).__name__)
    return KioskError(
        "系統發生未預期的錯誤，此項作業沒有完成", "請再試一次；若再次發生，請記下時間並通知資訊人員",
        message_en="An unexpected error stopped this service; nothing was completed.",
        action_en="Try again; if it happens again, note the time and tell IT.")


def as_kiosk_error(where: str, exc: Exception) -> KioskError:
    """Any exception a worker caught, as the one family the screens show."""
    return exc if isinstance(exc, KioskError) else unexpected(where, exc)
