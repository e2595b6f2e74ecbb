"""Account services at the counter (F3–F7): deregistration, password reset, lockout lifted,
pending web registration cancelled, contact data updated."""

from kiosk.screens.account.contact import ContactUpdateScreen
from kiosk.screens.account.deregister import DeregistrationScreen
from kiosk.screens.account.password import PasswordResetScreen
from kiosk.screens.account.simple import CancelPendingScreen, UnlockScreen

__all__ = ["CancelPendingScreen", "ContactUpdateScreen", "DeregistrationScreen", "PasswordResetScreen",
           "UnlockScreen"]
