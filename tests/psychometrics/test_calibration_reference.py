"""Calibration reproduces published estimates on the LSAT data (Bock & Lieberman, 1970).

Published values come from mirt's own test suite (tests/testthat/test-01-mirtOne.R,
``mirt(expand.table(LSAT7), 1)`` and friends: 61 nodes on [-6, 6], N(0, 1), D = 1),
the same settings as `calibrate`'s defaults.  Tolerances:

* slopes and intercepts: 0.01 absolute (the brief's criterion; mirt prints 3-4 decimals);
* marginal log-likelihood: 0.01 absolute;
* cross-product standard errors against mirt's ``SE.type = "crossprod"``
  95% intervals (SE = width / 3.92, rounded to 3 decimals): 0.002 absolute.
"""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics.calibration import calibrate
from exam_engine.psychometrics.estep import ResponseMatrix
from exam_engine.psychometrics.quadrature import gauss_hermite, normal_grid

pytestmark = pytest.mark.reference_data

PARAMETER_TOLERANCE = 0.01

# mirt test-01-mirtOne.R: coef(mirt(expand.table(LSAT7), 1)) - a1 and d per item.
LSAT7_2PL_A = [0.988, 1.081, 1.706, 0.7651, 0.7358]
LSAT7_2PL_D = [1.8561, 0.808, 1.8043, 0.486, 1.8545]
# mirt: mirt(LSAT7 data, 'F = 1-5 CONSTRAIN = (1-5, a1)', SE.type = 'crossprod') - a 1PL.
LSAT7_1PL_A = 1.011
LSAT7_1PL_D = [1.868, 0.791, 1.461, 0.521, 1.993]
LSAT7_1PL_SE_A = (1.138 - 0.885) / 3.92
LSAT7_1PL_SE_D = [(2.067 - 1.67) / 3.92, (0.951 - 0.631) / 3.92, (1.644 - 1.277) / 3.92,
                  (0.676 - 0.367) / 3.92, (2.193 - 1.793) / 3.92]
# mirt: mirt(expand.table(LSAT6), 1, itemtype = 'Rasch') - d per item and the latent variance.
LSAT6_RASCH_D = [2.73, 0.999, 0.24, 1.306, 2.099]
LSAT6_RASCH_VARIANCE = 0.57
# mirt 2PL on LSAT6 as IRT parameters (quoted in jMetrik's MarginalMaximumLikelihoodEstimationTest,
# mirt(expand.table(LSAT6), 1, '2PL')); ltm's ltm(LSAT ~ z1) gives the same to 0.01.
LSAT6_2PL_A = [0.825, 0.724, 0.888, 0.689, 0.659]
LSAT6_2PL_B = [-3.362, -1.368, -0.280, -1.864, -3.117]
# mirt: logLik of the LSAT6 2PL (test-01-mirtOne.R, QMCEM fit) and of the LSAT7 2PL (printed by mirt).
LSAT6_2PL_LOGLIK = -2466.653
LSAT7_2PL_LOGLIK = -2658.805


@pytest.fixture(scope="module")
def lsat7(load_table) -> np.ndarray:
    return load_table("lsat7.csv")[1]


@pytest.fixture(scope="module")
def lsat6(load_table) -> np.ndarray:
    return load_table("lsat6.csv")[1]


def test_lsat7_2pl_matches_mirt(lsat7: np.ndarray) -> None:
    fit = calibrate(lsat7, "2pl")
    assert fit.converged
    np.testing.assert_allclose(fit.items.a, LSAT7_2PL_A, atol=PARAMETER_TOLERANCE)
    np.testing.assert_allclose(fit.items.d[:, 0], LSAT7_2PL_D, atol=PARAMETER_TOLERANCE)
    assert fit.log_likelihood == pytest.approx(LSAT7_2PL_LOGLIK, abs=0.01)


def test_lsat7_pattern_frequencies_give_the_same_fit(load_table, lsat7: np.ndarray) -> None:
    """Weighting the 32 patterns by their frequencies is the same as the 1000 rows."""
    patterns = load_table("lsat7_patterns.csv")[1]
    data = ResponseMatrix.from_dense(patterns[:, :5], weights=patterns[:, 5])
    by_pattern, by_person = calibrate(data, "2pl"), calibrate(lsat7, "2pl")
    np.testing.assert_allclose(by_pattern.items.a, by_person.items.a, atol=1e-6)
    assert by_pattern.log_likelihood == pytest.approx(by_person.log_likelihood, abs=1e-6)


def test_lsat7_1pl_and_crossprod_standard_errors_match_mirt(lsat7: np.ndarray) -> None:
    fit = calibrate(lsat7, "1pl")
    np.testing.assert_allclose(fit.items.a, LSAT7_1PL_A, atol=PARAMETER_TOLERANCE)
    np.testing.assert_allclose(fit.items.d[:, 0], LSAT7_1PL_D, atol=PARAMETER_TOLERANCE)
    np.testing.assert_allclose(fit.se_a, LSAT7_1PL_SE_A, atol=0.002)
    np.testing.assert_allclose(fit.se_d[:, 0], LSAT7_1PL_SE_D, atol=0.002)


def test_lsat7_rasch_is_the_1pl_rescaled(lsat7: np.ndarray) -> None:
    """Rasch (a = 1, sigma free) and 1PL (common a, sigma = 1) are the same model: sigma = a."""
    rasch = calibrate(lsat7, "rasch")
    np.testing.assert_allclose(rasch.items.a, 1.0)
    assert rasch.sd == pytest.approx(LSAT7_1PL_A, abs=PARAMETER_TOLERANCE)
    np.testing.assert_allclose(rasch.items.d[:, 0], LSAT7_1PL_D, atol=PARAMETER_TOLERANCE)
    assert rasch.se_sd == pytest.approx(LSAT7_1PL_SE_A, abs=0.002)


def test_lsat6_rasch_matches_mirt(lsat6: np.ndarray) -> None:
    fit = calibrate(lsat6, "rasch")
    np.testing.assert_allclose(fit.items.d[:, 0], LSAT6_RASCH_D, atol=PARAMETER_TOLERANCE)
    assert fit.sd**2 == pytest.approx(LSAT6_RASCH_VARIANCE, abs=PARAMETER_TOLERANCE)


def test_lsat6_1pl_matches_mirt_rasch_in_1pl_form(lsat6: np.ndarray) -> None:
    """ltm's rasch(LSAT): common discrimination 0.755 (= sqrt(0.57)), same intercepts."""
    fit = calibrate(lsat6, "1pl")
    np.testing.assert_allclose(fit.items.a, np.sqrt(LSAT6_RASCH_VARIANCE), atol=PARAMETER_TOLERANCE)
    np.testing.assert_allclose(fit.items.d[:, 0], LSAT6_RASCH_D, atol=PARAMETER_TOLERANCE)


def test_lsat6_2pl_matches_mirt(lsat6: np.ndarray) -> None:
    """Difficulties b = -d/a are amplified by 1/a ~ 1.5, so they are checked to 0.02."""
    fit = calibrate(lsat6, "2pl")
    np.testing.assert_allclose(fit.items.a, LSAT6_2PL_A, atol=PARAMETER_TOLERANCE)
    np.testing.assert_allclose(-fit.items.d[:, 0] / fit.items.a, LSAT6_2PL_B, atol=0.02)
    assert fit.log_likelihood == pytest.approx(LSAT6_2PL_LOGLIK, abs=0.01)


# ltm: ltm(LSAT ~ z1) with 21-point Gauss-Hermite quadrature, IRT parameters as printed in
# https://rstudio-pubs-static.s3.amazonaws.com/1049111_d258e411eefe4ba085e3bbc59b32dbeb.html
LTM_LSAT_DFFCLT = [-3.3597341, -1.3696497, -0.2798983, -1.8659189, -3.1235725]
LTM_LSAT_DSCRMN = [0.8253715, 0.7229499, 0.8904748, 0.6885502, 0.6574516]


def test_lsat6_2pl_with_gauss_hermite_matches_ltm(lsat6: np.ndarray) -> None:
    """Same quadrature as ltm (21 Gauss-Hermite nodes): a within 0.01, b within 0.02."""
    fit = calibrate(lsat6, "2pl", quadrature=gauss_hermite(21))
    np.testing.assert_allclose(fit.items.a, LTM_LSAT_DSCRMN, atol=PARAMETER_TOLERANCE)
    np.testing.assert_allclose(-fit.items.d[:, 0] / fit.items.a, LTM_LSAT_DFFCLT, atol=0.02)


# mirt 3PL on LSAT7 without a prior on c (mirt(expand.table(LSAT7), 1, '3PL', TOL = 1e-4), 41 nodes),
# IRT parameters quoted in jMetrik's MarginalMaximumLikelihoodEstimationTest.LSAT7mirtTest.
MIRT_LSAT7_3PL_A = [1.010, 1.947, 1.684, 0.737, 0.771]
MIRT_LSAT7_3PL_B = [-1.837, -0.042, -1.047, -0.648, -2.393]
MIRT_LSAT7_3PL_C = [0.008, 0.298, 0.014, 0.003, 0.019]


def test_lsat7_3pl_without_prior_matches_mirt(lsat7: np.ndarray) -> None:
    """A flat Beta(1, 1) prior gives the plain MLE.

    For four items the MLE of c is on the boundary 0; EM creeps towards it and
    mirt stopped (TOL 1e-4) with c between 0.003 and 0.019, which moves a and b
    of those items a little.  Tolerances: 0.02 for a and c, 0.05 for b; the
    interior item 2 (c ~ 0.3) must agree to 0.01.
    """
    fit = calibrate(lsat7, "3pl", guessing_prior=(1.0, 1.0), quadrature=normal_grid(41, 0.8 * np.sqrt(41)))
    b = -fit.items.d[:, 0] / fit.items.a
    np.testing.assert_allclose(fit.items.a, MIRT_LSAT7_3PL_A, atol=0.02)
    np.testing.assert_allclose(b, MIRT_LSAT7_3PL_B, atol=0.05)
    np.testing.assert_allclose(fit.items.c, MIRT_LSAT7_3PL_C, atol=0.02)
    assert (fit.items.a[1], b[1], fit.items.c[1]) == pytest.approx((1.947, -0.042, 0.298), abs=PARAMETER_TOLERANCE)
