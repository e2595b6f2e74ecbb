"""SIGKILL a counter process in the middle of every kind of service, 100 times, on one database file.

After each kill: ``PRAGMA integrity_check`` is ok, ``kiosk audit verify`` (the real CLI, in its own
process) exits 0, no rule across the database is broken (tests/hardening/workload.py
``global_problems``), every service the killed process began is either completely done or not at
all, a service it reported done is in the database, each done service has exactly one audit entry
and its receipt job(s), and every print job committed before the kill is still there, queued or
sent. At the end, citizens no process reached are untouched.

Kills are spread round-robin over the 12 service kinds, each after a random 20–300 ms from the
moment the process says it has started. The seed is printed, and ``CRASH_SEED`` replays a run.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from data.demo import seed_demo
from data.print_jobs import release_claims
from data.store import Store, open_store
from kiosk.core.secrets_hash import hash_secret
from tests.hardening.workload import (
    KINDS,
    SETUP_AT,
    Item,
    audit_outcomes,
    global_problems,
    item_problems,
    observe,
    populate,
    send_items,
)

KILLS = 100
DELAY_MS = (20, 300)
CHUNK = 40  # citizens generated at a time for a kind, more whenever fewer are left
SEND_BASE = 900_000  # receipt-send operations get indexes far from the citizens'
WORKER = Path(__file__).with_name("crash_worker.py")
# How long a worker may say nothing before it counts as hung: generous, since a loaded 2-core
# machine (CI beside other work) can stall a fresh Python process for tens of seconds. Not a timing
# assertion: a healthy worker answers in milliseconds.
LINE_TIMEOUT = 120.0


@dataclass
class Run:
    pid: int = 0
    begun: list[int] = field(default_factory=list)
    done: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    finished: bool = False
    killed: bool = False
    last: str = ""  # the last of begin/txn/done before the end: where the kill landed


class Worker:
    """The crash worker process and a thread reading its lines (so a hung child cannot hang us)."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen([sys.executable, str(WORKER), str(db)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self._next() == "ready"

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _next(self) -> str:
        try:
            line = self.lines.get(timeout=LINE_TIMEOUT)
        except queue.Empty:
            raise AssertionError("crash worker went silent") from None
        if line is None:
            assert self.process.stderr is not None
            raise AssertionError(f"crash worker died: {self.process.stderr.read()[-3000:]}")
        return line

    def run_and_kill(self, items: list[Item], delay: float) -> Run:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"items": [x.as_json() for x in items]}) + "\n")
        self.process.stdin.flush()
        run = Run()
        while run.pid == 0:
            word, _, rest = self._next().partition(" ")
            if word == "started":
                run.pid = int(rest)
            elif word == "exit":
                raise AssertionError(f"worker child exited before starting (status {rest})")
        deadline = time.monotonic() + delay
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(run.pid, signal.SIGKILL)
                break
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None or self._record(run, line):
                break
        while True:  # drain to the parent's "exit" line: the child is reaped, its lines are all in
            if self._record(run, self._next()):
                break
        return run

    @staticmethod
    def _record(run: Run, line: str) -> bool:
        """Note one line; True on the worker's ``exit`` line."""
        word, _, rest = line.partition(" ")
        if word in ("begin", "txn", "done"):
            run.last = word
        if word == "begin":
            run.begun.append(int(rest))
        elif word == "done":
            run.done.add(int(rest))
        elif word == "error":
            run.errors.append(rest)
        elif word == "finished":
            run.finished = True
        elif word == "exit":
            status = int(rest.split()[1])
            run.killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            return True
        return False

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps("quit") + "\n")
            self.process.stdin.flush()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _audit_verify_cli(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "--db", str(db), "audit", "verify"],
                          capture_output=True, text=True, timeout=60)


def _jobs(store: Store) -> dict[int, str]:
    return {int(r["id"]): str(r["state"]) for r in store.all("SELECT id, state FROM print_jobs")}


def _lost_receipts(before: dict[int, str], after: dict[int, str], kind: str) -> list[str]:
    allowed = {"queued": {"queued", "sent"} if kind == "receipt_send" else {"queued"}, "sent": {"sent"}}
    return [f"job {job}: {state} → {after.get(job, 'missing')}" for job, state in before.items()
            if after.get(job, "missing") not in allowed.get(state, {state})]


def _kill_and_check(worker: Worker, store: Store, db: Path, kind: str, items: list[Item],
                    delay: float) -> tuple[Run, list[str]]:
    """Run ``items`` in a fresh process, SIGKILL it after ``delay`` s, and list what is broken."""
    jobs_before = _jobs(store)
    run = worker.run_and_kill(items, delay)
    assert not run.errors, f"{kind}: {run.errors}"
    # A process that got through everything before the kill is checked all the same.
    assert run.killed or run.finished, f"{kind}: the process ended without being killed or finishing"
    # What the next kiosk start does first: a receipt claimed for sending when the process died
    # goes back in line (data.print_jobs.release_claims, via PrintQueue.recover).
    release_claims(store)
    problems = [] if store.one("PRAGMA integrity_check")[0] == "ok" else ["integrity_check failed"]  # type: ignore[index]
    cli = _audit_verify_cli(db)
    if cli.returncode != 0:
        problems.append(f"kiosk audit verify exited {cli.returncode}: {cli.stdout}{cli.stderr}")
    problems += global_problems(store)
    problems += _lost_receipts(jobs_before, _jobs(store), kind)
    by_index = {x.i: x for x in items}
    for i in run.begun:
        problems += item_problems(store, by_index[i], reported_done=i in run.done)[1]
    return run, problems


def test_sigkill_mid_service_leaves_every_service_whole_or_absent(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    print(f"CRASH_SEED={seed}")
    rng = random.Random(seed)
    db = tmp_path / "kiosk.db"
    store = open_store(db)
    seed_demo(store, now=SETUP_AT, hash_pin=hash_secret)
    pools: dict[str, list[Item]] = {k: [] for k in KINDS}
    reached: dict[str, int] = dict.fromkeys(KINDS, 0)  # items handed to a process and begun
    next_index = 0
    send_index = SEND_BASE
    in_flight: Counter[str] = Counter()  # was the service being run at the kill committed?
    landed: Counter[str] = Counter()  # what the process was doing when killed
    completed: Counter[str] = Counter()
    kills = 0
    kinds = list(KINDS)
    worker = Worker(db)
    try:
        n = 0
        while kills < KILLS:
            kind = kinds[n % len(kinds)]
            n += 1
            if kind == "receipt_send":
                items = send_items(store, send_index, 200)
                send_index += len(items)
                assert items, "nothing queued to send"
            else:
                if len(pools[kind]) - reached[kind] < CHUNK:
                    pools[kind] += populate(store, kind, range(next_index, next_index + CHUNK))
                    next_index += CHUNK
                items = pools[kind][reached[kind]:]
            run, problems = _kill_and_check(worker, store, db, kind, items, rng.uniform(*DELAY_MS) / 1000)
            begun = [x for x in items if x.i in set(run.begun)]
            if kind != "receipt_send":
                reached[kind] += len(begun)
            assert not problems, f"after kill {kills + 1} ({kind}, seed {seed}):\n" + "\n".join(problems)
            for item in begun:
                done = observe(store, item)[0] is True
                completed[kind] += done
                if item.i not in run.done:
                    in_flight["committed" if done else "rolled back"] += 1
            if not run.killed:
                continue  # everything handed over was done before the kill: not a kill mid-service
            kills += 1
            landed[{"txn": "in a write transaction", "begin": "in a service, before its transaction",
                    "done": "between services"}.get(run.last, "before the first service")] += 1
    finally:
        worker.close()

    untouched = [x for k in KINDS for x in pools[k][reached[k]:]]
    leftovers = [f"{x.kind} {x.nid}: {observe(store, x)[1]}" for x in untouched if observe(store, x)[0] is not False]
    leftovers += [f"{x.kind} {x.nid}: audit {dict(audit_outcomes(store, x))}" for x in untouched
                  if audit_outcomes(store, x)]
    assert not leftovers, leftovers
    print(f"kills={kills} landed={dict(landed)} completed={dict(completed)} in-flight={dict(in_flight)}")
    assert set(completed) == set(KINDS), f"some kinds never completed a service: {dict(completed)}"
    assert landed["in a write transaction"] >= KILLS // 4, f"too few kills inside a transaction: {dict(landed)}"
    store.close()


def test_the_checks_catch_a_service_that_commits_in_two_steps(tmp_path: Path) -> None:
    """The same harness on a deliberately broken deregistration (devices disabled in one commit, the
    account in a later one): a kill in between must be reported as half-done."""
    db = tmp_path / "kiosk.db"
    store = open_store(db)
    seed_demo(store, now=SETUP_AT, hash_pin=hash_secret)
    items = [replace(x, kind="split_deregistration") for x in populate(store, "deregistration", range(3))]
    worker = Worker(db)
    try:
        run, problems = _kill_and_check(worker, store, db, "split_deregistration", items, 0.25)
    finally:
        worker.close()
    assert run.killed and run.begun == [0] and not run.done
    assert problems and all("half-done" in p for p in problems), problems
    assert "'active', [False, False]" in problems[0]
    store.close()
