"""Why an account service does not apply, said so the clerk knows what to offer instead.

The state machine (``kiosk.core.models.account_transition``) decides; this module only words its
"no" for the service and state at hand, naming the service key that does apply.
"""

from __future__ import annotations

from kiosk.core.errors import InvalidTransition
from kiosk.core.models import AccountState, account_transition

# (zh, en) per state the person is in, when the service at hand does not apply.
_STATE_MESSAGES: dict[AccountState, tuple[str, str]] = {
    AccountState.UNREGISTERED: ("此身分證號尚未註冊健保卡網路服務",
                                "This ID is not registered for NHI online services."),
    AccountState.DEREGISTERED: ("此帳號已辦理註冊停用", "This account has been deregistered."),
    AccountState.PENDING: ("此帳號為網路註冊，尚待電子郵件確認",
                           "This web registration is still waiting for e-mail confirmation."),
    AccountState.ACTIVE: ("此帳號已完成註冊，目前正常使用中", "This account is registered and in use."),
    AccountState.LOCKED: ("此帳號因密碼錯誤次數過多已鎖定",
                          "This account is locked after too many wrong passwords."),
}

_CONFIRM_OR_REGISTER = ("請民眾先完成電子郵件確認，或刪除註冊申請 (F6) 後改辦臨櫃註冊 (F2)",
                        "Ask the citizen to confirm the e-mail, or cancel the application (F6) and "
                        "register at the counter (F2).")
_NOTHING_PENDING = ("沒有待確認的網路註冊申請；如需停止使用請改辦註冊停用 (F3)",
                    "There is no pending application; to stop the service use deregistration (F3).")

# (zh, en) of what to do instead, per (service, state); the fallback names registration.
_ACTIONS: dict[tuple[str, AccountState], tuple[str, str]] = {
    ("deregister", AccountState.UNREGISTERED): ("無需辦理註冊停用", "There is nothing to deregister."),
    ("deregister", AccountState.DEREGISTERED): ("無需再次停用；如需使用請重新辦理臨櫃註冊 (F2)",
                                                "No need to do it again; to use the service, register (F2)."),
    ("unlock", AccountState.ACTIVE): ("帳號未被鎖定，無需解除；忘記密碼請改辦忘記註冊密碼 (F4)",
                                      "It is not locked; for a forgotten password use password reset (F4)."),
    ("unlock", AccountState.PENDING): ("帳號未被鎖定；如需立即使用，可刪除註冊申請 (F6) 後改辦臨櫃註冊 (F2)",
                                       "It is not locked; to use it now, cancel the application (F6) "
                                       "and register at the counter (F2)."),
    ("cancel_pending", AccountState.ACTIVE): _NOTHING_PENDING,
    ("cancel_pending", AccountState.LOCKED): _NOTHING_PENDING,
    ("reset_password", AccountState.PENDING): _CONFIRM_OR_REGISTER,
    ("update_contact", AccountState.PENDING): _CONFIRM_OR_REGISTER,
}

_REGISTER_FIRST = ("請先辦理臨櫃註冊 (F2)", "Register at the counter first (F2).")


def refusal(service: str, state: AccountState) -> InvalidTransition | None:
    """``None`` when ``service`` applies to an account in ``state``, else the error to show."""
    if state is not AccountState.UNREGISTERED:
        try:
            account_transition(state, service)
        except InvalidTransition:
            pass
        else:
            return None
    message, message_en = _STATE_MESSAGES[state]
    action, action_en = _ACTIONS.get((service, state), _REGISTER_FIRST)
    return InvalidTransition(message, action, message_en=message_en, action_en=action_en)
