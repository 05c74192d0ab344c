"""Ability estimates reproduce mirt's ``fscores`` (LSAT7) and ltm's ``factor.scores`` (LSAT6).

mirt's values (tests/testthat/test-01-mirtOne.R) were computed with mirt's own
estimates; here its published item parameters (rounded to 3-4 decimals) are
used, which moves scores by up to ~0.003.  ltm's values come with parameters
printed to 7 digits.  Tolerances:

* MAP (``fscores(method = 'MAP')`` on the 2PL): 0.002;
* EAP (``fscores()`` on the 2PL, and ``EAPsum`` for the all-wrong pattern): 0.005;
* ML (``fscores(method = 'ML')`` on the 1PL; +/-Inf for extreme patterns in mirt,
  here the documented bounds): 0.005;
* MAP and its SE against ltm's Empirical Bayes scores: 0.0005.
"""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics.ability import eap, map_estimate, ml_estimate
from exam_engine.psychometrics.models import ItemParameters, slope_intercept_from_irt

LSAT7_2PL = ItemParameters.dichotomous([0.988, 1.081, 1.706, 0.7651, 0.7358], [1.8561, 0.808, 1.8043, 0.486, 1.8545])
LSAT7_1PL = ItemParameters.dichotomous([1.011] * 5, [1.868, 0.791, 1.461, 0.521, 1.993])

# The first six of the 32 patterns, in mirt's (and lsat7_patterns.csv's) order.
PATTERNS = np.array(
    [[0, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 1, 1], [0, 0, 1, 0, 0], [0, 0, 1, 0, 1]], float
)
MIRT_EAP = [-1.8665957, -1.5266920, -1.5134024, -1.1852276, -1.0946830, -0.7666992]
MIRT_MAP = [-1.8165552, -1.4946906, -1.4822982, -1.1789899, -1.0958928, -0.7951026]
MIRT_EAPSUM_ALL_WRONG = -1.86979
MIRT_ML = {(0, 0, 0, 0, 1): -2.783489, (0, 0, 0, 1, 1): -1.750890, (0, 0, 1, 0, 0): -2.783489}


@pytest.mark.parametrize("pattern, expected", list(zip(PATTERNS, MIRT_EAP)))
def test_eap_matches_mirt(pattern: np.ndarray, expected: float) -> None:
    assert eap(pattern, LSAT7_2PL).theta == pytest.approx(expected, abs=0.005)


def test_eap_of_all_wrong_matches_mirt_eapsum() -> None:
    assert eap(PATTERNS[0], LSAT7_2PL).theta == pytest.approx(MIRT_EAPSUM_ALL_WRONG, abs=0.001)


@pytest.mark.parametrize("pattern, expected", list(zip(PATTERNS, MIRT_MAP)))
def test_map_matches_mirt(pattern: np.ndarray, expected: float) -> None:
    assert map_estimate(pattern, LSAT7_2PL).theta == pytest.approx(expected, abs=0.002)


@pytest.mark.parametrize("pattern, expected", list(MIRT_ML.items()))
def test_ml_matches_mirt(pattern: tuple[int, ...], expected: float) -> None:
    assert ml_estimate(np.array(pattern, float), LSAT7_1PL).theta == pytest.approx(expected, abs=0.005)


# ltm: factor.scores(ltm(LSAT ~ z1)) - "Empirical Bayes" scores are posterior modes (MAP, N(0, 1)
# prior) with SE from the curvature - printed with the fitted IRT parameters at
# https://rstudio-pubs-static.s3.amazonaws.com/1049111_d258e411eefe4ba085e3bbc59b32dbeb.html
LTM_LSAT6 = ItemParameters.dichotomous(
    [0.8253715, 0.7229499, 0.8904748, 0.6885502, 0.6574516],
    slope_intercept_from_irt(
        [0.8253715, 0.7229499, 0.8904748, 0.6885502, 0.6574516],
        [-3.3597341, -1.3696497, -0.2798983, -1.8659189, -3.1235725],
    ),
)
LTM_SCORES = {
    "00000": (-1.895, 0.795), "00001": (-1.479, 0.796), "00011": (-1.041, 0.800),
    "11111": (0.606, 0.855), "10111": (0.093, 0.831), "11011": (-0.022, 0.827),
}


@pytest.mark.parametrize("pattern, expected", list(LTM_SCORES.items()))
def test_map_and_its_se_match_ltm_on_lsat6(pattern: str, expected: tuple[float, float]) -> None:
    """Parameters printed to 7 digits, scores to 3: tolerance 0.0005 for both."""
    estimate = map_estimate(np.array(list(pattern), float), LTM_LSAT6)
    assert (estimate.theta, estimate.se) == pytest.approx(expected, abs=5e-4)
