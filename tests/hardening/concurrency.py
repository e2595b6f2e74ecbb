"""Several counter processes doing mixed services on one database file: plan, run, check, summarise.

Used by ``tests/hardening/test_concurrent_counters.py`` (4 processes, few operations) and
``bench/concurrency`` (8 processes, figures). Every process runs the same shuffled sequence of
service kinds on citizens of its own, except the ``shared`` registrations: every process tries to
register the same citizens, at the same positions in its sequence, so they really collide.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from data.audit import verify_chain
from data.store import Store, ts
from tests.hardening.workload import KINDS, Item, audit_outcomes, global_problems, item_problems, make_id, populate

WORKER = Path(__file__).with_name("concurrent_worker.py")
SHARED = "shared_registration"
# Every service a clerk starts; receipt sends follow each one that queued a receipt.
MIX = (*(k for k in KINDS if k != "receipt_send"), SHARED)
PROCESS_STRIDE = 100_000  # operation indexes of process p start at p * stride


@dataclass(frozen=True)
class Record:
    kind: str
    i: int
    nid: str
    outcome: str
    seconds: float
    message: str
    arg: int | None

    @property
    def item(self) -> Item:
        return Item(self.kind, self.i, self.nid, self.arg)


@dataclass
class Plan:
    processes: int
    ops: dict[int, list[Item]]  # by process
    shared_ids: list[str]


@dataclass
class Outcome:
    records: dict[int, list[Record]]  # by process
    wall_seconds: float
    own_jobs: dict[int, list[int]]  # print jobs each process's services queued
    printed: dict[int, list[tuple[int, bool]]]  # app_send only: (job, marked sent here) per printed job

    def all(self) -> list[Record]:
        return [r for rs in self.records.values() for r in rs]


def make_plan(store: Store, processes: int, ops_per_process: int, seed: int = 0) -> Plan:
    """``ops_per_process`` services for each process, every kind in ``MIX`` about equally often."""
    rng = random.Random(seed)
    sequence = [MIX[n % len(MIX)] for n in range(ops_per_process)]
    rng.shuffle(sequence)
    per_kind = Counter(sequence)
    shared_ids = [make_id("X", n) for n in range(per_kind[SHARED])]
    ops: dict[int, list[Item]] = {}
    for p in range(processes):
        base = p * PROCESS_STRIDE
        pools: dict[str, list[Item]] = {}
        offset = base
        for kind, count in sorted(per_kind.items()):
            if kind != SHARED:
                pools[kind] = populate(store, kind, range(offset, offset + count))
            offset += count
        shared = iter(shared_ids)
        plan: list[Item] = []
        for n, kind in enumerate(sequence):
            if kind == SHARED:
                plan.append(Item("registration", base + 50_000 + n, next(shared)))
            else:
                plan.append(pools[kind].pop(0))
        ops[p] = plan
    return Plan(processes, ops, shared_ids)


def run_counters(db: Path, plan: Plan, workdir: Path, timeout: float = 600, *,
                 sqlite_backoff: bool = False, app_send: bool = False) -> Outcome:
    """Start one process per counter, release them together, and collect what each reports.

    ``sqlite_backoff`` makes the counters wait for the write lock with SQLite's own busy handler
    alone (data/store.py before it waited in short rounds), for comparison. ``app_send`` makes each
    counter print as the app does (every queued job in the file, ``PrintQueue.send_pending``).
    """
    go = workdir / "go"
    env = dict(os.environ)
    if sqlite_backoff:
        env["HARDENING_SQLITE_BACKOFF"] = "1"
    if app_send:
        env["HARDENING_APP_SEND"] = "1"
    procs: dict[int, subprocess.Popen[bytes]] = {}
    for p, items in plan.ops.items():
        plan_file = workdir / f"plan{p}.json"
        plan_file.write_text(json.dumps([x.as_json() for x in items]))
        procs[p] = subprocess.Popen(
            [sys.executable, str(WORKER), str(db), str(p + 1), str(plan_file), str(workdir / f"out{p}.json"),
             str(workdir / f"ready{p}"), str(go)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    while not all((workdir / f"ready{p}").exists() for p in procs):
        dead = {p: proc.communicate()[1].decode() for p, proc in procs.items() if proc.poll() is not None}
        if dead or time.monotonic() > deadline:
            for proc in procs.values():
                proc.kill()
            raise RuntimeError(f"counter processes did not start: {dead}")
        time.sleep(0.01)
    started = time.perf_counter()
    go.touch()
    for p, proc in procs.items():
        _, err = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"counter {p + 1} exited {proc.returncode}: {err.decode()[-3000:]}")
    wall = time.perf_counter() - started
    out = {p: json.loads((workdir / f"out{p}.json").read_text()) for p in procs}
    return Outcome({p: [Record(*r) for r in o["records"]] for p, o in out.items()}, wall,
                   {p: o["own_jobs"] for p, o in out.items()},
                   {p: [(int(j), bool(m)) for j, m in o["printed"]] for p, o in out.items()})


def misprinted(outcome: Outcome) -> tuple[int, int, int, int]:
    """(receipts printed, print-outs in all, print-outs at a counter that did not queue the receipt,
    receipts printed more than once)."""
    owner = {job: p for p, jobs in outcome.own_jobs.items() for job in jobs}
    copies = Counter(job for jobs in outcome.printed.values() for job, _ in jobs)
    foreign = sum(1 for p, jobs in outcome.printed.items() for job, _ in jobs if owner.get(job) != p)
    return len(copies), sum(copies.values()), foreign, sum(1 for n in copies.values() if n > 1)


def check(store: Store, db: Path, plan: Plan, outcome: Outcome) -> list[str]:
    """Everything that must hold after the counters are done; an empty list when it all does."""
    problems: list[str] = []
    records = outcome.all()
    by_outcome = Counter(r.outcome for r in records)
    for bad in ("store_error", "error"):
        shown = [f"{r.kind} {r.nid}: {r.message}" for r in records if r.outcome == bad][:5]
        if by_outcome[bad]:
            problems.append(f"{by_outcome[bad]} operations ended in {bad}: {shown}")
    shared = set(plan.shared_ids)
    attempts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        if r.kind == "registration" and r.nid in shared:
            attempts[r.nid][r.outcome] += 1
            jobs = store.one("SELECT count(*) FROM print_jobs WHERE created_at = ?", (ts(r.item.at),))
            if jobs is None or jobs[0] != (1 if r.outcome == "ok" else 0):
                problems.append(f"shared registration {r.nid} ({r.outcome}) has {jobs and jobs[0]} print jobs")
        elif r.outcome == "ok" and r.kind != "send_pending":
            problems += item_problems(store, r.item, reported_done=True)[1]
    for nid in plan.shared_ids:
        want = Counter({"ok": 1, "refused": plan.processes - 1})
        if attempts[nid] != want:
            problems.append(f"shared registration {nid}: outcomes {dict(attempts[nid])}, expected {dict(want)}")
        audit = audit_outcomes(store, Item("registration", 0, nid))
        if audit != Counter({("register", "ok"): 1, ("register", "refused"): plan.processes - 1}):
            problems.append(f"shared registration {nid}: audit {dict(audit)}")
    audited = sum(1 for r in records if r.kind in (*MIX, "registration") and r.outcome in ("ok", "refused"))
    row = store.one("SELECT count(*) FROM audit_log WHERE at >= ?", (ts(min(x.at for xs in plan.ops.values()
                                                                               for x in xs)),))
    if row is None or row[0] != audited:
        problems.append(f"{row and row[0]} audit entries for {audited} audited operations")
    problems += global_problems(store)
    if store.one("PRAGMA integrity_check")[0] != "ok":  # type: ignore[index]
        problems.append("integrity_check failed")
    result = verify_chain(db)
    if not result.ok:
        problems.append(f"audit chain broken at {result.first_bad_seq}: {result.reason_en}")
    return problems


def summarise(plan: Plan, outcome: Outcome) -> list[tuple[str, int, float, float, float, float]]:
    """Per service: (service, operations, ops/s over the wall time, p50 ms, p99 ms, max ms); then 'all'.

    Contested registrations (every counter trying the same citizen) are listed apart from the others.
    """
    shared = set(plan.shared_ids)
    groups: dict[str, list[float]] = defaultdict(list)
    for r in outcome.all():
        contested = r.kind == "registration" and r.nid in shared
        groups["registration (contested)" if contested else r.kind].append(r.seconds)
    rows = []
    for kind in [*sorted(groups), "all"]:
        values = sorted(groups[kind] if kind != "all" else [s for v in groups.values() for s in v])
        rows.append((kind, len(values), len(values) / outcome.wall_seconds, percentile(values, 50) * 1000,
                     percentile(values, 99) * 1000, values[-1] * 1000))
    return rows


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 100 values is the 99th)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[int(rank) - 1]


__all__ = ["MIX", "Outcome", "Plan", "Record", "check", "make_plan", "misprinted", "run_counters", "summarise"]
