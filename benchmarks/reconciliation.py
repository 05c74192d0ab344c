"""A learner's reconciliation in a small room and in a large one: it should cost the same.

For each room size (default 30 and 500 candidates in one session), every candidate starts the
Unit 2 test, saves `--answers` answers and submits; then one learner's reconciliation report
(the check the player asks for after the test) is built `--runs` times from a cold session
and timed. It prints the median and the records the report verified for each room.

    PYTHONPATH=. python benchmarks/reconciliation.py --rooms 30 500 \
        --postgres postgresql://postgres@127.0.0.1:5432/test
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.answer_path import start_candidate
from benchmarks.delivery import add_postgres_option, book_learners, each_database, machine
from exam_engine import create_app
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.services.submission import reconciliation


def measure(url: str, room: int, answers: int, runs: int, run: int) -> dict[str, float]:
    seats = book_learners(url, room, run)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark", "LOG_REQUESTS": False})
    attempts = []
    for seat in seats:
        client, base, _ = start_candidate(app, seat, answers)
        client.call("POST", f"{base}/submit")
        attempts.append(int(base.rsplit("/", 1)[1]))
    times, records = [], 0
    with app.app_context():
        for _ in range(runs):
            db.session.expire_all()
            started = time.perf_counter()
            report = reconciliation(db.session.get_one(Attempt, attempts[0]))
            times.append(time.perf_counter() - started)
            records = report["event_log_records"]
            if not report["all_stored"]:
                raise RuntimeError(f"reconciliation found problems: {report['problems']}")
        db.engine.dispose()
    return {"room": room, "median_ms": round(statistics.median(times) * 1000, 2), "records_verified": records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, nargs="+", default=[30, 500], help="candidates in the session")
    parser.add_argument("--answers", type=int, default=5, help="answers each candidate saves")
    parser.add_argument("--runs", type=int, default=50, help="reconciliations timed per room")
    add_postgres_option(parser)
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    for label, url in each_database(args.postgres):
        for run, room in enumerate(args.rooms):
            figures = measure(url, room, args.answers, args.runs, run)
            print(f"{label}: one learner's reconciliation in a session of {room}: median {figures['median_ms']} ms "
                  f"over {args.runs} runs, {figures['records_verified']} log records verified", flush=True)
            print(json.dumps({"db": label, **figures}), flush=True)


if __name__ == "__main__":
    main()
