"""Each counter service is declared once (kiosk.services.catalog); everything it needs must exist.

These fail when a declared service or audit action lacks a zh_TW or en translation, a service that
prints lacks its receipt kind (or the kind its title), or a screen does not import.
"""

from __future__ import annotations

import importlib

import pytest

from data.audit_summary import KNOWN_ACTIONS, SERVICE_ACTIONS
from kiosk.core.audit_actions import SERVICE_AUDIT_ACTIONS, AuditAction
from kiosk.locales.en import STRINGS as EN
from kiosk.locales.zh_TW import STRINGS as ZH
from kiosk.services.catalog import SERVICES, Service
from printing.receipt import TITLES, ReceiptKind

CATALOGS = {"zh_TW": ZH, "en": EN}
SERVICE_IDS = [s.service_id for s in SERVICES]


def missing_translations(services: tuple[Service, ...], actions: list[AuditAction]) -> list[str]:
    keys = [s.label_key for s in services] + [f"audit.action.{a.value}" for a in actions]
    return [f"{name}:{key}" for name, catalog in CATALOGS.items() for key in keys if not catalog.get(key)]


def missing_receipts(services: tuple[Service, ...]) -> list[str]:
    """A service whose audit actions include a counter service done for a citizen prints a receipt."""
    out = [s.service_id for s in services if set(s.audit) & set(SERVICE_AUDIT_ACTIONS) and not s.receipts]
    return out + [f"{s.service_id}:{k}" for s in services for k in s.receipts if k not in TITLES]


def test_every_service_and_audit_action_is_translated_in_both_languages() -> None:
    assert missing_translations(SERVICES, list(AuditAction)) == []


def test_every_counter_service_prints_a_titled_receipt() -> None:
    assert missing_receipts(SERVICES) == []
    declared = {k for s in SERVICES for k in s.receipts}
    assert declared == set(ReceiptKind), "a receipt kind no declared service prints"


def test_every_audit_action_a_service_writes_is_declared_by_exactly_one_service() -> None:
    owners: dict[AuditAction, list[str]] = {}
    for s in SERVICES:
        for a in s.audit:
            owners.setdefault(a, []).append(s.service_id)
    assert {a: o for a, o in owners.items() if len(o) > 1} == {}
    assert set(SERVICE_AUDIT_ACTIONS) <= set(owners), "a counter-service action no service declares"


@pytest.mark.parametrize("service", SERVICES, ids=SERVICE_IDS)
def test_every_available_service_screen_imports(service: Service) -> None:
    assert service.available
    module, _, name = service.screen.partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert service.service_id == cls.SERVICE_ID


def test_audit_filter_choices_are_the_enum() -> None:
    assert list(KNOWN_ACTIONS) == [a.value for a in AuditAction]
    assert set(SERVICE_ACTIONS) == {a.value for a in SERVICE_AUDIT_ACTIONS}


def test_the_checks_fail_for_a_service_missing_its_pieces() -> None:
    """The checks can fail: a made-up service with no translation and no receipt is reported."""
    ghost = Service("ghost", "ctrl+g", screen="kiosk.screens.ghost:GhostScreen", audit=(AuditAction.REGISTER,))
    assert missing_translations((ghost,), []) == ["zh_TW:svc.ghost", "en:svc.ghost"]
    assert missing_receipts((ghost,)) == ["ghost"]
    with pytest.raises(ImportError):
        importlib.import_module("kiosk.screens.ghost")
