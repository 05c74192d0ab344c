"""Unit tests of the item response functions against their textbook definitions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from exam_engine.psychometrics import models
from exam_engine.psychometrics.models import ItemParameters

THETA = np.array([-1000.0, -3.0, -0.5, 0.0, 1.2, 4.0, 1000.0])


def numeric_derivative(f, theta: np.ndarray, h: float = 1e-5) -> np.ndarray:
    return (f(theta + h) - f(theta - h)) / (2 * h)


def test_probability_is_the_birnbaum_formula() -> None:
    a, d, c = np.array([0.8, 1.7]), np.array([0.3, -1.2]), np.array([0.0, 0.25])
    theta = np.array([-1.0, 0.5])
    expected = c + (1 - c) / (1 + np.exp(-(a * theta[:, None] + d)))
    np.testing.assert_allclose(models.probability(theta, a, d, c), expected, rtol=1e-12)


def test_extreme_abilities_give_finite_values_without_warnings() -> None:
    items = ItemParameters(
        np.array([1.0, 2.0, 0.7]), np.array([[0.5, np.nan], [-1.0, np.nan], [1.0, -0.5]]), np.array([0.2, 0.0, 0.0])
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = models.category_probability(THETA, items)
        info = models.item_information(THETA, items)
        tcc = models.expected_total_score(THETA, items)
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(info)) and np.all(np.isfinite(tcc))
    np.testing.assert_allclose(p.sum(axis=2), 1.0, atol=1e-12)
    np.testing.assert_allclose(tcc[[0, -1]], [0.2, 4.0], atol=1e-12)  # floor is c; ceiling is the maximum mark


def test_dichotomous_information_is_squared_slope_of_icc_over_pq() -> None:
    """I = P'^2 / (P Q) (Birnbaum 1968) for the 3PL, checked by numerical differentiation."""
    a, d, c = np.array([1.3]), np.array([-0.4]), np.array([0.2])
    theta = np.linspace(-4, 4, 17)
    p = models.probability(theta, a, d, c)
    slope = numeric_derivative(lambda t: models.probability(t, a, d, c), theta)
    np.testing.assert_allclose(models.information(theta, a, d, c), slope**2 / (p * (1 - p)), rtol=1e-6)


def test_gpcm_information_is_sum_of_squared_category_slopes_over_p() -> None:
    """I = sum_k P_k'^2 / P_k, the general Fisher information of a polytomous item."""
    a, d = np.array([0.9]), np.array([[0.8, 0.5, -1.5]])
    theta = np.linspace(-4, 4, 17)
    p = models.gpcm_probability(theta, a, d)
    slope = numeric_derivative(lambda t: models.gpcm_probability(t, a, d), theta)
    np.testing.assert_allclose(models.gpcm_information(theta, a, d), (slope**2 / p).sum(axis=2), rtol=1e-6)


def test_gpcm_with_two_scores_is_the_2pl() -> None:
    a, d = np.array([0.7, 1.9]), np.array([1.1, -0.3])
    gpcm = models.gpcm_probability(THETA[1:-1], a, d[:, None])[:, :, 1]
    np.testing.assert_allclose(gpcm, models.probability(THETA[1:-1], a, d), rtol=1e-12)


def test_gpcm_probability_matches_muraki_form() -> None:
    """P_k proportional to exp(sum_{v<=k} a (theta - b_v)) with steps b (Muraki 1992)."""
    a, b = np.array([1.4]), np.array([[-1.0, 0.2, 1.5]])
    theta = np.array([-0.7, 0.9])
    numerators = np.exp(np.cumsum(np.concatenate([np.zeros((2, 1)), a * (theta[:, None] - b)], axis=1), axis=1))
    expected = numerators / numerators.sum(axis=1, keepdims=True)
    d = models.gpcm_intercepts_from_steps(a, b)
    np.testing.assert_allclose(models.gpcm_probability(theta, a, d)[:, 0, :], expected, rtol=1e-12)
    np.testing.assert_allclose(models.gpcm_steps_from_intercepts(a, d), b, rtol=1e-12)


def test_difficulty_conversion_round_trip() -> None:
    a, d = np.array([0.5, 2.0]), np.array([1.0, -3.0])
    b = models.irt_from_slope_intercept(a, d)
    np.testing.assert_allclose(b, [-2.0, 1.5])
    np.testing.assert_allclose(models.slope_intercept_from_irt(a, b), d)


def test_log_likelihood_sums_logs_of_answered_items_only() -> None:
    items = ItemParameters.dichotomous([1.0, 1.5, 0.5], [0.0, -1.0, 2.0])
    responses = np.array([1.0, np.nan, 0.0])
    theta = np.array([-2.0, 0.3])
    p = models.probability(theta, items.a, items.d[:, 0])
    expected = np.log(p[:, 0]) + np.log(1 - p[:, 2])
    np.testing.assert_allclose(models.log_likelihood(theta, responses, items), expected, rtol=1e-12)


@pytest.mark.parametrize("theta", [-50.0, 50.0])
def test_log_likelihood_is_finite_far_out(theta: float) -> None:
    items = ItemParameters.dichotomous([1.0, 2.0], [0.0, 0.0], [0.2, 0.0])
    assert np.all(np.isfinite(models.log_likelihood([theta], np.array([1.0, 0.0]), items)))
