"""Item fit (S-X^2) against mirt, and linking against known transformations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from exam_engine.psychometrics.calibration import calibrate
from exam_engine.psychometrics.fit import common_forms, mean_squares, s_x2, s_x2_by_form
from exam_engine.psychometrics.linking import Link, mean_sigma, stocking_lord, transform
from exam_engine.psychometrics.models import ItemParameters, category_probability
from exam_engine.psychometrics.simulation import random_design, simulate_responses

# mirt test-01-mirtOne.R: itemfit(<LSAT7 2PL>)$S_X2, df.S_X2 = 2 for every item.
MIRT_LSAT7_S_X2 = [4.749440, 14.451071, 1.270381, 5.237400, 0.941125]


@pytest.mark.reference_data
def test_s_x2_matches_mirt_on_lsat7(load_table) -> None:
    """Tolerance 0.01, as mirt's own test; the fits differ slightly in the last digit."""
    data = load_table("lsat7.csv")[1]
    fit = s_x2(data, calibrate(data, "2pl").items, n_parameters=2)
    np.testing.assert_allclose(fit.statistic, MIRT_LSAT7_S_X2, atol=0.01)
    assert list(fit.df) == [2] * 5
    np.testing.assert_allclose(fit.p_value, chi2.sf(MIRT_LSAT7_S_X2, 2), atol=0.002)


@pytest.mark.reference_data
def test_s_x2_p_value_matches_mirt_on_lsat6(load_table) -> None:
    """mirt test-01-mirtOne.R: ``itemfit(mirt(LSAT6, 1))$p.S_X2[1] = .7984`` (2PL; mirt's tolerance 0.01)."""
    data = load_table("lsat6.csv")[1]
    fit = s_x2(data, calibrate(data, "2pl").items, n_parameters=2)
    assert fit.p_value[0] == pytest.approx(0.7984, abs=0.01)


def test_s_x2_by_form_adds_the_forms_and_skips_small_ones() -> None:
    """Two fixed forms sharing items 0-5 and a handful of persons on a third: each shared item's
    statistic is the sum of its two forms' S-X^2 (disjoint persons, independent chi-squares)."""
    rng = np.random.default_rng(3)
    items = ItemParameters.dichotomous(rng.uniform(0.8, 1.6, 10), rng.normal(0, 1, 10))
    theta = rng.normal(size=620)
    full = simulate_responses(theta, items, rng)
    data = full.copy()
    data[:300, 8:] = np.nan  # form A: items 0-7
    data[300:600, 6:8] = np.nan  # form B: items 0-5, 8, 9
    data[600:, 1:] = np.nan  # 20 persons on one item: no form
    assert [rows.size for rows, _ in common_forms(data)] == [300, 300]
    result = s_x2_by_form(data, items, n_parameters=0)
    a = s_x2(data[:300, :8], items.subset(np.arange(8)), 0)
    b = s_x2(data[300:600][:, [0, 1, 2, 3, 4, 5, 8, 9]], items.subset([0, 1, 2, 3, 4, 5, 8, 9]), 0)
    assert result.statistic[0] == pytest.approx(a.statistic[0] + b.statistic[0])
    assert result.df[0] == a.df[0] + b.df[0] and result.forms[0] == 2 and result.persons[0] == 600
    assert result.statistic[9] == pytest.approx(b.statistic[7]) and result.forms[9] == 1
    assert result.p_value[0] == pytest.approx(chi2.sf(result.statistic[0], result.df[0]))
    # true parameters, nothing estimated: the p-values are roughly uniform, none tiny
    assert np.all(result.p_value > 0.001)


def test_s_x2_by_form_has_nothing_for_adaptive_like_data() -> None:
    rng = np.random.default_rng(4)
    items = ItemParameters.dichotomous(np.ones(30), rng.normal(0, 1, 30))
    data = simulate_responses(rng.normal(size=500), items, rng, random_design(500, 30, 10, rng))
    result = s_x2_by_form(data, items, n_parameters=1)
    assert np.isnan(result.statistic).all() and (result.forms == 0).all() and np.isnan(result.p_value).all()


@pytest.mark.parametrize("bad, message", [
    (np.array([[1.0, np.nan, 0.0]] * 3), "complete data"),
    (np.array([[1.0, 2.0, 0.0]] * 3), "one-mark items"),
])
def test_s_x2_refuses_data_it_cannot_judge(bad: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        s_x2(bad, ItemParameters.dichotomous(np.ones(3), np.zeros(3)), 2)


def test_transform_preserves_probabilities() -> None:
    items = ItemParameters(np.array([1.2, 0.8]), np.array([[0.5, np.nan], [1.0, -0.5]]), np.array([0.2, 0.0]))
    link = Link(1.3, -0.4)
    theta = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(
        category_probability(link.slope * theta + link.intercept, transform(items, link)),
        category_probability(theta, items),
        rtol=1e-12,
    )


@pytest.mark.parametrize("method", [mean_sigma, stocking_lord])
def test_known_link_is_recovered_exactly(method) -> None:
    rng = np.random.default_rng(5)
    source = ItemParameters.dichotomous(rng.uniform(0.6, 2.0, 20), rng.normal(0, 1, 20))
    link = Link(1.25, 0.6)
    found = method(source, transform(source, link))
    assert found.slope == pytest.approx(link.slope, abs=1e-5)
    assert found.intercept == pytest.approx(link.intercept, abs=1e-5)


def test_mean_squares_are_one_for_fitting_items_and_large_for_noise() -> None:
    """Rasch data scored at the true abilities (4000 x 20, 10 each, ~2000 answers per item).

    With abilities spread SD 1.5 many answers are off target, so the mean squares
    vary more than sqrt(2 / n) suggests: infit within 0.15 of 1; outfit,
    unweighted and so dominated by the off-target answers, within 0.3.

    Item 0 is replaced by coin flips, which the model cannot explain: infit > 1.3, outfit > 1.5.
    """
    rng = np.random.default_rng(21)
    items = ItemParameters.dichotomous(np.ones(20), rng.normal(0, 1, 20))
    theta = rng.normal(0, 1.5, 4000)
    responses = simulate_responses(theta, items, rng, random_design(4000, 20, 10, rng))
    given = ~np.isnan(responses[:, 0])
    responses[given, 0] = rng.integers(0, 2, given.sum())
    result = mean_squares(responses, theta, items)
    np.testing.assert_allclose(result.infit[1:], 1.0, atol=0.15)
    np.testing.assert_allclose(result.outfit[1:], 1.0, atol=0.3)
    assert result.outfit[0] > 1.5 and result.infit[0] > 1.3
