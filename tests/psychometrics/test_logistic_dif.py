"""Logistic-regression DIF: each fit's likelihood is the maximum a general optimiser finds, and DIF
planted in simulated data is found as the kind it is (uniform: one group finds the item harder at
every ability; non-uniform: the item discriminates differently), with Jodoin & Gierl's classes."""

import numpy as np
from scipy.optimize import minimize

from exam_engine.psychometrics.dif import logistic_dif, logistic_log_likelihood


def test_the_newton_fit_reaches_the_maximum_likelihood_an_optimiser_finds():
    rng = np.random.default_rng(1)
    design = np.column_stack([np.ones(500), rng.normal(size=500), rng.random(500) < 0.5])
    y = (rng.random(500) < 1 / (1 + np.exp(-(0.3 + 1.1 * design[:, 1] - 0.6 * design[:, 2])))).astype(float)

    def negative(beta: np.ndarray) -> float:
        eta = design @ beta
        return float(-np.sum(y * eta - np.logaddexp(0, eta)))

    optimum = -minimize(negative, np.zeros(3), method="BFGS", options={"gtol": 1e-10}).fun
    assert abs(logistic_log_likelihood(design, y) - optimum) < 1e-7
    assert logistic_log_likelihood(design, y) >= optimum - 1e-9  # never below what the optimiser reached


def planted(seed: int = 2, persons: int = 3000):
    """Items 0-3 without DIF, item 4 harder for the focal group (uniform), item 5 discriminating
    only in the reference group (non-uniform); a third of the cells not given (sparse)."""
    rng = np.random.default_rng(seed)
    theta, focal = rng.normal(size=persons), rng.random(persons) < 0.5
    logits = np.column_stack([1.2 * theta + b for b in (-1.0, -0.3, 0.3, 1.0)]
                             + [1.2 * theta - 1.0 * focal, np.where(focal, 0.1, 1.6) * theta])
    scores = (rng.random(logits.shape) < 1 / (1 + np.exp(-logits))).astype(float)
    scores[rng.random(scores.shape) < 1 / 3] = np.nan
    return scores, focal, theta


def test_planted_dif_is_found_as_the_kind_it_is():
    scores, focal, theta = planted()
    result = logistic_dif(scores, focal, theta)
    assert result.uniform_p[4] < 1e-6 and result.nonuniform_p[4] > 0.01  # uniform only
    assert result.nonuniform_p[5] < 1e-6  # non-uniform
    assert list(result.category[:4]) == ["A"] * 4 and result.category[4] in ("B", "C")
    assert np.all(result.delta_r2[:4] < 0.01) and result.delta_r2[4] > result.delta_r2[:4].max()


def test_an_item_one_group_never_took_has_no_estimate():
    scores, focal, theta = planted()
    scores[focal, 0] = np.nan
    result = logistic_dif(scores, focal, theta)
    assert np.isnan(result.p_value[0]) and result.category[0] == "" and result.category[4] != ""
