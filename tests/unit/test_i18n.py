import string

from kiosk import i18n
from kiosk.locales import en, zh_TW
from kiosk.services.catalog import DEMO_KEYS, GENERAL_KEYS, SERVICES


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogs_have_every_key():
    assert set(zh_TW.STRINGS) == set(en.STRINGS)


def test_placeholders_match_between_locales():
    for key, text in zh_TW.STRINGS.items():
        assert _fields(text) == _fields(en.STRINGS[key]), key


def test_no_empty_strings():
    for catalog in (zh_TW.STRINGS, en.STRINGS):
        assert all(value.strip() for value in catalog.values())


def test_every_service_and_key_label_exists():
    keys = [s.label_key for s in SERVICES] + [label for _, label in GENERAL_KEYS + DEMO_KEYS]
    for key in keys:
        assert key in zh_TW.STRINGS, key


def test_lookup_and_fallback():
    assert i18n.t("svc.register", locale="zh_TW") == "臨櫃註冊"
    assert i18n.t("svc.register", locale="en") == "In-person registration"
    assert i18n.t("no.such.key", locale="en") == "no.such.key"
    assert i18n.t("login.bad", locale="en", left=2) == "Wrong staff number or PIN; 2 tries left"
