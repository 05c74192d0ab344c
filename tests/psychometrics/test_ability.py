"""Behaviour of the ability estimators beyond the published values."""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics.ability import eap, eap_many, map_estimate, ml_estimate, wle
from exam_engine.psychometrics.models import ItemParameters, log_likelihood, total_information
from exam_engine.psychometrics.quadrature import normal_grid

ITEMS = ItemParameters.dichotomous([1.0, 1.5, 0.8, 1.2, 2.0], [0.5, -0.2, 1.0, -1.0, 0.0])


@pytest.mark.parametrize("value, bound", [(1.0, 6.0), (0.0, -6.0)])
def test_extreme_patterns_are_finite_and_documented(value: float, bound: float) -> None:
    pattern = np.full(5, value)
    assert ml_estimate(pattern, ITEMS).theta == bound
    for estimate in (eap(pattern, ITEMS), map_estimate(pattern, ITEMS), wle(pattern, ITEMS)):
        assert np.isfinite(estimate.theta) and abs(estimate.theta) < 6 and np.isfinite(estimate.se)
        assert np.sign(estimate.theta) == np.sign(bound)


def test_missing_items_are_ignored() -> None:
    pattern = np.array([1.0, np.nan, 0.0, np.nan, 1.0])
    subset = ITEMS.subset(np.array([0, 2, 4]))
    assert eap(pattern, ITEMS) == pytest.approx(eap(pattern[[0, 2, 4]], subset))


def test_eap_many_agrees_with_eap() -> None:
    rng = np.random.default_rng(3)
    responses = rng.integers(0, 2, (20, 5)).astype(float)
    responses[rng.random((20, 5)) < 0.3] = np.nan
    theta, sd = eap_many(responses, ITEMS)
    single = np.array([eap(r, ITEMS) for r in responses])
    np.testing.assert_allclose(theta, single[:, 0], atol=1e-10)
    np.testing.assert_allclose(sd, single[:, 1], atol=1e-10)


def test_eap_is_the_posterior_mean_by_fine_integration() -> None:
    pattern = np.array([1, 0, 1, 1, 0], float)
    grid = np.linspace(-8, 8, 20001)
    post = np.exp(log_likelihood(grid, pattern, ITEMS)) * np.exp(-grid**2 / 2)
    mean = np.sum(grid * post) / post.sum()
    assert eap(pattern, ITEMS, normal_grid(201, 8.0)).theta == pytest.approx(mean, abs=1e-4)


def test_ml_and_wle_solve_their_estimating_equations() -> None:
    """ML: dlogL/dtheta = 0.  WLE: dlogL/dtheta + I'(theta) / (2 I(theta)) = 0 (Warm 1989, 2PL)."""
    pattern = np.array([1, 0, 1, 0, 1], float)
    h = 1e-5

    def derivative(f, t: float) -> float:
        return float((f(np.array([t + h])) - f(np.array([t - h])))[0] / (2 * h))

    loglik = lambda t: log_likelihood(t, pattern, ITEMS)  # noqa: E731
    info = lambda t: total_information(t, ITEMS)  # noqa: E731
    theta_ml = ml_estimate(pattern, ITEMS).theta
    theta_wle = wle(pattern, ITEMS).theta
    assert derivative(loglik, theta_ml) == pytest.approx(0, abs=1e-5)
    warm = derivative(loglik, theta_wle) + derivative(info, theta_wle) / (2 * info(np.array([theta_wle]))[0])
    assert warm == pytest.approx(0, abs=1e-5)


def test_gpcm_items_can_be_scored() -> None:
    items = ItemParameters.gpcm([1.0, 0.7], [[1.0, 1.5, np.nan], [0.5, 0.0, -1.0]])
    low, high = eap(np.array([0.0, 0.0]), items), eap(np.array([2.0, 3.0]), items)
    assert low.theta < 0 < high.theta


def test_an_administered_mask_replaces_nan_marking() -> None:
    pattern = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    mask = np.array([True, False, True, False, True])
    marked = np.where(mask, pattern, np.nan)
    assert eap(pattern, ITEMS, administered=mask) == pytest.approx(eap(marked, ITEMS))
    assert map_estimate(pattern, ITEMS, administered=mask) == pytest.approx(map_estimate(marked, ITEMS))


def test_scores_must_be_whole_numbers() -> None:
    with pytest.raises(ValueError, match="whole numbers"):
        eap_many(np.array([[0.5, 1.0]]), ITEMS.subset(slice(0, 2)))
