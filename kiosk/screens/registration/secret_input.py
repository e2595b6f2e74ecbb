"""The masked field the citizen types the new password into.

Nothing typed is filtered or cut here: the citizen types blind, so a field that silently dropped a
space, a ``<`` or a 13th character would leave them believing a password that was never stored.
The field keeps exactly what was typed; the screen shows the broken rule at once
(``kiosk.core.password.typing_problems``) and refuses the step, and the service refuses again.
The only limit is a generous one against a stuck key, far past anything the rules accept.
"""

from __future__ import annotations

from textual.widgets import Input

# Far past the 12 characters the rules accept, so whatever is typed past 12 is still seen and refused.
TYPED_LIMIT = 64


class SecretInput(Input):
    def __init__(self, *, id: str, disabled: bool = False) -> None:
        super().__init__(id=id, password=True, max_length=TYPED_LIMIT, disabled=disabled)
