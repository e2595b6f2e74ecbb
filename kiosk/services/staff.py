"""Staff sign-in, screen lock and staff administration, every step audited."""

from __future__ import annotations

import functools
from typing import NoReturn

from data import staff as staff_repo
from data.audit import append_audit
from data.store import Store
from kiosk.core.clock import Clock
from kiosk.core.errors import KioskError, PermissionDenied, ValidationError
from kiosk.core.masking import scrub
from kiosk.core.models import Role, Staff
from kiosk.core.permissions import Action, allowed, require
from kiosk.core.secrets_hash import hash_secret, validate_pin, verify_secret


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the staff number is unknown, so a wrong number and a wrong PIN take the
    same time and the login screen does not reveal which staff numbers exist. Made on first use: a
    slow hash at import would delay the login screen."""
    return hash_secret("not-a-real-pin")


def _typed(staff_no: str) -> str:
    """What to record of a staff number nobody has: its first four characters. The rest may be a
    PIN typed into the wrong field ("S0011234") or a citizen's ID, neither of which belongs in a log."""
    shown = scrub(staff_no[:4])
    return shown + "*" * min(len(staff_no) - 4, 12) if len(staff_no) > 4 else shown


class LoginRefused(KioskError):
    """Raised by ``login`` with ``reason`` one of bad, locked, disabled, no_staff, and ``tries_left``."""

    def __init__(self, reason: str, tries_left: int = 0) -> None:
        messages = {
            "bad": ("員工編號或密碼錯誤", "Wrong staff number or PIN."),
            "locked": ("此員工帳號已鎖定，請洽主管解除", "This staff account is locked; ask a supervisor."),
            "disabled": ("此員工帳號已停用，請洽主管", "This staff account is disabled; ask a supervisor."),
            "no_staff": ("尚未建立任何員工帳號", "No staff account exists yet."),
        }
        zh, en = messages[reason]
        super().__init__(zh, message_en=en)
        self.reason = reason
        self.tries_left = tries_left


class StaffService:
    def __init__(self, store: Store, clock: Clock, *, counter: str, lockout_threshold: int) -> None:
        self.store = store
        self.clock = clock
        self.counter = counter
        self.threshold = lockout_threshold

    def _audit(self, staff: Staff | None, staff_no: str, action: str, outcome: str, **detail: object) -> None:
        append_audit(
            self.store,
            at=self.clock.now(),
            staff_no=staff.staff_no if staff else _typed(staff_no),
            role=staff.role.value if staff else "",
            counter=self.counter,
            action=action,
            subject=f"staff {staff.staff_no if staff else _typed(staff_no)}",
            outcome=outcome,
            detail=dict(detail) or None,
        )

    def login(self, staff_no: str, pin: str) -> Staff:
        """Sign in, or raise ``LoginRefused``. A refusal is committed (count and audit) before it is
        raised."""
        staff_no = staff_no.strip().upper()
        refusal: LoginRefused | None = None
        # The slow hash runs before the write transaction: inside it, every other counter's writes
        # would wait on this one's scrypt.
        stored = staff_repo.get_pin_hash(self.store, staff_no) if staff_repo.get_staff(self.store, staff_no) else None
        pin_ok = verify_secret(pin, stored or _dummy_hash()) and stored is not None
        with self.store.transaction():
            staff = staff_repo.get_staff(self.store, staff_no)  # again under the lock: counts may have moved
            if staff is None and staff_repo.count_staff(self.store) == 0:
                # A new installation: no PIN could be right; say how to add the first supervisor.
                self._audit(None, staff_no, "login", "refused", reason="no staff")
                refusal = LoginRefused("no_staff")
            elif staff is None:
                self._audit(None, staff_no, "login", "refused", reason="unknown staff number")
                refusal = LoginRefused("bad", self.threshold)
            elif not staff.enabled:
                self._audit(staff, staff_no, "login", "refused", reason="disabled")
                refusal = LoginRefused("disabled")
            elif staff.locked:
                self._audit(staff, staff_no, "login", "refused", reason="locked")
                refusal = LoginRefused("locked")
            elif not pin_ok:
                after = staff_repo.record_login_failure(self.store, staff_no, self.threshold)
                if after.locked:
                    self._audit(after, staff_no, "staff_locked", "locked", failures=after.failed_logins)
                    refusal = LoginRefused("locked")
                else:
                    self._audit(after, staff_no, "login", "refused", reason="wrong PIN",
                                failures=after.failed_logins)
                    refusal = LoginRefused("bad", max(self.threshold - after.failed_logins, 0))
            else:
                staff_repo.reset_login_failures(self.store, staff_no)
                self._audit(staff, staff_no, "login", "ok")
        if refusal is not None or staff is None:
            raise refusal or LoginRefused("bad")
        return staff

    def lock_screen(self, staff: Staff, *, idle: bool) -> None:
        with self.store.transaction():
            self._audit(staff, staff.staff_no, "screen_lock", "ok", cause="idle" if idle else "staff")

    def unlock_screen(self, staff_no: str, pin: str) -> Staff:
        """Unlocking is a sign-in: the same checks, counted against the same lockout."""
        staff = self.login(staff_no, pin)
        with self.store.transaction():
            self._audit(staff, staff.staff_no, "screen_unlock", "ok")
        return staff

    def logout(self, staff: Staff) -> None:
        with self.store.transaction():
            self._audit(staff, staff.staff_no, "logout", "ok")

    # --- administration: the CLI (``by=None``) and the supervisor's staff screen ----------------
    #
    # Every change is audited with the target as the subject. A refusal worth recording (a clerk
    # reaching this by some other path, a supervisor disabling or demoting themselves) is committed
    # in its own transaction before it is raised, so the attempt stays in the log.

    def _admin_audit(self, by: Staff | None, target: str, action: str, outcome: str,
                     **detail: object) -> None:
        append_audit(
            self.store,
            at=self.clock.now(),
            staff_no=by.staff_no if by else "cli",
            role=by.role.value if by else "",
            counter=self.counter,
            action=action,
            subject=scrub(f"staff {target}"),
            outcome=outcome,
            detail={"target": scrub(target), **detail},
        )

    def _refuse(self, by: Staff | None, target: str, action: str, reason: str, error: KioskError) -> NoReturn:
        with self.store.transaction():
            self._admin_audit(by, target, action, "refused", reason=reason)
        raise error

    def _authorise(self, by: Staff | None, target: str, action: str) -> None:
        if by is not None and not allowed(by, Action.STAFF_MANAGE):
            try:
                require(by, Action.STAFF_MANAGE)
            except PermissionDenied as denied:
                self._refuse(by, target, action, "not a supervisor", denied)

    def _existing(self, staff_no: str) -> Staff:
        staff = staff_repo.get_staff(self.store, staff_no)
        if staff is None:
            raise ValidationError("staff_no", f"找不到員工編號 {staff_no}", "請確認員工編號",
                                  message_en=f"No staff member {staff_no}.", action_en="Check the number.")
        return staff

    def add(self, staff_no: str, name: str, role: Role, pin: str, *, by: Staff | None = None) -> Staff:
        staff_no = staff_no.strip().upper()
        self._authorise(by, staff_no, "staff_add")
        if not staff_no.isalnum() or not staff_no.isascii() or not 1 <= len(staff_no) <= 16:
            raise ValidationError("staff_no", "員工編號須為 1 到 16 個英數字",
                                  message_en="Staff number must be 1 to 16 letters or digits.")
        if not name.strip():
            raise ValidationError("name", "請輸入姓名", message_en="Name is required.")
        if len(name.strip()) > 20 or not all(ch.isprintable() for ch in name):
            # The name is shown in the status bar and on every audit page: no escapes, no controls.
            raise ValidationError("name", "姓名須為 20 個字以內，且不可含控制字元",
                                  message_en="The name must be at most 20 characters, with no control characters.")
        pin_hash = hash_secret(validate_pin(pin))  # hashed before the write lock is taken
        with self.store.transaction():
            staff_repo.add_staff(self.store, staff_no, name.strip(), role, pin_hash, now=self.clock.now())
            self._admin_audit(by, staff_no, "staff_add", "ok", role=Role(role).value)
            created = self._existing(staff_no)
        return created

    def disable(self, staff_no: str, *, by: Staff | None = None) -> Staff:
        staff_no = staff_no.strip().upper()
        self._authorise(by, staff_no, "staff_disable")
        if by is not None and by.staff_no == staff_no:
            self._refuse(by, staff_no, "staff_disable", "own account", SelfChangeRefused("disable"))
        with self.store.transaction():
            self._existing(staff_no)
            changed = staff_repo.set_enabled(self.store, staff_no, False)
            self._admin_audit(by, staff_no, "staff_disable", "ok")
        return changed

    def enable(self, staff_no: str, *, by: Staff | None = None) -> Staff:
        staff_no = staff_no.strip().upper()
        self._authorise(by, staff_no, "staff_enable")
        with self.store.transaction():
            self._existing(staff_no)
            changed = staff_repo.set_enabled(self.store, staff_no, True)
            self._admin_audit(by, staff_no, "staff_enable", "ok")
        return changed

    def reset_pin(self, staff_no: str, pin: str, *, by: Staff | None = None) -> Staff:
        """Set a new PIN, told to the staff member in person. It does not lift a lockout: that is
        ``unlock``, a separate decision with its own audit entry."""
        staff_no = staff_no.strip().upper()
        self._authorise(by, staff_no, "staff_reset_pin")
        pin_hash = hash_secret(validate_pin(pin))  # hashed before the write lock is taken
        with self.store.transaction():
            self._existing(staff_no)
            changed = staff_repo.set_pin_hash(self.store, staff_no, pin_hash)
            self._admin_audit(by, staff_no, "staff_reset_pin", "ok")
        return changed

    def set_role(self, staff_no: str, role: Role, *, by: Staff | None = None) -> Staff:
        staff_no = staff_no.strip().upper()
        role = Role(role)
        self._authorise(by, staff_no, "staff_role")
        if by is not None and by.staff_no == staff_no and role is not Role.SUPERVISOR:
            self._refuse(by, staff_no, "staff_role", "own account", SelfChangeRefused("demote"))
        with self.store.transaction():
            before = self._existing(staff_no)
            changed = staff_repo.set_role(self.store, staff_no, role)
            self._admin_audit(by, staff_no, "staff_role", "ok", role_from=before.role.value,
                              role_to=role.value)
        return changed

    def unlock(self, staff_no: str, *, by: Staff | None = None) -> Staff:
        """Lift a lockout after too many wrong PINs (and clear the count)."""
        staff_no = staff_no.strip().upper()
        self._authorise(by, staff_no, "staff_unlock")
        with self.store.transaction():
            before = self._existing(staff_no)
            if not before.locked and not before.failed_logins:
                raise ValidationError("staff_no", f"員工 {staff_no} 未被鎖定", "不需解除",
                                      message_en=f"Staff member {staff_no} is not locked.",
                                      action_en="Nothing to unlock.")
            changed = staff_repo.unlock_staff(self.store, staff_no)
            self._admin_audit(by, staff_no, "staff_unlock", "ok", failures=before.failed_logins)
        return changed

    def list(self) -> list[Staff]:
        return staff_repo.list_staff(self.store)


class SelfChangeRefused(KioskError):
    """A supervisor may not disable or demote their own account: that could leave the centre with
    nobody able to manage staff, and a change to one's own rights needs a second person."""

    def __init__(self, what: str) -> None:
        if what == "disable":
            zh, en = "不能停用自己的帳號", "You cannot disable your own account."
        else:
            zh, en = "不能取消自己的主管權限", "You cannot remove your own supervisor role."
        super().__init__(
            zh, "請由另一位主管辦理：避免中心沒有主管可管理人員，且權限變更需由第二人確認",
            message_en=en,
            action_en="Ask another supervisor: this keeps someone able to manage staff, and a change to "
                      "your own rights needs a second person.",
        )
