"""Benchmark of the psychometrics core on a sparse adaptive-style design.

20,000 persons x 300 items, 30 responses each (2PL, seeded).  Prints the
median over several runs of:

* 2PL calibration time (Bock-Aitkin EM to tolerance 1e-5, with standard errors),
  wall clock and CPU;
* peak memory of one calibration (tracemalloc, numpy buffers included);
* EAP scoring time per person, batch (`eap_many`) and one learner at a time (`eap`).

Run from the repository root:  python benchmarks/psychometrics.py
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exam_engine.psychometrics.ability import eap, eap_many
from exam_engine.psychometrics.calibration import calibrate
from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.simulation import random_design, simulate_responses

PERSONS, ITEMS, PER_PERSON = 20_000, 300, 30
RUNS = 3


def timed(function, runs: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds of ``runs`` calls, and the last result.

    CPU time is reported too because wall time on a shared machine includes
    waiting for other processes.
    """
    wall, cpu, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def main() -> None:
    rng = np.random.default_rng(20240601)
    items = ItemParameters.dichotomous(rng.lognormal(0.0, 0.3, ITEMS), rng.normal(0.0, 1.0, ITEMS))
    theta = rng.normal(0.0, 1.0, PERSONS)
    responses = simulate_responses(theta, items, rng, random_design(PERSONS, ITEMS, PER_PERSON, rng))

    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}")
    print(f"design: {PERSONS} persons x {ITEMS} items, {PER_PERSON} responses each "
          f"({int((~np.isnan(responses)).sum())} responses); median of {RUNS} runs")

    seconds, cpu, fit = timed(lambda: calibrate(responses, "2pl"), RUNS)
    print(f"2PL calibration: {seconds:.2f} s wall, {cpu:.2f} s CPU ({fit.iterations} EM cycles, "
          f"converged={fit.converged}; goal < 10 s)")
    rmse_a = np.sqrt(np.mean((fit.items.a - items.a) ** 2))
    rmse_d = np.sqrt(np.mean((fit.items.d - items.d) ** 2))
    print(f"  recovery: RMSE a {rmse_a:.3f}, RMSE d {rmse_d:.3f}")

    tracemalloc.start()
    calibrate(responses, "2pl")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"peak memory of one calibration: {peak / 2**20:.0f} MiB (input matrix {responses.nbytes / 2**20:.0f} MiB)")

    batch, batch_cpu, _ = timed(lambda: eap_many(responses, fit.items), RUNS * 2)
    print(f"EAP scoring, batch: {batch / PERSONS * 1e3:.4f} ms wall, {batch_cpu / PERSONS * 1e3:.4f} ms CPU "
          "per person (goal < 0.2 ms)")
    learners = responses[:2000]
    single, single_cpu, _ = timed(lambda: [eap(row, fit.items) for row in learners], RUNS)
    print(f"EAP scoring, one learner per call: {single / learners.shape[0] * 1e3:.4f} ms wall, "
          f"{single_cpu / learners.shape[0] * 1e3:.4f} ms CPU per person")


if __name__ == "__main__":
    main()
