"""The audit log: hash chain definition, append-only triggers, tampering found the real way, queries."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from data import staff
from data.audit import (
    GENESIS_HASH,
    append_audit,
    canonical_json,
    chain_head,
    count_audit,
    query_audit,
    subject_key,
    verify_chain,
)
from data.store import Store, open_store
from kiosk.core.clock import TAIPEI
from kiosk.core.errors import StoreError
from kiosk.core.models import Role

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=TAIPEI)
IDS = ["F223456786", "K128765433", "A123456789"]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "kiosk.db"


@pytest.fixture
def store(path: Path) -> Store:
    s = open_store(path)
    yield s
    s.close()


def _fill(store: Store, n: int) -> None:
    for i in range(n):
        nid = IDS[i % len(IDS)]
        with store.transaction():
            append_audit(
                store,
                at=NOW + timedelta(minutes=i),
                staff_no="S001" if i % 2 else "S900",
                role="clerk" if i % 2 else "supervisor",
                counter="3",
                action=("register", "deregister", "device_code")[i % 3],
                subject=f"{nid[:4]}****{nid[-2:]}",
                subject_id=nid,
                outcome="ok" if i % 4 else "refused",
                detail={"n": i, "名稱": "堃", "doc": None},
            )


def _tamper(path: Path, *statements: str) -> None:
    """What someone with the file and the sqlite3 shell would do."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_entries_follow_the_documented_hash_definition(store: Store) -> None:
    seq = append_audit(
        store,
        at=NOW,
        staff_no="S001",
        role=Role.CLERK,
        counter="3",
        action="register",
        subject="F223****86",
        subject_id="F223456786",
        outcome="ok",
        detail={"document": "national_id_card", "名": "林美華", "n": 1.5},
    )
    second = append_audit(
        store,
        at=NOW,
        staff_no=None,
        role=None,
        counter=None,
        action="login_failed",
        subject="",
        outcome="refused",
    )
    assert (seq, second) == (1, 2)
    rows = store.all("SELECT * FROM audit_log ORDER BY seq")
    prev = GENESIS_HASH
    for row in rows:
        entry = {
            k: row[k]
            for k in (
                "seq",
                "at",
                "staff_no",
                "role",
                "counter",
                "action",
                "subject",
                "subject_key",
                "outcome",
            )
        }
        entry["detail"] = None if row["detail"] is None else json.loads(row["detail"])
        text = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert text == canonical_json(entry)
        assert row["prev_hash"] == prev
        assert row["hash"] == hashlib.sha256((prev + text).encode("utf-8")).hexdigest()
        prev = row["hash"]
    assert rows[0]["role"] == "clerk" and rows[0]["at"] == "2026-11-22T09:30:00+08:00"
    assert rows[0]["subject_key"] == hashlib.sha256(b"F223456786").hexdigest()
    assert "F223456786" not in json.dumps([tuple(r) for r in rows], ensure_ascii=False)
    assert chain_head(store) == (2, rows[1]["hash"])


def test_secrets_never_reach_the_log(store: Store) -> None:
    for detail in (
        {"password": "x"},
        {"new_pin": "1234"},
        {"outer": {"pin_hash": "h"}},
        {"list": [{"Password": "x"}]},
    ):
        with pytest.raises(ValueError):
            append_audit(
                store,
                at=NOW,
                staff_no="S001",
                role="clerk",
                counter="3",
                action="reset_password",
                subject="",
                outcome="ok",
                detail=detail,
            )
    assert count_audit(store) == 0
    append_audit(
        store,
        at=NOW,
        staff_no="S001",
        role="clerk",
        counter="3",
        action="print",
        subject="",
        outcome="ok",
        detail={"shipping": 1, "mapping": "ok"},
    )  # not false alarms
    assert count_audit(store) == 1


def test_triggers_refuse_update_and_delete(path: Path, store: Store) -> None:
    _fill(store, 3)
    with pytest.raises(StoreError) as err:
        store.execute("UPDATE audit_log SET outcome = 'ok' WHERE seq = 1")
    assert "只能新增" in err.value.message
    with pytest.raises(StoreError):
        store.execute("DELETE FROM audit_log WHERE seq = 3")
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    conn.close()
    assert verify_chain(store).ok and count_audit(store) == 3


def test_the_entry_rolls_back_with_the_change_it_records(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        staff.add_staff(store, "S002", "王專員", Role.CLERK, "h", now=NOW)
        append_audit(
            store,
            at=NOW,
            staff_no="S900",
            role="supervisor",
            counter="1",
            action="staff_add",
            subject="S002",
            outcome="ok",
        )
        raise RuntimeError("printer exploded")
    assert count_audit(store) == 0 and staff.get_staff(store, "S002") is None
    assert (
        append_audit(
            store,
            at=NOW,
            staff_no="S900",
            role="supervisor",
            counter="1",
            action="x",
            subject="",
            outcome="ok",
        )
        == 1
    )


def test_an_intact_log_verifies_with_progress(path: Path, store: Store) -> None:
    assert verify_chain(store).ok  # empty
    _fill(store, 10_000)
    calls: list[tuple[int, int]] = []
    result = verify_chain(path, lambda done, total: calls.append((done, total)))
    assert result.ok and result.checked == 10_000 and result.first_bad_seq is None
    assert calls[-1] == (10_000, 10_000) and len(calls) >= 2
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_an_edited_entry_is_found(path: Path, store: Store) -> None:
    _fill(store, 50)
    _tamper(path, "UPDATE audit_log SET outcome = 'ok' WHERE seq = 17")
    result = verify_chain(path)
    assert not result.ok and result.first_bad_seq == 17 and result.checked == 16
    assert "修改" in result.reason and "altered" in result.reason_en


def test_an_edited_entry_with_its_hash_recomputed_breaks_the_next_link(path: Path, store: Store) -> None:
    _fill(store, 50)
    row = store.one("SELECT * FROM audit_log WHERE seq = 17")
    entry = {
        k: row[k]
        for k in ("seq", "at", "staff_no", "role", "counter", "action", "subject", "subject_key", "outcome")
    }
    entry["detail"] = json.loads(row["detail"])
    entry["outcome"] = "ok" if row["outcome"] != "ok" else "refused"
    forged = hashlib.sha256((row["prev_hash"] + canonical_json(entry)).encode()).hexdigest()
    _tamper(path, f"UPDATE audit_log SET outcome = '{entry['outcome']}', hash = '{forged}' WHERE seq = 17")
    result = verify_chain(store)
    assert not result.ok and result.first_bad_seq == 18


def test_a_detail_edit_is_found(path: Path, store: Store) -> None:
    _fill(store, 20)
    _tamper(path, """UPDATE audit_log SET detail = '{"doc":null,"n":999,"名稱":"堃"}' WHERE seq = 5""")
    assert verify_chain(path).first_bad_seq == 5


def test_a_deleted_entry_is_found(path: Path, store: Store) -> None:
    _fill(store, 50)
    _tamper(path, "DELETE FROM audit_log WHERE seq = 23")
    result = verify_chain(path)
    assert not result.ok and result.first_bad_seq == 23 and result.checked == 22
    assert "遺失" in result.reason


def test_a_deleted_first_entry_is_found(path: Path, store: Store) -> None:
    _fill(store, 5)
    _tamper(path, "DELETE FROM audit_log WHERE seq = 1")
    assert verify_chain(path).first_bad_seq == 1


def test_a_deletion_hidden_by_renumbering_is_found(path: Path, store: Store) -> None:
    _fill(store, 30)
    _tamper(path, "DELETE FROM audit_log WHERE seq = 12", "UPDATE audit_log SET seq = seq - 1 WHERE seq > 12")
    result = verify_chain(path)
    assert not result.ok and result.first_bad_seq == 12


def test_swapped_entries_are_found(path: Path, store: Store) -> None:
    _fill(store, 30)
    # Whole rows trade places, stored hashes and all.
    _tamper(
        path,
        "UPDATE audit_log SET seq = -1 WHERE seq = 8",
        "UPDATE audit_log SET seq = 8 WHERE seq = 9",
        "UPDATE audit_log SET seq = 9 WHERE seq = -1",
    )
    result = verify_chain(path)
    assert not result.ok and result.first_bad_seq == 8


def test_a_truncated_tail_passes_without_an_anchor_and_fails_with_one(path: Path, store: Store) -> None:
    _fill(store, 30)
    anchor = chain_head(store)
    assert verify_chain(path, anchor=anchor).ok
    _tamper(path, "DELETE FROM audit_log WHERE seq > 25")
    plain = verify_chain(path)
    assert plain.ok and plain.checked == 25  # documented blind spot: the shorter chain is valid
    anchored = verify_chain(path, anchor=anchor)
    assert not anchored.ok and anchored.first_bad_seq == 26
    assert "錨點" in anchored.reason


def test_an_anchor_catches_a_rebuilt_log(path: Path, store: Store) -> None:
    _fill(store, 5)
    anchor = chain_head(store)
    assert verify_chain(path, anchor=(anchor[0], "f" * 64)).first_bad_seq == anchor[0]


def test_verify_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        verify_chain(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


# --- queries ----------------------------------------------------------------------------------


def test_query_filters_newest_first(store: Store) -> None:
    _fill(store, 24)
    everything = query_audit(store, limit=100)
    assert [e.seq for e in everything] == list(range(24, 0, -1))
    by_id = query_audit(store, subject_id="k128765433 ", limit=100)  # typed loosely by a supervisor
    assert by_id and all(e.subject == "K128****33" for e in by_id)
    assert len(by_id) == 8
    by_staff = query_audit(store, staff_no="S001", action="deregister", limit=100)
    assert by_staff and all(e.staff_no == "S001" and e.action == "deregister" for e in by_staff)
    refused = query_audit(store, outcome="refused", limit=100)
    assert [e.seq for e in refused] == [21, 17, 13, 9, 5, 1]
    window = query_audit(store, since=NOW + timedelta(minutes=5), until=NOW + timedelta(minutes=8))
    assert [e.seq for e in window] == [8, 7, 6]
    first = everything[-1]
    assert first.at == NOW and first.detail == {"n": 0, "名稱": "堃", "doc": None}
    assert first.prev_hash == GENESIS_HASH


def test_query_pages_by_keyset(store: Store) -> None:
    _fill(store, 25)
    seen: list[int] = []
    before = None
    while page := query_audit(store, before_seq=before, limit=10):
        seen.extend(e.seq for e in page)
        before = page[-1].seq
        append_audit(
            store,
            at=NOW,
            staff_no="S900",
            role="supervisor",
            counter="1",
            action="audit_view",
            subject="",
            outcome="ok",
        )  # new entries do not shift the pages
    assert seen == list(range(25, 0, -1))


def test_subject_key_is_unsalted_sha256_of_the_id() -> None:
    assert subject_key(" f223456786") == hashlib.sha256(b"F223456786").hexdigest()


def test_query_uses_the_indexes(store: Store) -> None:
    plan = " ".join(
        str(tuple(r))
        for r in store.all(
            "EXPLAIN QUERY PLAN SELECT seq FROM audit_log WHERE subject_key = ? AND seq < ? "
            "ORDER BY seq DESC LIMIT 50",
            ("x", 10),
        )
    )
    assert "audit_log_subject_key" in plan


def test_free_text_in_an_entry_never_keeps_a_full_id(tmp_path: Path) -> None:
    """An export file or a device named after an ID must not put the full ID into the append-only log."""
    from data.audit import append_audit, query_audit
    from data.store import open_store

    store = open_store(tmp_path / "k.db")
    append_audit(store, at=NOW, staff_no="S900", role="supervisor", counter="01", action="audit_export",
                 subject="export A123456789", outcome="ok",
                 detail={"file": "A123456789.csv", "devices": [{"name": "A123456789 的手機"}]})
    [entry] = query_audit(store, limit=1)
    assert "A123456789" not in f"{entry.subject} {entry.detail}"
    assert entry.detail["file"].startswith("A123")
    store.close()
