"""Benchmark of test assembly on Unit 2's blueprint (issue 6).

Bank: 500 3PL items, a ~ lognormal(0, 0.3), b ~ N(0, 1), c ~ U(0, 0.25), spread evenly
over Unit 2's 16 criteria (so its 4 learning outcomes); 1,000 simulees from N(0, 1);
tests of 30 one-mark items under `blueprints/data/unit2-Y-506-2152.yaml` (every rule,
maximum exposure 0.25). Each run draws a new bank and new simulees; the figures are
medians over the runs. Prints:

* rmse / violations / max_exposure of the adaptive mode (cat) against plain maximum
  information (maxinfo, no rules, no exposure control) and linear-on-the-fly (loft);
* the length at which the adaptive test's RMSE first matches the 30-item LOFT's, and the
  same for plain maximum information (the yardstick: no rules, no exposure control);
* what the rules alone cost: the adaptive mode with the exposure target lifted (1.0),
  one run;
* next-item selection time (p50, p95) of the adaptive mode on a 1,000-item bank,
  measured alone (no other simulation running).

Run from the repository root:  python benchmarks/assembly.py [--runs 3] [--examinees 1000]
Also writes the figures to benchmarks/assembly-results.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blueprints.files import BLUEPRINT_FOLDER, load
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.pool import ItemPool
from exam_engine.assembly.simulator import simulate
from exam_engine.psychometrics.models import ItemParameters

BLUEPRINT = load(BLUEPRINT_FOLDER / "unit2-Y-506-2152.yaml")
MODES = ("maxinfo", "cat", "loft")
RULES_ONLY = "cat-rules-only"  # the adaptive mode with the exposure target lifted


def unit2_bank(size: int, seed: int) -> ItemPool:
    """The issue's 3PL bank, items dealt round the criteria of Unit 2."""
    rng = np.random.default_rng(seed)
    criteria = [ac for rule in BLUEPRINT.outcomes for ac in rule.criteria]
    a = rng.lognormal(0.0, 0.3, size)
    b = rng.normal(0.0, 1.0, size)
    c = rng.uniform(0.0, 0.25, size)
    ac = [criteria[i % len(criteria)] for i in range(size)]
    return ItemPool(tuple(f"U2-{i:04d}" for i in range(size)), ItemParameters.dichotomous(a, -a * b, c),
                    np.ones(size, np.int64), tuple(x.split(".")[0] for x in ac), tuple(ac),
                    ("single_best_answer",) * size, (frozenset(),) * size)


def one_run(mode: str, run: int, examinees: int) -> dict:
    blueprint = dataclasses.replace(BLUEPRINT, max_exposure=1.0, exposure_edges=()) if mode == RULES_ONLY else BLUEPRINT
    engine = Engine(blueprint, unit2_bank(500, seed=1000 + run))
    start = time.perf_counter()
    result = simulate(engine, "cat" if mode == RULES_ONLY else mode, examinees, seed=2000 + run)
    return {"mode": mode, "run": run, "seconds": time.perf_counter() - start, **result.metrics,
            "rmse_by_length": result.rmse_by_length}


def _length_matching(results: list[dict], mode: str, run: int) -> int | None:
    """Items after which ``mode``'s interim RMSE first reaches the 30-item LOFT's in the same run."""
    path = next(r for r in results if r["mode"] == mode and r["run"] == run)["rmse_by_length"]
    loft = next(r for r in results if r["mode"] == "loft" and r["run"] == run)["rmse"]
    return next((k + 1 for k, rmse in enumerate(path) if rmse <= loft), None)


def selection_time(examinees: int) -> dict:
    """Next-item times of the adaptive mode on a 1,000-item bank."""
    result = simulate(Engine(BLUEPRINT, unit2_bank(1000, seed=77)), "cat", examinees, seed=78)
    return {key: result.metrics[key] for key in ("select_ms_p50", "select_ms_p95", "violations", "max_exposure")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--examinees", type=int, default=1000)
    parser.add_argument("--timing-examinees", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    print(f"{args.runs} runs x {args.examinees} simulees, 500-item 3PL bank, Unit 2 blueprint, 30 one-mark items")
    jobs = [(mode, run, args.examinees) for run in range(args.runs) for mode in MODES]
    jobs.append((RULES_ONLY, 0, args.examinees))
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(one_run, *zip(*jobs)))
    summary: dict[str, dict] = {}
    for mode in MODES + (RULES_ONLY,):
        runs = [r for r in results if r["mode"] == mode]
        summary[mode] = {key: statistics.median(r[key] for r in runs)
                         for key in ("rmse", "bias", "mean_se", "reliability", "classification_accuracy", "violations",
                                     "max_exposure", "mean_exposure", "unused_fraction", "overlap_rate",
                                     "test_length_mean", "seconds")}
        print(f"{mode:8} " + "  ".join(f"{k}={v:.4g}" for k, v in summary[mode].items()))
    lengths = {mode: [_length_matching(results, mode, run) for run in range(args.runs)] for mode in ("cat", "maxinfo")}
    ratio = summary["cat"]["rmse"] / summary["maxinfo"]["rmse"]
    summary["cat_over_maxinfo_rmse"] = ratio
    for mode, found in lengths.items():
        matched = [k for k in found if k is not None]
        summary[f"{mode}_length_matching_loft_30"] = statistics.median(matched) if matched else None
        summary[f"{mode}_length_matching_loft_30_per_run"] = found
    print(f"adaptive RMSE / maxinfo RMSE = {ratio:.3f} (goal <= 1.10); violations {summary['cat']['violations']:g}; "
          f"max exposure {summary['cat']['max_exposure']:.3f} (goal <= 0.25)")
    print(f"rules alone (exposure target lifted, one run): RMSE {summary[RULES_ONLY]['rmse']:.4f}, "
          f"{summary[RULES_ONLY]['rmse'] / summary['maxinfo']['rmse']:.3f} x maxinfo")
    print(f"adaptive length matching the 30-item LOFT's RMSE {summary['loft']['rmse']:.3f}: "
          f"{summary['cat_length_matching_loft_30']} (per run {lengths['cat']}; goal <= 15); "
          f"plain maximum information: {summary['maxinfo_length_matching_loft_30']} (per run {lengths['maxinfo']})")
    timing = selection_time(args.timing_examinees)
    summary["timing_1000_items"] = timing
    print(f"next item, 1,000-item bank, {args.timing_examinees} simulees: p50 {timing['select_ms_p50']:.1f} ms, "
          f"p95 {timing['select_ms_p95']:.1f} ms (goal p95 < 25 ms)")
    out = Path(__file__).with_name("assembly-results.json")
    out.write_text(json.dumps({"machine": platform.platform(), "runs": args.runs, "examinees": args.examinees,
                               **summary}, indent=2) + "\n")


if __name__ == "__main__":
    main()
