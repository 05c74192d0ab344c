"""Next-item time through the 1EdTech CAT service on a 1,000-item bank.

Each run serves the app under gunicorn on a loopback port, with the Unit 2 bank (the real
items, then copies of them with new parameters up to ``--bank`` live, calibrated items, so
the unit's adaptive blueprint in blueprints/data runs as written), and a platform client
(`tests.delivery.cat_client`, over HTTP) sits ``--sessions`` whole sections one after
another, each learner of a random ability answering by the 2PL/GPCM model. It prints p50
and p95 of the session start (first item) and of each results request (the next item: one
shadow test), per run and the median of the runs, on SQLite and on PostgreSQL.

    PYTHONPATH=. python benchmarks/adaptive_service.py --bank 1000 --sessions 20 --runs 3 \
        --postgres postgresql://postgres@127.0.0.1:5432/test
"""

import argparse
import json as jsonlib
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import inspect, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.delivery import add_postgres_option, machine, percentiles, scratch_database
from benchmarks.server import Server, free_port
from exam_engine import create_app
from exam_engine.core.commands import upgrade_to_head
from exam_engine.core.extensions import db
from exam_engine.delivery.services import adaptive_service
from item_bank.items.models import Item, ItemVersion, ParameterSource
from item_bank.items.pools import live_versions
from item_bank.items.services import load_bank
from tests.delivery.cat_client import CatClient

UNIT = "Y/506/2152"
COPIED = {"id", "item_id"}  # what a copy of a version does not take from it


def bank_of(url: str, size: int, seed: int) -> tuple[str, str, dict[str, tuple[float, list[float]]]]:
    """The unit's live bank grown to `size` calibrated items; a service client's id and secret, and
    each item's (slope, intercepts) for the simulated learners."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"})
    rng = np.random.default_rng(seed)
    with app.app_context():
        upgrade_to_head()
        load_bank()
        originals = live_versions(UNIT)
        columns = [c.key for c in inspect(ItemVersion).column_attrs if c.key not in COPIED]
        for n in range(size - len(originals)):
            _, version = originals[n % len(originals)]
            item = Item(code=f"BENCH-{n + 1:04d}", unit_reference=UNIT)
            copy = ItemVersion(**{key: getattr(version, key) for key in columns})
            copy.content_hash, copy.scenario_id, copy.enemy_set = f"bench{n:059d}", None, None
            item.versions.append(copy)
            db.session.add(item)
        db.session.flush()
        parameters = {}
        for code, version in live_versions(UNIT):
            slope = float(rng.lognormal(0.0, 0.3))
            steps = np.sort(rng.normal(0.0, 1.0, version.marks))
            version.irt_a, version.irt_d, version.irt_c = slope, list(-slope * steps), 0.0
            version.parameter_source, version.calibration_model = ParameterSource.CALIBRATED, "gpcm"
            version.calibration_responses, version.calibration_simulated = 5000, False
            parameters[code] = (slope, list(-slope * steps))
        client, secret = adaptive_service.add_client("Benchmark platform")
        db.session.commit()
        assert db.session.scalar(select(db.func.count(Item.id)).where(Item.unit_reference == UNIT)) >= size
        ids = (client.client_id, secret)
        db.engine.dispose()
    return *ids, parameters


def http_transport(base: str, timings: list[tuple[str, float]]):
    """`CatClient`'s transport over HTTP, noting each request's path and seconds."""

    def send(method: str, path: str, json: Any = None, data: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        body, kind = (urllib.parse.urlencode(data).encode(), "application/x-www-form-urlencoded") if data is not None \
            else (None if json is None else jsonlib.dumps(json).encode(), "application/json")
        request = urllib.request.Request(base + path, data=body, method=method,
                                         headers={**(headers or {}), "Content-Type": kind})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        timings.append((path, time.perf_counter() - started))
        return status, jsonlib.loads(text) if text else None

    return send


def learner(parameters: dict[str, tuple[float, list[float]]], theta: float, rng: np.random.Generator):
    """Marks drawn from the generalised partial credit model (the 2PL for one-mark items)."""

    def respond(identifier: str) -> float:
        slope, intercepts = parameters[identifier]
        logits = np.concatenate([[0.0], np.cumsum(slope * theta + np.asarray(intercepts))])
        chances = np.exp(logits - logits.max())
        return float(rng.choice(len(chances), p=chances / chances.sum()))

    return respond


def one_run(url: str, bank: int, sessions: int, run: int) -> tuple[list[float], list[float], int]:
    client_id, secret, parameters = bank_of(url, bank, seed=run)
    server = Server(url, {}, free_port(), workers=2, threads=4,
                    log=Path(tempfile.gettempdir()) / "adaptive-service-bench.log")  # the request log, kept apart
    server.start()
    timings: list[tuple[str, float]] = []
    rng = np.random.default_rng(1000 + run)
    try:
        platform = CatClient(http_transport(server.url, timings), client_id, secret)
        section = platform.create_section(UNIT)
        for _ in range(sessions):
            platform.sit(platform.start(section), learner(parameters, float(rng.normal()), rng))
    finally:
        server.kill()
    first = [seconds for path, seconds in timings if path.endswith("/sessions")]
    following = [seconds for path, seconds in timings if path.endswith("/results")]
    return first, following, len(parameters)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", type=int, default=1000, help="live items in the unit's bank")
    parser.add_argument("--sessions", type=int, default=20, help="whole sections sat per run, one after another")
    parser.add_argument("--runs", type=int, default=3)
    add_postgres_option(parser)
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    print(f"Unit 2 adaptive blueprint over {args.bank} live items; {args.sessions} sections sat one after another "
          f"through the CAT service (gunicorn 2 workers x 4 threads, loopback); {args.runs} runs per database.",
          flush=True)
    for label, server in {"SQLite": None, **({"PostgreSQL": args.postgres} if args.postgres else {})}.items():
        starts, nexts = [], []
        for run in range(args.runs):
            with scratch_database(server) as url:
                first, following, size = one_run(url, args.bank, args.sessions, run)
            starts.append(percentiles(first))
            nexts.append(percentiles(following))
            print(f"  {label} run {run + 1} ({size} items): first item p50 {starts[-1][0]:.0f} ms "
                  f"p95 {starts[-1][1]:.0f} ms ({len(first)}); next item p50 {nexts[-1][0]:.0f} ms "
                  f"p95 {nexts[-1][1]:.0f} ms ({len(following)} requests)", flush=True)
        print(f"{label} (median of {args.runs} runs): first item p50 {statistics.median(s[0] for s in starts):.0f} ms, "
              f"p95 {statistics.median(s[1] for s in starts):.0f} ms; next item p50 "
              f"{statistics.median(n[0] for n in nexts):.0f} ms, p95 {statistics.median(n[1] for n in nexts):.0f} ms",
              flush=True)


if __name__ == "__main__":
    main()
