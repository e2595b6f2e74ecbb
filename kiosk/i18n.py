"""User-facing strings: one catalog per locale, looked up by key.

Catalogs are plain dicts in ``kiosk/locales`` so a missing key is caught by a test, not at the
counter. ``t()`` falls back to zh_TW, then to the key itself, so a gap never crashes a screen. A
catalog is imported the first time its locale is used: English costs nothing until Ctrl+T.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

LOCALES = ("zh_TW", "en")
DEFAULT_LOCALE = "zh_TW"

_catalogs: dict[str, dict[str, str]] = {}
_locale = DEFAULT_LOCALE


def catalog(locale: str) -> dict[str, str]:
    found = _catalogs.get(locale)
    if found is None:
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r}")
        found = _catalogs[locale] = importlib.import_module(f"kiosk.locales.{locale}").STRINGS
    return found


class _Catalogs(Mapping[str, dict[str, str]]):
    """``CATALOGS["en"]``: every catalog by locale, each imported on first use."""

    def __getitem__(self, locale: str) -> dict[str, str]:
        if locale not in LOCALES:
            raise KeyError(locale)
        return catalog(locale)

    def __iter__(self) -> Iterator[str]:
        return iter(LOCALES)

    def __len__(self) -> int:
        return len(LOCALES)


CATALOGS: Mapping[str, dict[str, str]] = _Catalogs()


def set_locale(locale: str) -> None:
    global _locale
    catalog(locale)
    _locale = locale


def get_locale() -> str:
    return _locale


def t(key: str, /, locale: str | None = None, **values: object) -> str:
    text = catalog(locale or _locale).get(key) or catalog(DEFAULT_LOCALE).get(key) or key
    return text.format(**values) if values else text
