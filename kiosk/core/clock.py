"""Injectable clock so tests and snapshots run at a frozen time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

TAIPEI = timezone(timedelta(hours=8), "Asia/Taipei")


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware datetime in Asia/Taipei."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(TAIPEI)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            at = at.replace(tzinfo=TAIPEI)
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta

    def set(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=TAIPEI)
