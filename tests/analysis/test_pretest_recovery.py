"""A simulated pretest: responses drawn from known parameters calibrate the new items on the live scale."""

import numpy as np

from exam_engine.analysis.services.pretest import calibrate_new_items
from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.simulation import random_design, simulate_responses

# Stated error: with ~1000 responses per pretest item, each recovered slope and difficulty
# lies within 3 standard errors of the truth and within 0.35 (slope) / 0.25 logits (difficulty).
SLOPE_TOLERANCE, DIFFICULTY_TOLERANCE = 0.35, 0.25


def test_pretest_items_are_recovered_on_the_live_scale_with_live_items_fixed():
    rng = np.random.default_rng(20261122)
    n_live, n_new, persons = 30, 4, 3000
    a = np.concatenate([rng.uniform(0.7, 1.8, n_live), [0.8, 1.2, 1.5, 1.0]])
    b = np.concatenate([rng.uniform(-2, 2, n_live), [-1.0, 0.0, 0.8, 1.5]])
    truth = ItemParameters.dichotomous(a, -a * b)
    # The live scale is not the standard normal: the cohort is abler (mean 0.5, SD 1.2), so
    # a calibration that did not hold the live items would land the new ones elsewhere.
    theta = rng.normal(0.5, 1.2, persons)
    design = random_design(persons, n_live, 15, rng)
    seeded = np.zeros((persons, n_new), bool)
    seeded[np.arange(persons), rng.integers(0, n_new, persons)] = True  # one or two pretest items each
    seeded[np.arange(persons), rng.integers(0, n_new, persons)] = True
    scores = simulate_responses(theta, truth, rng, np.hstack([design, seeded]))
    live = np.arange(n_live + n_new) < n_live
    stored = ItemParameters(truth.a.copy(), truth.d.copy(), truth.c.copy())
    stored.a[~live], stored.d[~live] = 1.0, 0.0  # the provisional values must not matter

    result = calibrate_new_items(scores, stored, live, ~live)

    assert result.converged
    new = np.flatnonzero(~live)
    a_hat, d_hat = result.items.a[new], result.items.d[new, 0]
    b_hat = -d_hat / a_hat
    np.testing.assert_allclose(result.items.a[live], truth.a[live])  # anchors held
    assert np.all(np.abs(a_hat - a[new]) < SLOPE_TOLERANCE), (a_hat, a[new])
    assert np.all(np.abs(b_hat - b[new]) < DIFFICULTY_TOLERANCE), (b_hat, b[new])
    assert np.all(np.abs(a_hat - a[new]) < 3 * result.se_a[new])
    assert abs(result.mean - 0.5) < 0.1 and abs(result.sd - 1.2) < 0.1
