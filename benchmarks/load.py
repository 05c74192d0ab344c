"""Load test: N simulated candidates sit the Unit 2 adaptive test at once against gunicorn.

Books N present candidates (default 500) into one started session on a fresh database,
serves the app under gunicorn on a loopback port (nothing leaves the machine) and runs
each candidate in its own thread: sign in with the session key, wait for everyone, start
together (the synchronised 9:00 start), then fetch each item, answer it, ask for the next
(the shadow-test engine chooses it) until the test says there are no more (or `--items`
have been answered), and submit.

It prints p50/p95/p99 latency per step, throughput, errors, the synchronised start's
spread, and then checks the database: every acknowledged answer must be stored (`lost`
must be 0) and the session's event log must verify. It stops by itself after
`--max-seconds`. The last line is one JSON object with the figures.

    PYTHONPATH=. python benchmarks/load.py --candidates 500 --db sqlite
    PYTHONPATH=. python benchmarks/load.py --candidates 500 --db postgres \
        [--postgres-url postgresql://postgres@127.0.0.1:5432/test]
"""

import argparse
import json
import os
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select, tuple_

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.delivery import KEY, book_learners, database_urls, drop, machine
from benchmarks.server import Server, free_port
from exam_engine import create_app
from exam_engine.core.extensions import db
from exam_engine.delivery.client import RunnerClient, some_answer
from exam_engine.delivery.models import AnswerEvent
from exam_engine.delivery.services.audit import prove_session
from invigilation.models.sessions import Sitting

STEPS = ("sign_in", "start", "item", "answer", "next_item", "submit")
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


def candidate(base_url: str, seat: tuple[str, str], items: int | None, barrier: threading.Barrier,
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
        _sit(client, number, sitting["sitting"], items, stop, results)
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


def _sit(client: RunnerClient, number: str, sitting_id: int, items: int | None, stop: threading.Event,
         results: Results) -> None:
    _, started = _call(client, results, "start", "POST", f"/api/runner/sittings/{sitting_id}/start",
                       {"declaration_accepted": True}, (201,))
    with results.lock:
        results.started_at.append(time.perf_counter())
    base = f"/api/runner/attempts/{started['attempt']}"
    position = 1
    while not stop.is_set():
        _, shown = _call(client, results, "item", "GET", f"{base}/items/{position}")
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


def run(url: str, candidates: int, items: int | None, workers: int, threads: int,
        max_seconds: float) -> dict[str, object]:
    numbers = book_learners(url, candidates, 0)
    server = Server(url, {}, free_port(), workers=workers, threads=threads)
    server.start()
    results, stop = Results(), threading.Event()
    released: list[float] = []
    barrier = threading.Barrier(candidates, action=lambda: released.append(time.perf_counter()))
    pool = [threading.Thread(target=candidate, args=(server.url, n, items, barrier, stop, results), daemon=True)
            for n in numbers]
    began = time.perf_counter()
    try:
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
        server.kill()
    wall = time.perf_counter() - began
    stored, verified = stored_answers(url, results.acknowledged)
    requests = sum(len(v) for v in results.latencies.values())
    figures: dict[str, object] = {
        "candidates": candidates, "items_per_candidate": items or "all", "submitted": results.submitted,
        "errors": len(results.errors), "busy_retries": results.retries,
        "answers_sent": len(results.acknowledged), "answers_stored": stored,
        "lost": len(results.acknowledged) - stored, "event_log_verified": verified,
        "requests": requests, "seconds": round(wall, 1), "throughput_rps": round(requests / wall, 1),
        "start_spread_s": round(max(results.started_at) - released[0], 1) if released and results.started_at else None,
    }
    for step in STEPS:
        for q in (50, 95, 99):
            figures[f"p{q}_ms_{step}"] = percentile_ms(results.latencies[step], q)
    figures["first_errors"] = results.errors[:5]
    return figures


def report(figures: dict[str, object], label: str) -> None:
    print(f"{label}: {figures['candidates']} candidates ({figures['items_per_candidate']} items each), "
          f"{figures['submitted']} submitted, {figures['busy_retries']} busy answers resent, "
          f"{figures['errors']} errors, {figures['seconds']} s, {figures['throughput_rps']} requests/s")
    for step in STEPS:
        print(f"  {step:<10} p50 {figures[f'p50_ms_{step}']:>8} ms  p95 {figures[f'p95_ms_{step}']:>8} ms  "
              f"p99 {figures[f'p99_ms_{step}']:>8} ms")
    spread = figures["start_spread_s"]
    print(f"  synchronised start: all started within {spread} s of the signal "
          f"({'within' if spread is not None and spread <= 60 else 'NOT within'} one minute)")
    print(f"  answers acknowledged {figures['answers_sent']}, stored {figures['answers_stored']}, "
          f"lost {figures['lost']}; event log {'verifies' if figures['event_log_verified'] else 'DOES NOT verify'}")
    for error in figures["first_errors"]:  # type: ignore[attr-defined]
        print(f"  error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES,
                        help="PostgreSQL server URL (a database is created for the run and dropped)")
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2), help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--items", type=int, default=None,
                        help="answer only the first ITEMS items, then submit (default: the whole test)")
    parser.add_argument("--max-seconds", type=float, default=1800, help="stop the candidates after this long")
    args = parser.parse_args()
    if args.candidates < 1:
        parser.error("--candidates must be at least 1")
    print(f"Machine: {machine()}", flush=True)
    postgres = args.postgres_url if args.db == "postgres" else None
    urls = database_urls(postgres)
    label = "PostgreSQL" if args.db == "postgres" else "SQLite"
    url, name = urls[label]
    try:
        figures = run(url, args.candidates, args.items, args.workers, args.threads, args.max_seconds)
    finally:
        if name and postgres:
            drop(postgres, name)
    figures["db"] = args.db
    report(figures, label)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
