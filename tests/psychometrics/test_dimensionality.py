"""Yen's Q3 and the limited-information M2 / RMSEA2.

Published M2 (mirt tests/testthat/test-01-mirtOne.R): ``M2(mirt(LSAT7, 1))`` = 11.93841 on 5 df
(2PL) and ``M2(mirt(LSAT6, 1, itemtype = "Rasch"))`` = 5.291576 on 9 df; mirt's tolerance there is
0.01. Computed here at mirt's published estimates (the same test file's ``coef``), so the check is
of M2 alone, not of the calibration.

Published Q3 (mirt reference/residuals-method.md): ``residuals(mirt(Science, 1), type = "Q3",
Theta = fscores(x))`` (graded model, EAP scores) and ``method = "ML"``, printed to 3 decimals; at
mirt's published graded estimates (as tests/psychometrics/test_graded_and_constraints.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics.ability import eap_many, ml_estimate
from exam_engine.psychometrics.dimensionality import RMSEA_ADEQUATE, local_dependence, m2, q3_matrix
from exam_engine.psychometrics.models import ItemParameters, expected_scores
from exam_engine.psychometrics.simulation import simulate_responses

MIRT_LSAT7_2PL = ([0.988, 1.081, 1.706, 0.7651, 0.7358], [1.8561, 0.808, 1.8043, 0.486, 1.8545])
MIRT_LSAT6_RASCH_D, MIRT_LSAT6_RASCH_VARIANCE = [2.73, 0.999, 0.24, 1.306, 2.099], 0.57


@pytest.mark.reference_data
def test_m2_matches_mirt_on_lsat7_2pl(load_table) -> None:
    result = m2(load_table("lsat7.csv")[1], ItemParameters.dichotomous(*MIRT_LSAT7_2PL), "2pl")
    assert result.m2 == pytest.approx(11.93841, abs=0.01) and result.df == 5
    assert result.rmsea == pytest.approx(np.sqrt((result.m2 - 5) / (1000 * 5)))
    assert "close fit" in result.verdict


@pytest.mark.reference_data
def test_m2_matches_mirt_on_lsat6_rasch(load_table) -> None:
    slope = np.sqrt(MIRT_LSAT6_RASCH_VARIANCE)  # the estimated ability SD, carried as the common slope
    items = ItemParameters.dichotomous(np.full(5, slope), MIRT_LSAT6_RASCH_D)
    result = m2(load_table("lsat6.csv")[1], items, "rasch")
    assert result.m2 == pytest.approx(5.291576, abs=0.01) and result.df == 9
    assert result.rmsea == 0.0


MIRT_SCIENCE_GRM = np.array([[1.0417547, 4.8641542, 2.6399417, -1.4660135],
                             [1.2259618, 2.9240027, 0.9011651, -2.2665647],
                             [2.2933717, 5.2339928, 2.2137728, -1.9637062],
                             [1.0949151, 3.3479196, 0.9916289, -1.6882599]])
MIRT_SCIENCE_Q3_EAP = [-0.203, -0.252, 0.085, -0.208, -0.242, -0.320]  # pairs 12, 13, 14, 23, 24, 34
MIRT_SCIENCE_Q3_ML = [-0.262, -0.419, 0.053, -0.428, -0.295, -0.514]


@pytest.mark.reference_data
def test_q3_matches_mirt_on_science(load_table) -> None:
    """EAP to the printed 3 decimals; ML within 0.002 (all-extreme patterns: mirt's ML is infinite there,
    ours stops at the search bound of 6 logits)."""
    data = load_table("science.csv")[1] - 1  # categories 1..4 as scores 0..3
    items = ItemParameters.graded_response(MIRT_SCIENCE_GRM[:, 0], MIRT_SCIENCE_GRM[:, 1:])
    upper = np.triu_indices(4, 1)
    q3, _ = q3_matrix(data, eap_many(data, items)[0], items)
    np.testing.assert_allclose(q3[upper], MIRT_SCIENCE_Q3_EAP, atol=6e-4)
    q3, _ = q3_matrix(data, np.array([ml_estimate(row, items)[0] for row in data]), items)
    np.testing.assert_allclose(q3[upper], MIRT_SCIENCE_Q3_ML, atol=2e-3)


def _two_dimensions(rng: np.random.Generator, n: int = 3000) -> tuple[np.ndarray, ItemParameters]:
    """Items 0-5 on one ability, 6-11 on another correlated 0.3 with it."""
    first = rng.normal(size=n)
    second = 0.3 * first + np.sqrt(1 - 0.3**2) * rng.normal(size=n)
    items = ItemParameters.dichotomous(np.full(12, 1.5), rng.normal(0, 0.7, 12))
    data = np.hstack([simulate_responses(first, items.subset(np.arange(6)), rng),
                      simulate_responses(second, items.subset(np.arange(6, 12)), rng)])
    return data, items


def test_m2_accepts_one_dimension_and_rejects_two() -> None:
    rng = np.random.default_rng(11)
    items = ItemParameters.dichotomous(rng.uniform(0.8, 1.8, 12), rng.normal(0, 0.7, 12))
    one = m2(simulate_responses(rng.normal(size=3000), items, rng), items, "fixed")
    assert one.df == 78 and one.rmsea < 0.02
    data = simulate_responses(rng.normal(size=3000), items, rng)
    assert [m2(data, items, model).df for model in ("rasch-fixed", "2pl", "3pl", "4pl")] == [66, 54, 42, 30]
    assert m2(data, items.replace(a=np.full(12, 1.3)), "rasch").df == 78 - 13  # one common slope
    data, both = _two_dimensions(rng)
    two = m2(data, both, "fixed")
    assert two.rmsea > RMSEA_ADEQUATE and two.p_value < 1e-6 and "poor fit" in two.verdict


@pytest.mark.parametrize("data, message", [
    (np.array([[1.0, np.nan, 0.0]] * 4), "complete 0/1 data"),
    (np.array([[1.0, 0.0]] * 4), "at least three items"),
])
def test_m2_refuses_what_it_cannot_judge(data: np.ndarray, message: str) -> None:
    items = ItemParameters.dichotomous(np.ones(data.shape[1]), np.zeros(data.shape[1]))
    with pytest.raises(ValueError, match=message):
        m2(data, items, "2pl")
    with pytest.raises(ValueError, match="model must be one of"):
        m2(np.zeros((4, 3)), ItemParameters.dichotomous(np.ones(3), np.zeros(3)), "5pl")


def test_q3_is_the_correlation_of_residuals_over_persons_given_both() -> None:
    rng = np.random.default_rng(5)
    items = ItemParameters.dichotomous(np.ones(4), np.zeros(4))
    theta = rng.normal(size=200)
    data = simulate_responses(theta, items, rng)
    data[:50, 3] = np.nan
    q3, both = q3_matrix(data, theta, items)
    residual = data - expected_scores(theta, items)
    assert q3[0, 1] == pytest.approx(np.corrcoef(residual[:, 0], residual[:, 1])[0, 1])
    assert q3[0, 3] == pytest.approx(np.corrcoef(residual[50:, 0], residual[50:, 3])[0, 1])
    assert both[0, 3] == 150 and np.isnan(np.diag(q3)).all()
    q3, _ = q3_matrix(data, theta, items, min_persons=180)
    assert np.isnan(q3[0, 3]) and np.isfinite(q3[0, 1])


def test_q3_flags_items_that_share_a_scenario() -> None:
    """Items 0-2 share a scenario: a person-by-scenario effect (SD 2 logits, a strong
    testlet effect) on top of the ability."""
    rng = np.random.default_rng(8)
    n, m = 2000, 15
    items = ItemParameters.dichotomous(np.full(m, 1.2), rng.normal(0, 0.8, m))
    theta = rng.normal(size=n)
    scenario = rng.normal(0, 2.0, n)
    logits = items.a * theta[:, None] + items.d[:, 0]
    logits[:, :3] += scenario[:, None]
    data = (rng.random((n, m)) < 1 / (1 + np.exp(-logits))).astype(float)
    estimate = eap_many(data, items)[0]
    result = local_dependence(data, estimate, items, pairs=[[0, 1], [0, 2], [1, 2], [3, 4]])
    assert result.flagged.tolist() == [True, True, True, False]
    assert np.all(result.excess[:3] > 0.2) and result.mean < 0
    everything = local_dependence(data, estimate, items)
    assert everything.pairs.shape == (m * (m - 1) // 2, 2) and everything.flagged.sum() == 3
