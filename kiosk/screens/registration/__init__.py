"""In-person registration (臨櫃註冊, F2): the wizard screen and its parts."""

from kiosk.screens.registration.screen import RegistrationScreen

__all__ = ["RegistrationScreen"]
