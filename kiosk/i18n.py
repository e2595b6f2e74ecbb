"""User-facing strings: one catalog per locale, looked up by key.

Catalogs are plain dicts in ``kiosk/locales`` so a missing key is caught by a test, not at the
counter. ``t()`` falls back to zh_TW, then to the key itself, so a gap never crashes a screen.
"""

from __future__ import annotations

from kiosk.locales import en, zh_TW

CATALOGS: dict[str, dict[str, str]] = {"zh_TW": zh_TW.STRINGS, "en": en.STRINGS}
DEFAULT_LOCALE = "zh_TW"

_locale = DEFAULT_LOCALE


def set_locale(locale: str) -> None:
    global _locale
    if locale not in CATALOGS:
        raise ValueError(f"unknown locale {locale!r}")
    _locale = locale


def get_locale() -> str:
    return _locale


def t(key: str, /, locale: str | None = None, **values: object) -> str:
    catalog = CATALOGS[locale or _locale]
    text = catalog.get(key) or CATALOGS[DEFAULT_LOCALE].get(key) or key
    return text.format(**values) if values else text
