"""Text from outside the kiosk, made safe to put on a terminal.

Textual passes ESC and most other control characters straight through to the terminal (it strips
only BEL, BS, VT, FF and CR), so a card name, a reader name from a USB descriptor, a pasted value
or an exception message holding ``ESC [2J`` would clear the clerk's screen, and an unterminated
``ESC ]`` would swallow the rest of the frame. Bidi overrides and zero-width characters would make
one value look like another. ``printable`` shows C0 controls as their visible control pictures
(ESC becomes ␛, so the clerk sees what was there) and every other control or format character as
U+FFFD. Markup needs no treatment here: screens show outside text as plain ``Text``.
"""

from __future__ import annotations

import unicodedata

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
_CONTROL_PICTURES = 0x2400  # U+2400 SYMBOL FOR NULL … U+241F SYMBOL FOR UNIT SEPARATOR
_DELETE_PICTURE = "\u2421"


def _visible(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(_CONTROL_PICTURES + code)
    if code == 0x7F:
        return _DELETE_PICTURE
    return "\ufffd"


def is_unsafe(ch: str) -> bool:
    """A character that could drive the terminal or hide what a value really says."""
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES


def printable(text: str) -> str:
    """``text`` with every unsafe character replaced by a visible stand-in; the rest unchanged."""
    if text.isprintable():  # the common case, in C
        return text
    return "".join(_visible(ch) if is_unsafe(ch) else ch for ch in text)
