"""Load test: N simulated candidates sit the Unit 2 adaptive test at once against gunicorn.

Books N present candidates (default 500) into S started sessions (rooms) on a fresh
database, serves the app under K gunicorn servers on loopback ports (nothing leaves the
machine; candidates are spread over the servers, which share only the database) and runs
each candidate in its own thread as the player does: sign in with the candidate's own
code and unlock with the session key, wait for everyone, start together (the
synchronised 9:00 start), then fetch each item, think (`--think` seconds on average,
polling the status at the player's interval meanwhile), answer it, ask for the next (the
shadow-test engine chooses it) until the test says there are no more (or `--items` have
been answered), and submit.

It prints p50/p95/p99 latency per step at the client and, from the servers' request
logs, the time each step spent in the server; throughput, errors, the synchronised
start's spread; then it checks the database: every acknowledged answer must be stored
(`lost` must be 0) and every session must pass `verify-log`'s checks. It stops by itself
after `--max-seconds`. The last line is one JSON object with the figures.

    PYTHONPATH=. python benchmarks/load.py --candidates 1000 --sessions 40 --think 30 --servers 2 \
        --db postgres [--postgres-url postgresql://postgres@127.0.0.1:5432/test]
    PYTHONPATH=. python benchmarks/load.py --candidates 300 --sessions 12 --think 30 --db sqlite
"""

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
from sqlalchemy import select, tuple_

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.delivery import KEY, book_learners, machine, scratch_database
from benchmarks.server import Server, free_port
from exam_engine import create_app
from exam_engine.core.extensions import db
from exam_engine.delivery.client import RunnerClient, some_answer
from exam_engine.delivery.models import AnswerEvent
from exam_engine.delivery.services.audit import prove_session
from invigilation.models.sessions import Sitting

STEPS = ("sign_in", "start", "item", "answer", "next_item", "status", "submit")
ENDPOINT_STEPS = {"runner_api.sign_in": "sign_in", "runner_api.unlock": "sign_in", "runner_api.start": "start",
                  "runner_api.item": "item", "runner_api.answer": "answer", "runner_api.next_item": "next_item",
                  "runner_api.status": "status", "runner_api.submit": "submit"}
POLL_SECONDS = 15.0  # the player's status poll (RUNNER_POLL_SECONDS)
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
RETRIES = 30


@dataclass
class Results:
    """What every candidate thread measured, under one lock."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    acknowledged: list[tuple[int, str]] = field(default_factory=list)  # (attempt, idempotency key)
    started_at: list[float] = field(default_factory=list)
    submitted: int = 0
    retries: int = 0  # 503 busy answers that were sent again
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, step: str, seconds: float) -> None:
        with self.lock:
            self.latencies[step].append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def candidate(base_url: str, seat: tuple[str, str], items: int | None, think: float, barrier: threading.Barrier,
              stop: threading.Event, results: Results) -> None:
    """One candidate's whole test; every failure is counted, none stops the others."""
    number, code = seat
    client = RunnerClient(base_url, timeout=120)
    sitting = None
    began = time.perf_counter()
    for _ in range(RETRIES):
        try:
            sitting = client.sign_in(number, code, KEY)
            results.timed("sign_in", time.perf_counter() - began)
            break
        except Exception as error:
            if "(503)" not in str(error):
                results.error(f"{number} sign-in: {error}")
                break
            with results.lock:
                results.retries += 1
            time.sleep(1.0)
    try:
        barrier.wait(timeout=600)
    except threading.BrokenBarrierError:
        results.error(f"{number}: the synchronised start never came")
        return
    if sitting is None:
        return
    try:
        _sit(client, number, sitting["sitting"], items, think, stop, results)
    except Exception as error:
        results.error(f"{number}: {error}")


def _call(client: RunnerClient, results: Results, step: str, method: str, path: str, body: object = None,
          expected: tuple[int, ...] = (200,)) -> tuple[int, object]:
    """One step, resent (as the runner page does) while the server answers 503 busy; the
    latency recorded is the whole time until the step got its answer."""
    waited = 0.0
    for _ in range(RETRIES):
        status, answer, seconds = client.call(method, path, body)
        waited += seconds
        if status != 503:
            break
        with results.lock:
            results.retries += 1
        time.sleep(1.0)
        waited += 1.0
    results.timed(step, waited)
    if status not in expected:
        raise RuntimeError(f"{step} {path}: {status} {answer}")
    return status, answer


def _think(client: RunnerClient, results: Results, base: str, seconds: float, stop: threading.Event) -> None:
    """Spend `seconds` on an item as the player does: the status is polled every `POLL_SECONDS`."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        stop.wait(min(left, POLL_SECONDS))
        if deadline - time.monotonic() > 0:
            _call(client, results, "status", "GET", base)


def _sit(client: RunnerClient, number: str, sitting_id: int, items: int | None, think: float,
         stop: threading.Event, results: Results) -> None:
    _, started = _call(client, results, "start", "POST", f"/api/runner/sittings/{sitting_id}/start",
                       {"declaration_accepted": True}, (201,))
    with results.lock:
        results.started_at.append(time.perf_counter())
    base = f"/api/runner/attempts/{started['attempt']}"
    position, pace = 1, random.Random(number)
    while not stop.is_set():
        _, shown = _call(client, results, "item", "GET", f"{base}/items/{position}")
        if think:
            _think(client, results, base, pace.expovariate(1 / think), stop)
        key = f"{number}-{position}"
        _call(client, results, "answer", "POST", f"{base}/answers",
              {"position": position, "answer": some_answer(shown["item"]), "idempotency_key": key})
        with results.lock:
            results.acknowledged.append((started["attempt"], key))
        if items is not None and position >= items:
            break
        status, moved = _call(client, results, "next_item", "POST", f"{base}/next", {"after": position}, (201, 409))
        if status == 409:
            if moved.get("error") != "no_more_items":
                raise RuntimeError(f"next item refused: {moved}")
            break
        position = moved["position"]
    if not stop.is_set():
        _call(client, results, "submit", "POST", f"{base}/submit")
        with results.lock:
            results.submitted += 1


def stored_answers(url: str, acknowledged: list[tuple[int, str]]) -> tuple[int, bool]:
    """How many acknowledged answers the database holds, and whether every session's logs verify and
    agree with the stored answers and scores (`verify-log`'s checks)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"})
    with app.app_context():
        stored = 0
        for start in range(0, len(acknowledged), 500):
            chunk = acknowledged[start:start + 500]
            stored += len(db.session.execute(select(AnswerEvent.id).where(
                tuple_(AnswerEvent.attempt_id, AnswerEvent.idempotency_key).in_(chunk))).all())
        sessions = set(db.session.scalars(select(Sitting.session_id)))
        verified = all(prove_session(session_id).ok for session_id in sessions)
        db.engine.dispose()
    return stored, verified


def percentile_ms(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else 0.0


def server_times(logs: list[Path]) -> dict[str, list[float]]:
    """Seconds each step spent in the servers, from their request logs (one JSON line per request)."""
    times: dict[str, list[float]] = defaultdict(list)
    for log in logs:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            step = ENDPOINT_STEPS.get(entry.get("endpoint", "")) if isinstance(entry, dict) else None
            if step and "duration_ms" in entry:
                times[step].append(entry["duration_ms"] / 1000)
    return times


def run(url: str, candidates: int, sessions: int, servers: int, items: int | None, think: float, workers: int,
        threads: int, max_seconds: float) -> dict[str, object]:
    rooms = [candidates // sessions + (1 if s < candidates % sessions else 0) for s in range(sessions)]
    numbers = [seat for s, size in enumerate(rooms) for seat in book_learners(url, size, s)]
    logs = [Path(tempfile.mkdtemp(prefix="load-log-")) / f"server-{k}.log" for k in range(servers)]
    running = [Server(url, {}, free_port(), workers=workers, threads=threads, log=log) for log in logs]
    results, stop = Results(), threading.Event()
    released: list[float] = []
    barrier = threading.Barrier(candidates, action=lambda: released.append(time.perf_counter()))
    pool = [threading.Thread(target=candidate, args=(running[n % servers].url, seat, items, think, barrier, stop,
                                                     results), daemon=True)
            for n, seat in enumerate(numbers)]
    began = time.perf_counter()
    try:
        for server in running:
            server.start()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(timeout=max(0.0, max_seconds - (time.perf_counter() - began)))
        if any(thread.is_alive() for thread in pool):
            stop.set()
            results.error(f"stopped after {max_seconds:.0f} s with candidates still sitting")
            for thread in pool:
                thread.join(timeout=130)
    finally:
        for server in running:
            server.kill()
    wall = time.perf_counter() - began
    stored, verified = stored_answers(url, results.acknowledged)
    in_server = server_times(logs)
    requests = sum(len(v) for v in results.latencies.values())
    figures: dict[str, object] = {
        "candidates": candidates, "sessions": sessions, "servers": servers, "think_s": think,
        "items_per_candidate": items or "all", "submitted": results.submitted,
        "errors": len(results.errors), "busy_retries": results.retries,
        "answers_sent": len(results.acknowledged), "answers_stored": stored,
        "lost": len(results.acknowledged) - stored, "event_log_verified": verified,
        "requests": requests, "seconds": round(wall, 1), "throughput_rps": round(requests / wall, 1),
        "start_spread_s": round(max(results.started_at) - released[0], 1) if released and results.started_at else None,
    }
    for step in STEPS:
        for q in (50, 95, 99):
            figures[f"p{q}_ms_{step}"] = percentile_ms(results.latencies[step], q)
            figures[f"p{q}_ms_{step}_server"] = percentile_ms(in_server[step], q)
    figures["first_errors"] = results.errors[:5]
    return figures


def report(figures: dict[str, object], label: str) -> None:
    print(f"{label}: {figures['candidates']} candidates in {figures['sessions']} sessions on {figures['servers']} "
          f"server(s) ({figures['items_per_candidate']} items each, think {figures['think_s']} s), "
          f"{figures['submitted']} submitted, {figures['busy_retries']} busy answers resent, "
          f"{figures['errors']} errors, {figures['seconds']} s, {figures['throughput_rps']} requests/s")
    print(f"  {'step':<10} {'client p50':>11} {'p95':>8} {'p99':>8}   {'server p50':>11} {'p95':>8} {'p99':>8}  (ms)")
    for step in STEPS:
        print(f"  {step:<10} {figures[f'p50_ms_{step}']:>11} {figures[f'p95_ms_{step}']:>8} "
              f"{figures[f'p99_ms_{step}']:>8}   {figures[f'p50_ms_{step}_server']:>11} "
              f"{figures[f'p95_ms_{step}_server']:>8} {figures[f'p99_ms_{step}_server']:>8}")
    spread = figures["start_spread_s"]
    print(f"  synchronised start: all started within {spread} s of the signal")
    print(f"  answers acknowledged {figures['answers_sent']}, stored {figures['answers_stored']}, "
          f"lost {figures['lost']}; logs {'verify' if figures['event_log_verified'] else 'DO NOT verify'}")
    for error in cast(list[str], figures["first_errors"]):
        print(f"  error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=1, help="rooms the candidates are spread over")
    parser.add_argument("--servers", type=int, default=1, help="gunicorn servers sharing the database")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds on an item before answering (exponential), polling the status meanwhile")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES,
                        help="PostgreSQL server URL (a database is created for the run and dropped)")
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2), help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--items", type=int, default=None,
                        help="answer only the first ITEMS items, then submit (default: the whole test)")
    parser.add_argument("--max-seconds", type=float, default=1800, help="stop the candidates after this long")
    args = parser.parse_args()
    if args.candidates < 1 or not 1 <= args.sessions <= args.candidates or args.servers < 1:
        parser.error("give at least 1 candidate, 1 to CANDIDATES sessions and at least 1 server")
    print(f"Machine: {machine()}", flush=True)
    with scratch_database(args.postgres_url if args.db == "postgres" else None) as url:
        figures = run(url, args.candidates, args.sessions, args.servers, args.items, args.think, args.workers,
                      args.threads, args.max_seconds)
    figures["db"] = args.db
    report(figures, "PostgreSQL" if args.db == "postgres" else "SQLite")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
