"""Simulating many sittings of one blueprint, with the figures that judge a mode.

Simulees' abilities are drawn from N(0, 1) and their answers from the items' IRT models
(`exam_engine.psychometrics.simulation.simulate_responses`). Sittings run one after
another, as in live operation, so the exposure counts build up as they would. Every
test is checked against the blueprint by `check.breaches`, independently of the solver.

Figures (all over the simulees): ``rmse`` and ``bias`` of the final EAP ability against
the true one; ``mean_se`` (posterior SD); ``reliability`` = ``var(theta_hat) /
(var(theta_hat) + mean SE^2)`` (marginal reliability of EAP scores; du Toit, 2003);
``classification_accuracy`` (pass/fail as the true ability would); ``violations`` (rule
breaches summed over all tests); ``max_exposure``, ``mean_exposure`` (share of tests
holding an item, over the pool); ``unused_fraction`` (pool items never given);
``overlap_rate`` (expected share of a test's items also in another random simulee's
test: ``sum_i C(n_i, 2) / (C(N, 2) * mean length)``; Chen, Ankenmann & Spray, 2003);
``select_ms_p50`` / ``_p95`` (time to choose an item; for linear-on-the-fly, to
assemble the whole test); ``test_length_mean`` (scored items).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from exam_engine.assembly.blueprint import Mode
from exam_engine.assembly.check import breaches
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.exposure import Eligibility
from exam_engine.assembly.record import SittingRecord
from exam_engine.assembly.sitting import PRIOR, sit
from exam_engine.psychometrics.simulation import simulate_responses

METRICS = ("rmse", "bias", "mean_se", "reliability", "classification_accuracy", "violations", "max_exposure",
           "mean_exposure", "unused_fraction", "overlap_rate", "select_ms_p50", "select_ms_p95", "test_length_mean")


@dataclass
class Simulation:
    """The figures, and the records and true abilities behind them."""

    mode: Mode
    metrics: dict[str, float]
    records: list[SittingRecord] = field(repr=False)
    true_theta: np.ndarray = field(repr=False)
    rmse_by_length: list[float] = field(default_factory=list)  # after k = 1, 2, ... scored items


def simulate(engine: Engine, mode: Mode, examinees: int, seed: int,
             progress: Callable[[int], None] | None = None) -> Simulation:
    """Run ``examinees`` sittings in ``mode``; ``progress(1)`` is called after each."""
    mode = Mode(mode)
    rng = np.random.default_rng(seed)
    true_theta = rng.normal(0.0, 1.0, examinees)
    pool = engine.pool
    control = engine.exposure_control(mode) if mode in (Mode.LOFT, Mode.CAT) else None
    records = []
    for j, theta in enumerate(true_theta):
        answers = np.random.default_rng([seed, j, 1])
        eligibility = control.sitting(np.random.default_rng([seed, j, 2])) if control else \
            Eligibility.everything(pool.size)
        record = sit(engine, mode, _responder(engine, theta, answers), int(rng.integers(2**31)), eligibility)
        if control:
            given = np.array([pool.index()[item] for item in record.scored_items], np.int64)
            control.record(eligibility, record.score["theta"] if mode is Mode.CAT else PRIOR[0], given)
        records.append(record)
        if progress:
            progress(1)
    by_length = [] if mode.is_linear else _rmse_by_length(records, true_theta)
    return Simulation(mode, _metrics(engine, records, true_theta), records, true_theta, by_length)


def _responder(engine: Engine, theta: float, rng: np.random.Generator) -> Callable[[str], float]:
    scored, pretest = engine.pool.index(), engine.pretest
    pretest_where = pretest.index() if pretest else {}

    def respond(item: str) -> float:
        bank, where = (engine.pool, scored) if item in scored or pretest is None else (pretest, pretest_where)
        return float(simulate_responses(np.array([theta]), bank.parameters.subset([where[item]]), rng)[0, 0])
    return respond


def _metrics(engine: Engine, records: list[SittingRecord], true_theta: np.ndarray) -> dict[str, float]:
    pool, n = engine.pool, len(records)
    estimate = np.array([r.score["theta"] for r in records])
    se = np.array([r.score["se"] for r in records])
    passed = np.array([r.score["passed"] for r in records])
    error = estimate - true_theta
    counts = np.zeros(pool.size)
    where = pool.index()
    for record in records:
        counts[[where[item] for item in record.scored_items]] += 1
    lengths = np.array([len(r.scored_items) for r in records], float)
    times = [r.assembly["select_ms"] for r in records if "select_ms" in r.assembly]
    times += [s.select_ms for r in records for s in r.steps if not s.pretest and not r.mode.is_linear]
    pairs = n * (n - 1) / 2
    return {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "bias": float(np.mean(error)),
        "mean_se": float(np.mean(se)),
        "reliability": float(np.var(estimate) / (np.var(estimate) + np.mean(se**2))),
        "classification_accuracy": float(np.mean(passed == (true_theta >= engine.blueprint.cut_theta))),
        "violations": int(sum(len(breaches(engine.blueprint, pool, r.scored_items, r.pretest_items, engine.pretest))
                              for r in records)),
        "max_exposure": float(counts.max() / n),
        "mean_exposure": float(counts.mean() / n),
        "unused_fraction": float(np.mean(counts == 0)),
        "overlap_rate": float((counts * (counts - 1) / 2).sum() / (pairs * lengths.mean())) if n > 1 else 0.0,
        "select_ms_p50": float(np.percentile(times, 50)) if times else 0.0,
        "select_ms_p95": float(np.percentile(times, 95)) if times else 0.0,
        "test_length_mean": float(lengths.mean()),
    }


def _rmse_by_length(records: list[SittingRecord], true_theta: np.ndarray) -> list[float]:
    """RMSE of the interim estimate after each number of scored items (the final score last)."""
    paths = []
    for record in records:
        path = [s.theta for s in record.steps if not s.pretest][1:] + [record.score["theta"]]
        paths.append(path)
    shortest = min(len(p) for p in paths)
    interim = np.array([p[:shortest] for p in paths])
    rmse: list[float] = np.sqrt(np.mean((interim - true_theta[:, None]) ** 2, axis=0)).round(4).tolist()
    return rmse
