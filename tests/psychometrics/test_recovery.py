"""Parameter recovery on simulated data with known parameters (fixed seeds).

Designs imitate an adaptive bank: each simulee takes a random subset of the
items (missing = not administered).  Limits are stated per test; they are set
at about 1.5 times the sampling error expected for the design (e.g. for the
2PL, ~1300 responses per item give SE(a) ~ 0.09), so a biased or inconsistent
estimator fails while sampling noise passes.
"""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics.ability import eap_many
from exam_engine.psychometrics.calibration import calibrate
from exam_engine.psychometrics.linking import stocking_lord, transform
from exam_engine.psychometrics.models import ItemParameters, gpcm_intercepts_from_steps
from exam_engine.psychometrics.simulation import random_design, simulate_responses


def bias_and_rmse(estimate: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    error = np.asarray(estimate) - np.asarray(truth)
    return float(error.mean()), float(np.sqrt(np.mean(error**2)))


def test_2pl_sparse_design_and_standard_errors() -> None:
    """4000 simulees x 60 items, 20 each (~1300 responses per item).

    Limits: |bias| < 0.04 and RMSE < 0.14 (a), < 0.12 (d); the average
    standard error is within a factor 1.33 of the actual RMSE.
    """
    rng = np.random.default_rng(11)
    items = ItemParameters.dichotomous(rng.lognormal(0, 0.25, 60), rng.normal(0, 1, 60))
    responses = simulate_responses(rng.normal(size=4000), items, rng, random_design(4000, 60, 20, rng))
    fit = calibrate(responses, "2pl")
    bias_a, rmse_a = bias_and_rmse(fit.items.a, items.a)
    bias_d, rmse_d = bias_and_rmse(fit.items.d, items.d)
    assert abs(bias_a) < 0.04 and rmse_a < 0.14
    assert abs(bias_d) < 0.04 and rmse_d < 0.12
    assert 0.75 < fit.se_a.mean() / rmse_a < 1.33
    assert 0.75 < fit.se_d.mean() / rmse_d < 1.33


def test_3pl_with_guessing_prior() -> None:
    """4000 simulees x 30 items, complete, c in [0.1, 0.3] under a Beta(5, 17) prior.

    The 3PL is weakly identified (Baker & Kim, 2004, ch. 7), so limits are
    wider: RMSE < 0.35 (a), < 0.5 (d), < 0.07 (c), |bias c| < 0.03.  The
    standard errors must give 95% intervals covering at least 80% of the 30
    true values of each parameter (binomial: below 80% happens with p < 0.01).
    """
    rng = np.random.default_rng(12)
    items = ItemParameters.dichotomous(rng.lognormal(0.1, 0.2, 30), rng.normal(0, 1, 30), rng.uniform(0.1, 0.3, 30))
    fit = calibrate(simulate_responses(rng.normal(size=4000), items, rng), "3pl")
    assert bias_and_rmse(fit.items.a, items.a)[1] < 0.35
    assert bias_and_rmse(fit.items.d, items.d)[1] < 0.5
    bias_c, rmse_c = bias_and_rmse(fit.items.c, items.c)
    assert abs(bias_c) < 0.03 and rmse_c < 0.07
    for estimate, truth, se in [(fit.items.a, items.a, fit.se_a), (fit.items.d, items.d, fit.se_d),
                                (fit.items.c, items.c, fit.se_c)]:
        assert np.mean(np.abs(estimate - truth) < 1.96 * se) >= 0.8


def test_gpcm_sparse_design() -> None:
    """3000 simulees x 20 four-score items, 10 each (1500 responses per item): RMSE < 0.1 (a), < 0.15 (d)."""
    rng = np.random.default_rng(13)
    a = rng.lognormal(0, 0.25, 20)
    items = ItemParameters.gpcm(a, gpcm_intercepts_from_steps(a, np.sort(rng.normal(0, 1, (20, 3)), axis=1)))
    responses = simulate_responses(rng.normal(size=3000), items, rng, random_design(3000, 20, 10, rng))
    fit = calibrate(responses, "gpcm")
    assert bias_and_rmse(fit.items.a, items.a)[1] < 0.1
    assert bias_and_rmse(fit.items.d, items.d)[1] < 0.15


def test_rasch_recovers_intercepts_and_ability_spread() -> None:
    """4000 simulees with SD 1.3 x 40 items, 15 each: RMSE(d) < 0.1, |sd - 1.3| < 0.06."""
    rng = np.random.default_rng(14)
    items = ItemParameters.dichotomous(np.ones(40), rng.normal(0, 1, 40))
    responses = simulate_responses(rng.normal(0, 1.3, 4000), items, rng, random_design(4000, 40, 15, rng))
    fit = calibrate(responses, "rasch")
    assert bias_and_rmse(fit.items.d, items.d)[1] < 0.1
    assert fit.sd == pytest.approx(1.3, abs=0.06)


def test_pretest_items_land_on_the_bank_scale() -> None:
    """40 live items held at their bank values, 10 pretest items estimated.

    The pretest population is N(0.5, 1.2^2), not the bank's N(0, 1), so the
    ability distribution must be estimated too.  Limits: RMSE < 0.12 (a) and
    < 0.16 (d) for the new items; mean and SD within 0.07.
    """
    rng = np.random.default_rng(15)
    bank = ItemParameters.dichotomous(rng.lognormal(0, 0.25, 50), rng.normal(0, 1, 50))
    responses = simulate_responses(rng.normal(0.5, 1.2, 4000), bank, rng, random_design(4000, 50, 18, rng))
    live = np.arange(50) < 40
    fit = calibrate(responses, "2pl", fixed=bank, fixed_mask=live)
    np.testing.assert_array_equal(fit.items.a[live], bank.a[live])
    assert bias_and_rmse(fit.items.a[~live], bank.a[~live])[1] < 0.12
    assert bias_and_rmse(fit.items.d[~live], bank.d[~live])[1] < 0.16
    assert fit.mean == pytest.approx(0.5, abs=0.07) and fit.sd == pytest.approx(1.2, abs=0.07)


def test_stocking_lord_links_two_separate_calibrations() -> None:
    """Two groups of 3000, N(0, 1) and N(0.5, 1.2^2), sharing 20 of 60 items.

    Each is calibrated on its own N(0, 1) scale; the link from the second onto
    the first must be A = 1.2, B = 0.5 within 0.08, and the linked common items
    must match the first calibration's to RMSE 0.12 in d.
    """
    rng = np.random.default_rng(16)
    items = ItemParameters.dichotomous(rng.lognormal(0, 0.25, 60), rng.normal(0, 1, 60))
    first = calibrate(simulate_responses(rng.normal(0, 1, 3000), items.subset(slice(0, 40)), rng), "2pl")
    second = calibrate(simulate_responses(rng.normal(0.5, 1.2, 3000), items.subset(slice(20, 60)), rng), "2pl")
    common_first, common_second = first.items.subset(slice(20, 40)), second.items.subset(slice(0, 20))
    link = stocking_lord(common_second, common_first)
    assert link.slope == pytest.approx(1.2, abs=0.08) and link.intercept == pytest.approx(0.5, abs=0.08)
    assert bias_and_rmse(transform(common_second, link).d, common_first.d)[1] < 0.12


def test_eap_posterior_sd_matches_actual_error() -> None:
    """5000 simulees x 30 of 300 items: EAP RMSE within 10% of the mean posterior SD, |bias| < 0.03."""
    rng = np.random.default_rng(17)
    items = ItemParameters.dichotomous(rng.lognormal(0, 0.3, 300), rng.normal(0, 1, 300))
    theta = rng.normal(size=5000)
    estimate, sd = eap_many(simulate_responses(theta, items, rng, random_design(5000, 300, 30, rng)), items)
    bias, rmse = bias_and_rmse(estimate, theta)
    assert abs(bias) < 0.03
    assert rmse == pytest.approx(np.sqrt(np.mean(sd**2)), rel=0.1)


def test_mixed_one_mark_and_multi_mark_bank() -> None:
    """10 one-mark (K = 1) and 10 three-mark items in one GPCM calibration, 3000 x 12 each.

    One-mark items keep a single intercept (the others stay NaN); limits RMSE < 0.12 (a), < 0.2 (d).
    """
    rng = np.random.default_rng(18)
    a = rng.lognormal(0, 0.25, 20)
    d = gpcm_intercepts_from_steps(a, np.sort(rng.normal(0, 1, (20, 3)), axis=1))
    d[:10, 1:] = np.nan
    items = ItemParameters.gpcm(a, d)
    responses = simulate_responses(rng.normal(size=3000), items, rng, random_design(3000, 20, 12, rng))
    fit = calibrate(responses, "gpcm")
    np.testing.assert_array_equal(np.isnan(fit.items.d), np.isnan(d))
    assert bias_and_rmse(fit.items.a, a)[1] < 0.12
    assert bias_and_rmse(fit.items.d[~np.isnan(d)], d[~np.isnan(d)])[1] < 0.2
