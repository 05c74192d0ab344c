"""Answer-save and next-item latency of adaptive tests under concurrent simulated learners.

Each run books N learners (default 200) into a started session, serves the app under
gunicorn on a loopback port and lets every learner, in its own thread and all at once,
sign in with the session key, start the Unit 2 adaptive test (its blueprint in
blueprints/data, the real bank) and, item by item, fetch the item, save an answer and ask
for the next item (a shadow-test selection), then submit. It prints p50 and p95 of the
answer-save and next-item latencies per run and the median of the runs, on SQLite and
on PostgreSQL, with a note of the machine (the learners run on the same machine).

    PYTHONPATH=. python benchmarks/delivery.py --learners 200 --runs 3 \
        --postgres postgresql://postgres@127.0.0.1:5432/test
"""

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.server import Server, free_port
from exam_engine import create_app
from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.commands import upgrade_to_head
from exam_engine.core.config import normalise_database_url
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.client import RunnerClient, some_answer
from invigilation.models.centres import Candidate, Centre, Room
from invigilation.models.sessions import SessionState, SessionUnit, Sitting, TestSession
from invigilation.states import SittingState
from item_bank.items.services import load_bank

UNIT = "Y/506/2152"
KEY = "BENCH2"
THREADS = 4


@dataclass
class Latencies:
    save: list[float] = field(default_factory=list)
    next_item: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def book_learners(url: str, learners: int, run: int) -> list[tuple[str, str]]:
    """A started session with `learners` present candidates; returns their candidate numbers and sign-in codes.

    The session is a rehearsal (its candidates are simulated), so the unit's adaptive blueprint
    runs as written although the demo bank's parameters are provisional (the adaptive gate).
    """
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"})
    with app.app_context():
        if run == 0:
            upgrade_to_head()
            load_bank()
        invigilator = User(username=f"bench-inv-{run}", display_name="Bench invigilator", role=Role.INVIGILATOR,
                           password_hash="!")
        centre = Centre(number=f"B{run}-{uuid.uuid4().hex[:6]}", name="Benchmark centre")
        room = Room(centre=centre, name="Hall")
        now = utcnow()
        db.session.add(invigilator)
        db.session.flush()
        session = TestSession(centre=centre, room=room, session_date=date.today(), scheduled_start=now,
                              session_key=KEY, state=SessionState.STARTED, created_by_id=invigilator.id,
                              started_at=now, rehearsal=True)
        unit = SessionUnit(unit_reference=UNIT, test_minutes=45)
        session.units.append(unit)
        db.session.add_all([invigilator, centre, room, session])
        booked = []
        for n in range(learners):
            number = f"{run:02d}{n:04d}"
            user = User(username=f"bench-{run}-{n}", display_name=f"Learner {n}", role=Role.LEARNER, password_hash="!")
            candidate = Candidate(centre=centre, user=user, candidate_number=number)
            sitting = Sitting(session=session, unit=unit, candidate=candidate, state=SittingState.PRESENT,
                              arrived_at=now)
            db.session.add(sitting)
            booked.append(sitting)
        db.session.commit()
        numbers = [(sitting.candidate.candidate_number, sitting.sign_in_code) for sitting in booked]
        db.engine.dispose()
    return numbers


def sit(base_url: str, seat: tuple[str, str], items: int, think: float, barrier: threading.Barrier,
        results: Latencies) -> None:
    """One learner: sign in, start, then fetch, answer (after `think` s on average) and move on, and submit."""
    number, code = seat
    pause = random.Random(number)
    client = RunnerClient(base_url, timeout=120)
    try:
        sitting = client.sign_in(number, code, KEY)
    except Exception as error:
        sitting = None
        with results.lock:
            results.errors.append(f"{number} sign-in: {error}")
    barrier.wait()  # everyone starts together, even if a sign-in failed
    if sitting is None:
        return
    try:
        status = client.start(sitting["sitting"])
        base = f"/api/runner/attempts/{status['attempt']}"
        for position in range(1, items + 1):
            item = client.call("GET", f"{base}/items/{position}")[1]["item"]
            if think:
                time.sleep(pause.expovariate(1 / think))
            code, _, seconds = client.call("POST", f"{base}/answers", {
                "position": position, "answer": some_answer(item), "idempotency_key": f"{number}-{position}"})
            with results.lock:
                (results.save.append(seconds) if code == 200 else results.errors.append(f"save {code}"))
            if position < items:
                code, _, seconds = client.call("POST", f"{base}/next", {"after": position})
                with results.lock:
                    (results.next_item.append(seconds) if code == 201 else results.errors.append(f"next {code}"))
        client.call("POST", f"{base}/submit")
    except Exception as error:
        with results.lock:
            results.errors.append(f"{number}: {error}")


def one_run(url: str, learners: int, items: int, think: float, run: int, workers: int) -> Latencies:
    numbers = book_learners(url, learners, run)
    server = Server(url, {}, free_port(), workers=workers, threads=THREADS)
    server.start()
    results = Latencies()
    try:
        barrier = threading.Barrier(learners)
        threads = [threading.Thread(target=sit, args=(server.url, n, items, think, barrier, results)) for n in numbers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.kill()
    return results


def percentiles(values: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds (NaN when there is nothing to measure, e.g. no next item in a one-item run)."""
    if not values:
        return float("nan"), float("nan")
    return float(np.percentile(values, 50) * 1000), float(np.percentile(values, 95) * 1000)


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{platform.platform()}; {os.cpu_count()} CPUs ({model}); Python {platform.python_version()}"


def add_postgres_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"),
                        help="PostgreSQL server URL (a database is created and dropped)")


def each_database(postgres: str | None) -> Iterator[tuple[str, str]]:
    """(label, URL of a new, empty database): SQLite, and PostgreSQL when a server URL is given;
    each is dropped once the caller moves on."""
    for label, server in {"SQLite": None, **({"PostgreSQL": postgres} if postgres else {})}.items():
        with scratch_database(server) as url:
            yield label, url


@contextmanager
def scratch_database(server: str | None) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file in a temporary folder, or a database
    created on the PostgreSQL `server` and dropped afterwards."""
    if server is None:
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='delivery-bench-')) / 'bench.db'}"
        return
    url = make_url(normalise_database_url(server))
    name = f"delivery_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--items", type=int, default=5,
                        help="items each learner answers of the Unit 2 adaptive test (then submits)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a learner spends on an item before answering (exponential); 0: none")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    add_postgres_option(parser)
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    print(f"{args.learners} concurrent learners each answer {args.items} items of the Unit 2 adaptive test "
          f"(blueprints/data), think time {args.think:g} s on average; "
          f"gunicorn {args.workers} workers x {THREADS} threads on loopback; "
          f"{args.runs} runs per database.", flush=True)
    for label, url in each_database(args.postgres):
        saves, nexts = [], []
        for run in range(args.runs):
            started = time.perf_counter()
            result = one_run(url, args.learners, args.items, args.think, run, args.workers)
            save, next_item = percentiles(result.save), percentiles(result.next_item)
            saves.append(save)
            nexts.append(next_item)
            print(f"  {label} run {run + 1}: answer save p50 {save[0]:.0f} ms p95 {save[1]:.0f} ms "
                  f"({len(result.save)} saves); next item p50 {next_item[0]:.0f} ms p95 {next_item[1]:.0f} ms "
                  f"({len(result.next_item)}); {len(result.errors)} errors; {time.perf_counter() - started:.0f} s",
                  flush=True)
            if result.errors:
                print(f"    first errors: {result.errors[:3]}")
        print(f"{label} (median of {args.runs} runs): answer save p50 "
              f"{statistics.median(s[0] for s in saves):.0f} ms, "
              f"p95 {statistics.median(s[1] for s in saves):.0f} ms; "
              f"next item p50 {statistics.median(n[0] for n in nexts):.0f} ms, "
              f"p95 {statistics.median(n[1] for n in nexts):.0f} ms", flush=True)


if __name__ == "__main__":
    main()
