"""Graded response model, Rasch with the ability variance fixed at 1, and single fixed parameters.

Published values and their sources (tolerances are stated per test):

* mirt ``mirt(Science, 1)`` (``itemtype = "graded"`` is the default for these four-category items;
  61 nodes on [-6, 6], N(0, 1), D = 1): the coefficients printed in mirt's reference page
  ``PLCI.mirt`` (``reference/PLCI.mirt.md``, column ``value``), the log-likelihood -1608.870
  (``reference/anova-method.md`` and ``reference/logLik-method.md``), the parameter covariance
  matrix printed by ``vcov(mirt(Science, 1, SE = TRUE))`` (``reference/vcov-method.md``), and the
  GPCM's log-likelihood -1612.683 (``anova(x, x2, x3, x4)``, ``x3 <- mirt(Science, 1, 'gpcm')``).
"""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics.ability import eap, map_estimate
from exam_engine.psychometrics.calibration import calibrate
from exam_engine.psychometrics.models import (
    ItemParameters,
    category_probability,
    grm_information,
    grm_log_probability,
    item_information,
    log_likelihood,
    probability,
)
from exam_engine.psychometrics.quadrature import normal_grid

# mirt reference/PLCI.mirt.md: mod2 <- mirt(Science, 1); PLCI.mirt(mod2)$value (a1, d1, d2, d3 per item).
SCIENCE_GRM = np.array([
    [1.0417547, 4.8641542, 2.6399417, -1.4660135],  # Comfort
    [1.2259618, 2.9240027, 0.9011651, -2.2665647],  # Work
    [2.2933717, 5.2339928, 2.2137728, -1.9637062],  # Future
    [1.0949151, 3.3479196, 0.9916289, -1.6882599],  # Benefit
])
SCIENCE_GRM_LOGLIK = -1608.870  # reference/anova-method.md, logLik of mirt(Science, 1)
SCIENCE_GPCM_LOGLIK = -1612.683  # reference/anova-method.md, x3 <- mirt(Science, 1, 'gpcm')
# reference/vcov-method.md: diagonal of vcov(mirt(Science, 1, SE = TRUE)) (mirt's default Oakes SEs).
SCIENCE_GRM_VARIANCE = np.array([
    [0.0354557222, 0.240747985, 0.0495440979, 0.02516506],
    [0.0330717252, 0.0572478298, 0.0204197987, 0.041235925],
    [0.2343596830, 0.5333187949, 0.1276826104, 0.104233499],
    [0.0335900564, 0.07645466, 0.0197363548, 0.0284229583],
])


@pytest.fixture(scope="module")
def science(load_table) -> np.ndarray:
    return load_table("science.csv")[1] - 1  # categories 1..4 scored 0..3


@pytest.fixture(scope="module")
def environment(load_table) -> np.ndarray:
    return load_table("environment.csv")[1] - 1


# --- the model functions ---------------------------------------------------------------------

GRM_A = np.array([1.2, 0.8, 2.0])
GRM_D = np.array([[2.0, 0.5, -1.0], [1.0, -1.0, np.nan], [0.3, np.nan, np.nan]])


def test_grm_probabilities_are_differences_of_boundaries_and_safe_in_the_tails() -> None:
    theta = np.array([-50.0, -3.0, 0.0, 1.5, 50.0])
    p = np.exp(grm_log_probability(theta, GRM_A, GRM_D))
    np.testing.assert_allclose(p.sum(axis=2), 1.0)
    assert np.all(np.isfinite(grm_log_probability(theta, GRM_A, GRM_D)[:, 0, :]))
    boundary = 1 / (1 + np.exp(-(theta[:, None] * GRM_A[1] + np.array([1.0, -1.0]))))
    expected = np.column_stack([1 - boundary[:, 0], boundary[:, 0] - boundary[:, 1], boundary[:, 1]])
    np.testing.assert_allclose(p[:, 1, :3], expected, atol=1e-15)
    assert np.all(p[:, 1, 3] == 0) and np.all(p[:, 2, 2:] == 0)


def test_a_two_category_graded_item_is_the_2pl() -> None:
    theta = np.linspace(-4, 4, 9)
    items = ItemParameters.graded_response(GRM_A[2:], GRM_D[2:, :1])
    np.testing.assert_allclose(category_probability(theta, items)[:, 0, 1], probability(theta, 2.0, 0.3)[:, 0])


def test_grm_information_is_the_sum_of_squared_slopes_over_p() -> None:
    theta, h = np.linspace(-3, 3, 13), 1e-5
    p = np.exp(grm_log_probability(theta, GRM_A, GRM_D))
    slope = (np.exp(grm_log_probability(theta + h, GRM_A, GRM_D))
             - np.exp(grm_log_probability(theta - h, GRM_A, GRM_D))) / (2 * h)
    numeric = np.sum(np.divide(slope**2, p, out=np.zeros_like(p), where=p > 0), axis=2)
    np.testing.assert_allclose(grm_information(theta, GRM_A, GRM_D), numeric, rtol=1e-6)
    items = ItemParameters.graded_response(GRM_A, GRM_D)
    np.testing.assert_allclose(item_information(theta, items), numeric, rtol=1e-6)


def test_graded_and_other_items_mix_in_one_bank_and_score() -> None:
    graded = ItemParameters.graded_response(GRM_A, GRM_D)
    bank = ItemParameters(np.r_[graded.a, 1.0], np.vstack([graded.d, [[0.2, 1.0, np.nan]]]),
                          np.zeros(4), np.array([True, True, True, False]))
    assert bank.subset([0, 3]).is_graded.tolist() == [True, False]
    responses = np.array([2.0, 1.0, 0.0, 2.0])
    grid = normal_grid()
    post = np.exp(log_likelihood(grid.nodes, responses, bank)) * grid.weights
    assert eap(responses, bank).theta == pytest.approx(post @ grid.nodes / post.sum(), abs=1e-12)
    # the GPCM item of the bank is a GPCM item: the graded flag does not leak onto it
    np.testing.assert_allclose(category_probability(0.4, bank)[0, 3, :3],
                               category_probability(0.4, ItemParameters.gpcm([1.0], [[0.2, 1.0]]))[0, 0, :3])
    assert np.isfinite(map_estimate(responses, bank).se)


# --- calibration -----------------------------------------------------------------------------

def test_science_grm_matches_mirt(science: np.ndarray) -> None:
    """mirt stops at its default TOL = 1e-4; its estimates give a log-likelihood 1.2e-4 below
    ours (the slope of 'Future', 2.3, lies on a flat ridge), so parameters are checked to 0.02
    absolute and the log-likelihood to 0.01."""
    fit = calibrate(science, "grm")
    assert fit.converged
    assert fit.items.is_graded.all()
    np.testing.assert_allclose(fit.items.a, SCIENCE_GRM[:, 0], atol=0.02)
    np.testing.assert_allclose(fit.items.d, SCIENCE_GRM[:, 1:], atol=0.02)
    assert fit.log_likelihood == pytest.approx(SCIENCE_GRM_LOGLIK, abs=0.01)


def test_science_grm_standard_errors_are_close_to_mirts(science: np.ndarray) -> None:
    """Ours are cross-product SEs (Bock & Aitkin's), mirt's default the observed information
    (Oakes): different estimators of the same quantity, so agreement within 15% is expected."""
    fit = calibrate(science, "grm")
    ours = np.column_stack([fit.se_a, fit.se_d])
    np.testing.assert_allclose(ours, np.sqrt(SCIENCE_GRM_VARIANCE), rtol=0.15)


def test_science_gpcm_log_likelihood_matches_mirt(science: np.ndarray) -> None:
    assert calibrate(science, "gpcm").log_likelihood == pytest.approx(SCIENCE_GPCM_LOGLIK, abs=0.01)


def test_equal_slopes_grm_shares_one_slope_and_nests_in_the_grm(science: np.ndarray) -> None:
    free, equal = calibrate(science, "grm"), calibrate(science, "grm-equal")
    assert equal.converged
    np.testing.assert_allclose(equal.items.a, equal.items.a[0])
    np.testing.assert_allclose(equal.se_a, equal.se_a[0])
    assert np.isfinite(equal.se_a[0]) and equal.se_a[0] < free.se_a.min()
    assert equal.log_likelihood < free.log_likelihood
    assert np.all(np.diff(equal.items.d, axis=1) < 0)


def test_environment_grm_converges_with_ordered_intercepts(environment: np.ndarray) -> None:
    """ltm's Environment (291 x 6, three categories).  No published mirt/ltm figure for it was found
    in the reference material; the fit must converge, keep the intercepts ordered and nest the
    equal-slopes model."""
    fit = calibrate(environment, "grm")
    equal = calibrate(environment, "grm-equal")
    assert fit.converged and equal.converged
    assert np.all(np.diff(fit.items.d, axis=1) < 0)
    assert np.all(np.isfinite(fit.se_a)) and np.all(np.isfinite(fit.se_d))
    assert equal.log_likelihood < fit.log_likelihood


# --- Rasch with the ability variance fixed at 1 ------------------------------------------------

# irtQ's reference page for est_irt (Lim & Wells): est_irt(data = LSAT6, D = 1, model = "1PLM", cats = 2,
# fix.a.1pl = TRUE, a.val.1pl = 1), 49 rectangular nodes on [-6, 6], N(0, 1): difficulties and
# their SEs printed to 2 decimals, log-likelihood -2473.054.  ltm's rasch(LSAT, constraint =
# cbind(6, 1)) is the same model.  With the slope free but common (model = "1PLM"), getirt()
# prints a = 0.7551678 and b to 7 decimals.
LSAT6_RASCH_FIXED_B = [-2.87, -1.06, -0.26, -1.39, -2.22]
LSAT6_RASCH_FIXED_SE_B = [0.13, 0.08, 0.08, 0.09, 0.11]
LSAT6_RASCH_FIXED_LOGLIK = -2473.054
LSAT6_1PLM_A = 0.7551678
LSAT6_1PLM_B = [-3.6151311, -1.3223732, -0.3176192, -1.7300276, -2.7800696]


@pytest.fixture(scope="module")
def lsat6(load_table) -> np.ndarray:
    return load_table("lsat6.csv")[1]


@pytest.fixture(scope="module")
def lsat7(load_table) -> np.ndarray:
    return load_table("lsat7.csv")[1]


def test_lsat6_rasch_with_variance_fixed_at_1_matches_irtq(lsat6: np.ndarray) -> None:
    """b = -d (slopes 1) within 0.006 of the 2-decimal published values (rounding), SEs likewise
    (ours are cross-product SEs), log-likelihood within 0.01; the ability SD stays 1."""
    fit = calibrate(lsat6, "rasch-fixed", quadrature=normal_grid(49))
    assert fit.converged and fit.sd == 1.0 and fit.mean == 0.0
    np.testing.assert_allclose(fit.items.a, 1.0)
    assert np.all(np.isnan(fit.se_a)) and np.isnan(fit.se_sd)
    np.testing.assert_allclose(-fit.items.d[:, 0], LSAT6_RASCH_FIXED_B, atol=0.006)
    np.testing.assert_allclose(fit.se_d[:, 0], LSAT6_RASCH_FIXED_SE_B, atol=0.006)
    assert fit.log_likelihood == pytest.approx(LSAT6_RASCH_FIXED_LOGLIK, abs=0.01)


def test_lsat6_common_slope_matches_irtq(lsat6: np.ndarray) -> None:
    fit = calibrate(lsat6, "1pl", quadrature=normal_grid(49))
    np.testing.assert_allclose(fit.items.a, LSAT6_1PLM_A, atol=1e-3)
    np.testing.assert_allclose(-fit.items.d[:, 0] / fit.items.a, LSAT6_1PLM_B, atol=2e-3)


# --- single fixed parameters -------------------------------------------------------------------

def test_a_3pl_with_every_c_fixed_at_0_is_the_2pl(lsat7: np.ndarray) -> None:
    two = calibrate(lsat7, "2pl")
    fit = calibrate(lsat7, "3pl", fix={(j, "c"): 0.0 for j in range(5)})
    assert fit.converged
    np.testing.assert_allclose(fit.items.c, 0.0)
    assert np.all(np.isnan(fit.se_c))
    np.testing.assert_allclose(fit.items.a, two.items.a, atol=1e-6)
    np.testing.assert_allclose(fit.items.d, two.items.d, atol=1e-6)
    np.testing.assert_allclose(fit.se_a, two.se_a, atol=1e-6)
    np.testing.assert_allclose(fit.se_d, two.se_d, atol=1e-6)
    assert fit.log_likelihood == pytest.approx(two.log_likelihood, abs=1e-6)


def test_a_single_c_fixed_at_0_1_stays_there(lsat7: np.ndarray) -> None:
    fit = calibrate(lsat7, "3pl", fix={(4, "c"): 0.1})
    assert fit.converged
    assert fit.items.c[4] == 0.1 and np.isnan(fit.se_c[4])
    assert np.all(fit.items.c[:4] > 0.1) and np.all(np.isfinite(fit.se_c[:4]))  # the others: Beta(5, 17) pulls
    assert np.all(np.isfinite(fit.se_a)) and np.all(np.isfinite(fit.se_d))  # a and d of item 5 still estimated


# mirt reference/anova-method.md: mod2 <- mirt(LSAT7, 1, itemtype = c(rep('2PL', 4), '3PL')); logLik -2658.794.
LSAT7_MIXED_3PL_LOGLIK = -2658.794


def test_four_2pl_items_and_one_3pl_match_mirts_mixed_itemtypes(lsat7: np.ndarray) -> None:
    """Fixing c = 0 for items 1-4 and removing the prior is mirt's 2PL x 4 + 3PL run.  Item 5's c
    lies on a flat ridge (its SE exceeds 0.5): mirt stopped at its TOL = 1e-4 with a log-likelihood
    0.015 below ours, so ours must be at least mirt's and within 0.02 of it."""
    fit = calibrate(lsat7, "3pl", guessing_prior=(1.0, 1.0), fix={(j, "c"): 0.0 for j in range(4)})
    assert fit.converged
    assert LSAT7_MIXED_3PL_LOGLIK - 1e-3 <= fit.log_likelihood <= LSAT7_MIXED_3PL_LOGLIK + 0.02


def test_slopes_and_intercepts_can_be_fixed_one_at_a_time(lsat7: np.ndarray, science: np.ndarray) -> None:
    fit = calibrate(lsat7, "2pl", fix={(0, "a"): 1.0, (1, "d"): 0.8})
    assert fit.items.a[0] == 1.0 and fit.items.d[1, 0] == 0.8
    assert np.isnan(fit.se_a[0]) and np.isnan(fit.se_d[1, 0]) and np.isfinite(fit.se_d[0, 0])
    graded = calibrate(science, "grm", fix={(0, "d2"): 2.5})
    assert graded.converged and graded.items.d[0, 1] == 2.5 and np.isnan(graded.se_d[0, 1])
    assert graded.items.d[0, 0] > 2.5 > graded.items.d[0, 2]
    common = calibrate(science, "grm-equal", fix={(0, "d1"): 5.0})
    assert common.converged and common.items.d[0, 0] == 5.0 and np.isfinite(common.se_a).all()


@pytest.mark.parametrize(("model", "fix", "message"), [
    ("2pl", {(0, "c"): 0.1}, "guessing c can only be fixed for 3pl items"),
    ("1pl", {(0, "a"): 1.0}, "does not estimate a slope per item"),
    ("3pl", {(0, "c"): 1.0}, "c must be from 0 up to"),
    ("2pl", {(9, "a"): 1.0}, "there are 5 items"),
    ("2pl", {(0, "d2"): 1.0}, "the parameters are a, d, d1, c"),
    ("2pl", {(0, "a"): -1.0}, "a slope must be above 0"),
])
def test_impossible_fixes_are_refused(lsat7: np.ndarray, model: str, fix: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calibrate(lsat7, model, fix=fix)


# --- one model per item: one-mark and multi-mark items in one calibration ----------------------

def test_per_item_models_equal_the_whole_run_models(lsat7: np.ndarray, science: np.ndarray) -> None:
    mixed = calibrate(lsat7, ["2pl"] * 4 + ["3pl"], guessing_prior=(1.0, 1.0))
    pinned = calibrate(lsat7, "3pl", guessing_prior=(1.0, 1.0), fix={(j, "c"): 0.0 for j in range(4)})
    assert mixed.model == "mixed" and mixed.item_models == ("2pl", "2pl", "2pl", "2pl", "3pl")
    np.testing.assert_allclose(mixed.items.a, pinned.items.a, atol=1e-8)
    np.testing.assert_allclose(mixed.se_c, pinned.se_c, atol=1e-8, equal_nan=True)
    assert mixed.log_likelihood == pytest.approx(LSAT7_MIXED_3PL_LOGLIK, abs=0.02)
    graded = calibrate(science, ["grm"] * 4)
    assert graded.log_likelihood == pytest.approx(calibrate(science, "grm").log_likelihood, abs=1e-9)


def test_3pl_and_gpcm_items_recovered_together() -> None:
    """5000 simulated persons, twelve one-mark 3PL items and six two-mark GPCM items calibrated in
    one run: every estimate within 3.5 standard errors of the truth (the largest z is about 2.4)."""
    from exam_engine.psychometrics.simulation import simulate_responses

    rng = np.random.default_rng(11)
    a = np.r_[rng.uniform(0.8, 1.8, 12), rng.uniform(0.7, 1.5, 6)]
    d = np.full((18, 2), np.nan)
    d[:12, 0] = rng.normal(0, 1, 12)
    d[12:, 0] = rng.normal(1, 0.5, 6)
    d[12:, 1] = d[12:, 0] + rng.normal(-1.0, 0.5, 6)
    c = np.r_[rng.uniform(0.1, 0.25, 12), np.zeros(6)]
    data = simulate_responses(rng.normal(size=5000), ItemParameters(a, d, c), rng)
    fit = calibrate(data, ["3pl"] * 12 + ["gpcm"] * 6)
    assert fit.converged
    assert np.all(fit.items.c[12:] == 0) and np.all(np.isnan(fit.se_c[12:]))
    assert np.max(np.abs(fit.items.a - a) / fit.se_a) < 3.5
    assert np.nanmax(np.abs(fit.items.d - d) / fit.se_d) < 3.5
    assert np.max(np.abs(fit.items.c - c)[:12] / fit.se_c[:12]) < 3.5


@pytest.mark.parametrize(("models", "message"), [
    (["2pl"] * 3, "3 item models given for 5 items"),
    (["2pl"] * 4 + ["rasch"], "unknown item model"),
])
def test_impossible_item_models_are_refused(lsat7: np.ndarray, models: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calibrate(lsat7, models)


def test_a_one_mark_model_on_a_multi_mark_item_is_refused(science: np.ndarray) -> None:
    with pytest.raises(ValueError, match="item 0 has scores up to 3; model '3pl' needs 0/1 scores"):
        calibrate(science, ["3pl", "grm", "grm", "grm"])


# --- 4PL ----------------------------------------------------------------------------------------

def test_a_4pl_with_every_u_fixed_at_1_is_the_3pl(lsat7: np.ndarray) -> None:
    three = calibrate(lsat7, "3pl")
    fit = calibrate(lsat7, "4pl", fix={(j, "u"): 1.0 for j in range(5)})
    assert fit.converged and fit.se_u is not None and np.all(np.isnan(fit.se_u))
    np.testing.assert_allclose(fit.items.upper, 1.0)
    np.testing.assert_allclose(fit.items.a, three.items.a, atol=1e-8)
    np.testing.assert_allclose(fit.items.c, three.items.c, atol=1e-8)
    np.testing.assert_allclose(fit.se_c, three.se_c, atol=1e-8)
    assert fit.log_likelihood == pytest.approx(three.log_likelihood, abs=1e-8)


def test_4pl_items_recovered_with_standard_errors_for_every_parameter() -> None:
    """8000 simulated persons, fifteen 4PL items (u from 0.85 to 0.97): a, d and c (Beta(5, 17))
    within 3.5 standard errors.  u is weakly identified (it trades off against a low slope: the
    item with a = 1.05 has z = -3.8) and the default Beta(20, 2) prior pulls it towards 0.95, so u
    is checked to 4 standard errors and to 0.06 on average."""
    from exam_engine.psychometrics.simulation import simulate_responses

    rng = np.random.default_rng(5)
    a, d = rng.uniform(1, 2, 15), rng.normal(0, 1, 15)
    c, u = rng.uniform(0.1, 0.2, 15), rng.uniform(0.85, 0.97, 15)
    data = simulate_responses(rng.normal(size=8000), ItemParameters(a, d[:, None], c, None, u), rng)
    fit = calibrate(data, "4pl")
    assert fit.converged and fit.se_u is not None
    for estimate, truth, se in ((fit.items.a, a, fit.se_a), (fit.items.d[:, 0], d, fit.se_d[:, 0]),
                                (fit.items.c, c, fit.se_c)):
        assert np.all(np.isfinite(se)) and np.max(np.abs(estimate - truth) / se) < 3.5
    assert np.all(np.isfinite(fit.se_u)) and np.all(fit.se_u > 0)
    assert np.max(np.abs(fit.items.upper - u) / fit.se_u) < 4
    assert np.mean(np.abs(fit.items.upper - u)) < 0.06  # the SEs of u run from 0.016 to 0.06
    theta = np.linspace(-3, 3, 7)
    info = item_information(theta, fit.items)
    p = category_probability(theta, fit.items)[:, :, 1]
    assert np.all(p < fit.items.upper) and np.all(info > 0)


def test_a_4pl_item_among_2pl_items(lsat7: np.ndarray) -> None:
    fit = calibrate(lsat7, ["2pl"] * 4 + ["4pl"])
    assert fit.converged and fit.se_u is not None
    assert np.all(fit.items.upper[:4] == 1) and fit.items.upper[4] < 1 and np.isfinite(fit.se_u[4])
    assert np.all(np.isnan(fit.se_u[:4])) and np.all(np.isnan(fit.se_c[:4]))
    with pytest.raises(ValueError, match="u can only be fixed for 4pl items"):
        calibrate(lsat7, "3pl", fix={(0, "u"): 0.9})


def test_the_adaptive_engine_refuses_graded_and_4pl_items_clearly() -> None:
    """The bank stores GPCM / 3PL items only, so a pool of graded or 4PL items is refused, not
    silently treated as GPCM (its digest and neutral form know nothing of them)."""
    from exam_engine.assembly.pool import ItemPool

    def pool(parameters: ItemParameters) -> ItemPool:
        return ItemPool(("x",), parameters, np.array([2]), ("1",), ("1.1",), ("multiple_response",), (frozenset(),))

    with pytest.raises(ValueError, match="graded response and 4PL items cannot be stored"):
        pool(ItemParameters.graded_response([1.0], [[1.0, -1.0]]))
    with pytest.raises(ValueError, match="graded response and 4PL items cannot be stored"):
        pool(ItemParameters(np.array([1.0]), np.array([[0.0]]), np.array([0.1]), None, np.array([0.9])))


def test_graded_items_recovered_from_sparse_data() -> None:
    """4000 simulated persons each given 20 of 40 five-category graded items (missing by design):
    every slope and intercept within 4 standard errors of the truth (largest z about 3.3)."""
    from exam_engine.psychometrics.simulation import random_design, simulate_responses

    rng = np.random.default_rng(3)
    a = rng.uniform(0.8, 2, 40)
    d = np.sort(rng.normal(0, 1.2, (40, 4)), axis=1)[:, ::-1] - np.arange(4) * 0.3
    data = simulate_responses(rng.normal(size=4000), ItemParameters.graded_response(a, d), rng,
                              random_design(4000, 40, 20, rng))
    fit = calibrate(data, "grm")
    assert fit.converged
    assert np.max(np.abs(fit.items.a - a) / fit.se_a) < 4
    assert np.max(np.abs(fit.items.d - d) / fit.se_d) < 4


def test_a_graded_item_with_an_empty_middle_score_is_refused(science: np.ndarray) -> None:
    data = science.copy()
    data[data[:, 0] == 1, 0] = 0  # no one left with score 1 on item 0
    with pytest.raises(ValueError, match="item 0: no one scored 1 .* merge the empty score"):
        calibrate(data, "grm")
