"""Server cost of one item cycle of the adaptive test, without HTTP or contention.

Candidates of a rehearsal room sit the Unit 2 adaptive test one after another through the
app in process (Flask's test client, one thread): for each item, fetch it, save an answer,
poll the status and ask for the next item. It prints the median time of each step and of
the cycle (one fetch, one answer, one next item, two status polls, as a candidate thinking
30 s does), on SQLite and on PostgreSQL: the budget the load benchmark's targets are set
against.

    PYTHONPATH=. python benchmarks/item_cycle.py --candidates 20 --items 10 \
        --postgres postgresql://postgres@127.0.0.1:5432/test
"""

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.answer_path import InProcessClient
from benchmarks.delivery import KEY, add_postgres_option, book_learners, each_database, machine
from exam_engine import create_app
from exam_engine.delivery.client import some_answer

STEPS = ("item", "answer", "status", "next_item")
CYCLE = {"item": 1, "answer": 1, "status": 2, "next_item": 1}  # requests per item of a candidate thinking 30 s


def measure(url: str, candidates: int, items: int) -> dict[str, float]:
    """Median milliseconds per step, and of the cycle."""
    seats = book_learners(url, candidates, 0)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark", "LOG_REQUESTS": False})
    times: dict[str, list[float]] = {step: [] for step in STEPS}

    def timed(client: InProcessClient, step: str, method: str, path: str, body: object = None) -> Any:
        status, answer, seconds = client.call(method, path, body)
        if status >= 400:
            raise RuntimeError(f"{step} {path}: {status} {answer}")
        times[step].append(seconds)
        return answer

    for n, seat in enumerate(seats):
        client = InProcessClient(app)
        sitting = client.sign_in(seat[0], seat[1], KEY)
        base = f"/api/runner/attempts/{client.start(sitting['sitting'])['attempt']}"
        for position in range(1, items + 1):
            item = timed(client, "item", "GET", f"{base}/items/{position}")["item"]
            timed(client, "answer", "POST", f"{base}/answers",
                  {"position": position, "answer": some_answer(item), "idempotency_key": f"{n}-{position}"})
            timed(client, "status", "GET", base)
            timed(client, "next_item", "POST", f"{base}/next", {"after": position})
    medians = {step: round(statistics.median(values) * 1000, 2) for step, values in times.items()}
    return {**medians, "cycle": round(sum(medians[step] * count for step, count in CYCLE.items()), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=20, help="candidates in the room, one after another")
    parser.add_argument("--items", type=int, default=10, help="items each candidate answers")
    add_postgres_option(parser)
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    for label, url in each_database(args.postgres):
        figures = measure(url, args.candidates, args.items)
        print(f"{label}: median ms per step over {args.candidates * args.items} items: "
              + ", ".join(f"{step} {figures[step]}" for step in STEPS)
              + f"; cycle (fetch, answer, two status polls, next item) {figures['cycle']} ms", flush=True)
        print(json.dumps({"db": label, **figures}), flush=True)


if __name__ == "__main__":
    main()
