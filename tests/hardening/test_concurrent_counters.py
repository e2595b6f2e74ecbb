"""Four counter processes doing mixed services on one database file at the same moment.

Every operation a process reports done is in the database with its one audit entry and its
receipt(s); each citizen every counter tries to register is registered exactly once (the others are
told so, and the refusal is audited); no ``StoreError`` ("database is locked") reaches a clerk; the
audit chain, ``integrity_check`` and the rules across the database hold. ``bench/concurrency`` runs
the same with 8 processes and prints throughput and latency.
"""

from __future__ import annotations

from pathlib import Path

from data.demo import seed_demo
from data.store import open_store
from kiosk.core.secrets_hash import hash_secret
from tests.hardening.concurrency import MIX, check, make_plan, run_counters, summarise
from tests.hardening.workload import SETUP_AT

PROCESSES = 4
OPS = 2 * len(MIX)  # each process: every service twice, two of them contested registrations


def test_four_counters_on_one_file_lose_nothing_and_register_each_citizen_once(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    store = open_store(db)
    seed_demo(store, now=SETUP_AT, hash_pin=hash_secret)
    plan = make_plan(store, PROCESSES, OPS, seed=9)
    outcome = run_counters(db, plan, tmp_path)
    for row in summarise(plan, outcome):
        print("{:<26} n={:>4} {:7.1f} ops/s p50 {:7.1f} ms p99 {:7.1f} ms max {:7.1f} ms".format(*row))

    records = outcome.all()
    assert len([r for r in records if r.kind != "receipt_send"]) == PROCESSES * OPS
    assert len(plan.shared_ids) == 2
    assert sum(r.outcome == "refused" for r in records) == len(plan.shared_ids) * (PROCESSES - 1)
    assert sum(r.kind == "receipt_send" and r.outcome == "ok" for r in records) >= PROCESSES * (OPS - 2)
    problems = check(store, db, plan, outcome)
    assert not problems, "\n".join(problems)
    store.close()
