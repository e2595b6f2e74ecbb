"""The staff session: who is signed in, when they last touched the kiosk, and the staff service
that records sign-in, lock, unlock and sign-out (Textual-free; the App holds one and moves the
screens). Recording runs on worker threads: ``record_lock`` and ``record_logout`` are called there."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.core.models import Staff
    from kiosk.equipment import CounterEquipment
    from kiosk.services.context import ServiceContext
    from kiosk.services.staff import StaffService


class StaffSession:
    def __init__(self, config: Config, equipment: CounterEquipment, idle_seconds: float) -> None:
        self.config = config
        self.equipment = equipment
        self.idle_seconds = idle_seconds
        self.staff: Staff | None = None
        self.last_input = 0.0
        self._staff_service: StaffService | None = None

    @property
    def staff_service(self) -> StaffService:
        if self._staff_service is None:
            from kiosk.services.staff import StaffService

            self._staff_service = StaffService(
                self.equipment.store, self.equipment.clock, counter=self.config.centre.counter,
                lockout_threshold=self.config.rules.staff_lockout_threshold,
            )
        return self._staff_service

    def touched(self) -> None:
        self.last_input = time.monotonic()

    def idle(self) -> bool:
        """Signed in and untouched for the idle-lock time (never when the idle lock is off)."""
        return (self.staff is not None and bool(self.idle_seconds)
                and time.monotonic() - self.last_input >= self.idle_seconds)

    def signed_in(self, staff: Staff) -> None:
        self.staff = staff
        self.touched()

    def signed_out(self) -> Staff | None:
        staff, self.staff = self.staff, None
        return staff

    def context(self) -> ServiceContext:
        """What a service needs to act for the staff member signed in (refused when nobody is)."""
        from kiosk.core.errors import PermissionDenied
        from kiosk.services.context import ServiceContext

        if self.staff is None:
            raise PermissionDenied("請先登入", message_en="Sign in first.")
        return ServiceContext(self.equipment.store, self.equipment.clock, self.config, self.staff,
                              self.equipment.queue)

    def record_lock(self, staff: Staff, *, idle: bool) -> None:
        self.staff_service.lock_screen(staff, idle=idle)

    def record_logout(self, staff: Staff) -> None:
        self.staff_service.logout(staff)
