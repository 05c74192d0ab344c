"""The simulator's figures, checked by hand on fixed forms, where they follow from the form counts."""

from math import comb

import numpy as np
import pytest

from exam_engine.assembly.blueprint import Mode
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.simulator import METRICS, simulate
from tests.assembly.banks import random_pool, small_blueprint


def test_exposure_and_overlap_of_parallel_forms():
    engine = Engine(small_blueprint(max_exposure=1.0, pretest_slots=0), random_pool(90, seed=41))
    result = simulate(engine, Mode.FIXED, examinees=15, seed=6)
    forms = engine.fixed_forms
    assert len(forms) == 2
    drawn = np.bincount([r.form for r in result.records], minlength=2)
    n, length = 15, result.metrics["test_length_mean"]
    assert all(len(f) == length for f in forms)  # both forms have the same length here
    m = result.metrics
    assert m["max_exposure"] == pytest.approx(drawn.max() / n)
    assert m["unused_fraction"] == pytest.approx(1 - 2 * length / 90)
    assert m["overlap_rate"] == pytest.approx((comb(drawn[0], 2) + comb(drawn[1], 2)) / comb(n, 2))
    assert m["mean_exposure"] == pytest.approx(length / 90)
    assert set(METRICS) <= set(m) and m["violations"] == 0


def test_precision_figures_agree_with_the_records():
    engine = Engine(small_blueprint(pretest_slots=0), random_pool(90, seed=42))
    result = simulate(engine, Mode.LOFT, examinees=10, seed=7)
    estimate = np.array([r.score["theta"] for r in result.records])
    error = estimate - result.true_theta
    assert result.metrics["rmse"] == pytest.approx(np.sqrt(np.mean(error**2)))
    assert result.metrics["bias"] == pytest.approx(error.mean())
    passed = np.array([r.score["passed"] for r in result.records])
    assert result.metrics["classification_accuracy"] == pytest.approx(np.mean(passed == (result.true_theta >= 0)))
