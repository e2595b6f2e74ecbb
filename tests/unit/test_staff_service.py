import subprocess
import sys

import pytest

from data.audit import query_audit, verify_chain
from data.store import open_store
from kiosk.core.errors import ValidationError
from kiosk.core.models import Role
from kiosk.services.staff import LoginRefused, StaffService


@pytest.fixture
def service(tmp_path, clock):
    store = open_store(tmp_path / "k.db")
    yield StaffService(store, clock, counter="03", lockout_threshold=3)
    store.close()


def test_add_and_login(service):
    service.add("s010", "王專員", Role.CLERK, "2468")
    staff = service.login("S010", "2468")
    assert staff.role is Role.CLERK
    entries = query_audit(service.store, limit=10)
    assert [e.action for e in entries][:2] == ["login", "staff_add"]
    assert entries[0].counter == "03"


def test_pin_is_stored_only_as_a_slow_hash(service):
    service.add("S011", "李專員", Role.CLERK, "13579")
    row = service.store.one("SELECT pin_hash FROM staff WHERE staff_no = 'S011'")
    assert row is not None and "13579" not in row[0] and row[0].startswith("scrypt$")


def test_lockout_after_threshold_is_committed_and_audited(service):
    service.add("S012", "張專員", Role.CLERK, "1111")
    for left in (2, 1):
        with pytest.raises(LoginRefused) as err:
            service.login("S012", "0000")
        assert err.value.reason == "bad" and err.value.tries_left == left
    with pytest.raises(LoginRefused) as err:
        service.login("S012", "0000")
    assert err.value.reason == "locked"
    with pytest.raises(LoginRefused) as err:
        service.login("S012", "1111")
    assert err.value.reason == "locked"
    actions = [(e.action, e.outcome) for e in query_audit(service.store, limit=10)]
    assert ("staff_locked", "locked") in actions
    assert verify_chain(service.store).ok


def test_disabled_staff_cannot_sign_in(service):
    service.add("S013", "陳專員", Role.SUPERVISOR, "2222")
    service.disable("s013")
    with pytest.raises(LoginRefused) as err:
        service.login("S013", "2222")
    assert err.value.reason == "disabled"


def test_a_pin_typed_into_the_staff_number_field_is_not_logged(service):
    with pytest.raises(LoginRefused):
        service.login("S0011234", "")
    entry = query_audit(service.store, limit=1)[0]
    assert "1234" not in f"{entry.staff_no} {entry.subject} {entry.detail}"
    assert entry.staff_no.startswith("S001")


def test_unknown_staff_number_that_is_a_citizen_id_is_not_logged_in_full(service):
    with pytest.raises(LoginRefused):
        service.login("A123456789", "1234")
    entry = query_audit(service.store, limit=1)[0]
    assert "A123456789" not in f"{entry.staff_no} {entry.subject} {entry.detail}"


@pytest.mark.parametrize(("staff_no", "name", "pin"), [("", "x", "1234"), ("S 1", "x", "1234"),
                                                        ("S1", " ", "1234"), ("S1", "x", "12"),
                                                        ("S1", "x", "12ab"), ("S1", "王\x1b[2J", "1234"),
                                                        ("S1", "王\u202e明", "1234"), ("S1", "王" * 21, "1234")])
def test_add_validates(service, staff_no, name, pin):
    with pytest.raises(ValidationError):
        service.add(staff_no, name, Role.CLERK, pin)


def _kiosk(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


def test_cli_staff_add_list_disable(tmp_path):
    db = str(tmp_path / "k.db")
    added = _kiosk("--db", db, "staff", "add", "S100", "--name", "周主任", "--role", "supervisor", "--pin-stdin",
                   stdin="8642\n")
    assert added.returncode == 0, added.stderr
    assert _kiosk("--db", db, "staff", "disable", "s100").returncode == 0
    listed = _kiosk("--db", db, "staff", "list")
    assert "S100\t周主任\tsupervisor\tdisabled" in listed.stdout
    dup = _kiosk("--db", db, "staff", "add", "S100", "--name", "x", "--pin-stdin", stdin="1234\n")
    assert dup.returncode == 1 and dup.stderr.strip()
