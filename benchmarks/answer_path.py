"""Where an answer save spends its time: SQL statements per request and a profile by layer.

Books a room of candidates into one started session (default 100), lets every one of them
start the Unit 2 test and save a few answers (so the room's logs are as full as in a real
session), then saves `--answers` more answers for one candidate through the app in this
process, with the SQL statements of each request counted and the whole run profiled. It
prints the median time per save, the statements per save, and the time per save in the
database driver, SQLAlchemy's ORM, the rest of SQLAlchemy, JSON, hashing, Flask and
Werkzeug, the product's own code and the rest, on SQLite (and PostgreSQL with --postgres).

    PYTHONPATH=. python benchmarks/answer_path.py --room 100 --answers 200 \
        --postgres postgresql://postgres@127.0.0.1:5432/test
"""

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.delivery import KEY, add_postgres_option, book_learners, each_database, machine
from exam_engine import create_app
from exam_engine.core.extensions import db
from exam_engine.delivery.client import RunnerClient, some_answer

LAYERS = ("database driver", "SQLAlchemy ORM", "SQLAlchemy core", "JSON", "hashing", "Flask and Werkzeug",
          "exam engine", "other")


class InProcessClient(RunnerClient):
    """The runner API client, calling the app in this process (so it can be profiled) instead of over HTTP."""

    def __init__(self, app: Any) -> None:
        super().__init__("", timeout=60)
        self.client = app.test_client()

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        started = time.perf_counter()
        response = self.client.open(path, method=method, json=body, headers={"X-CSRFToken": self.token})
        return response.status_code, response.get_json(silent=True), time.perf_counter() - started


def layer(filename: str, function: str) -> str:
    """Which layer a profiled function belongs to, from its file and name."""
    place = f"{filename} {function}"
    if "sqlite3" in place or "psycopg" in place:
        return "database driver"
    if "/sqlalchemy/orm/" in place:
        return "SQLAlchemy ORM"
    if "/sqlalchemy/" in place:
        return "SQLAlchemy core"
    if "/json/" in place or "json" in function:
        return "JSON"
    if "sha256" in place or "hashlib" in place or "hmac" in place:
        return "hashing"
    if "/flask/" in place or "/werkzeug/" in place or "/flask_login/" in place or "/flask_wtf/" in place:
        return "Flask and Werkzeug"
    if any(f"/{package}/" in place for package in ("exam_engine", "invigilation", "item_bank", "blueprints")):
        return "exam engine"
    return "other"


def start_candidate(app: Any, seat: tuple[str, str], answers: int) -> tuple[InProcessClient, str, dict[str, Any]]:
    client = InProcessClient(app)
    sitting = client.sign_in(seat[0], seat[1], KEY)
    attempt = client.start(sitting["sitting"])["attempt"]
    base = f"/api/runner/attempts/{attempt}"
    item = client.call("GET", f"{base}/items/1")[1]["item"]
    for n in range(answers):
        client.call("POST", f"{base}/answers", {"position": 1, "answer": some_answer(item),
                                                 "idempotency_key": f"{seat[0]}-warm-{n}"})
    return client, base, item


def measure(url: str, room: int, answers: int, warm: int) -> dict[str, Any]:
    seats = book_learners(url, room, 0)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark", "LOG_REQUESTS": False})
    with app.app_context():  # requests push their own contexts: none may be open around them
        engine = db.engine
    for seat in seats[1:]:
        start_candidate(app, seat, warm)
    client, base, item = start_candidate(app, seats[0], warm)
    statements: list[int] = []
    counted = Counter[str]()
    listener = lambda *args: counted.update(["statement"])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    profile, times = cProfile.Profile(), []
    try:
        for n in range(answers):
            before = counted["statement"]
            profile.enable()
            status, body, seconds = client.call("POST", f"{base}/answers", {
                "position": 1, "answer": some_answer(item), "idempotency_key": f"measured-{n}"})
            profile.disable()
            if status != 200:
                raise RuntimeError(f"answer refused ({status}): {body}")
            times.append(seconds)
            statements.append(counted["statement"] - before)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        engine.dispose()
    by_layer = Counter[str]()
    for (filename, _, function), (_, _, own, _, _) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        by_layer[layer(filename, function)] += own
    profiled = sum(by_layer.values())
    return {"room": room, "answers": answers, "median_ms": round(statistics.median(times) * 1000, 2),
            "statements_per_answer": statistics.median(statements),
            "profile_ms_per_answer": {name: round(by_layer[name] / answers * 1000, 2) for name in LAYERS},
            "profiled_ms_per_answer": round(profiled / answers * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--room", type=int, default=100, help="candidates in the session")
    parser.add_argument("--warm", type=int, default=5, help="answers each candidate saves before measuring")
    parser.add_argument("--answers", type=int, default=200, help="answers saved and measured")
    add_postgres_option(parser)
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    for label, url in each_database(args.postgres):
        figures = measure(url, args.room, args.answers, args.warm)
        print(f"{label}: {args.answers} saves by one of {args.room} candidates (each saved {args.warm} first): "
              f"median {figures['median_ms']} ms (under the profiler), "
              f"{figures['statements_per_answer']} SQL statements per save")
        print("  time per save by layer (profiled, ms): " + ", ".join(
            f"{name} {ms}" for name, ms in figures["profile_ms_per_answer"].items()))
        print(json.dumps({"db": label, **figures}), flush=True)


if __name__ == "__main__":
    main()
