"""Mantel-Haenszel DIF reproduces difR on the Verbal Aggression data.

Published values: difR's test snapshot for ``difMH(verbal, group = 25,
focal.name = 1)`` (tests/testthat/_snaps/difMH.md): reference group women
(Gender 0), focal men, total-score matching, continuity correction.  Printed
to 4 decimals, so the tolerance is 0.00005 (0.0001 for the chi-square, whose
rounding compounds).

The ETS codes are ETS's (Zwick, 2012): A when |delta| < 1 or the chi-square is
not significant at .05, C when |delta| >= 1.5 and |delta| is significantly above 1
(one-sided .05, with the standard error difR's log odds-ratio statistic gives),
B otherwise. The expected codes are worked out here from difR's printed values by
that rule; difR's own codes use |delta| alone, and differ on 14 of the 24 items.
"""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics.dif import ability_strata, mantel_haenszel, purified_mantel_haenszel

pytestmark = pytest.mark.reference_data

DIFR_CHI_SQUARE = [1.7076, 2.1486, 0.9926, 1.9302, 2.9540, 9.6032, 0.0013, 0.6752, 0.8185, 1.6292, 0.0152, 4.1188,
                   0.1324, 2.7501, 0.0683, 6.3029, 6.8395, 0.2170, 5.7817, 3.8880, 0.2989, 1.1220, 1.4491, 0.8390]
DIFR_P_VALUE = [0.1913, 0.1427, 0.3191, 0.1647, 0.0857, 0.0019, 0.9711, 0.4112, 0.3656, 0.2018, 0.9020, 0.0424,
                0.7160, 0.0972, 0.7938, 0.0121, 0.0089, 0.6414, 0.0162, 0.0486, 0.5846, 0.2895, 0.2287, 0.3597]
DIFR_ALPHA = [1.7005, 1.7702, 1.4481, 1.9395, 1.9799, 2.8804, 0.9439, 0.7194, 1.5281, 1.6849, 1.0901, 2.3458,
              0.7967, 0.4995, 1.1765, 0.3209, 0.3746, 0.7931, 0.4616, 0.4727, 0.6373, 0.6444, 0.6385, 1.6053]
DIFR_DELTA = [-1.2476, -1.3420, -0.8701, -1.5567, -1.6052, -2.4861, 0.1358, 0.7741, -0.9965, -1.2260, -0.2028,
              -2.0036, 0.5340, 1.6313, -0.3821, 2.6709, 2.3072, 0.5447, 1.8165, 1.7606, 1.0585, 1.0327, 1.0541,
              -1.1123]
# difMH(..., MHstat = "logOR"): ln(alpha_MH) / SE with the Robins-Breslow-Greenland variance.
DIFR_LOG_OR_STAT = [1.4759, 1.6751, 1.1404, 1.6327, 1.9103, 3.1373, -0.1889, -0.9984, 1.1136, 1.4869, 0.2735, 2.2368,
                    -0.5675, -1.8434, 0.4495, -2.6614, -2.6876, -0.6396, -2.4687, -2.1368, -0.8366, -1.2436, -1.3810,
                    1.1203]
DIFR_CODES = "BBACCCAAABACACACCACCBBBB"  # by |delta| alone: A < 1 <= B < 1.5 <= C
Z_95 = 1.6449  # one-sided .05


@pytest.fixture(scope="module")
def result(load_table):
    header, table = load_table("verbal.csv")
    assert header[24:] == ["Anger", "Gender"]
    return mantel_haenszel(table[:, :24], table[:, 25] == 1)


def test_odds_ratios_and_deltas_match_difr(result) -> None:
    np.testing.assert_allclose(result.alpha, DIFR_ALPHA, atol=5e-5)
    np.testing.assert_allclose(result.delta, DIFR_DELTA, atol=5e-5)


def test_chi_squares_and_p_values_match_difr(result) -> None:
    np.testing.assert_allclose(result.chi_square, DIFR_CHI_SQUARE, atol=1e-4)
    np.testing.assert_allclose(result.p_value, DIFR_P_VALUE, atol=5e-5)


def test_log_odds_ratio_standard_errors_match_difr(result) -> None:
    """ln(alpha) / SE = -delta / SE(delta); tolerance 0.0001 on the printed 4 decimals."""
    np.testing.assert_allclose(-result.delta / result.delta_se, DIFR_LOG_OR_STAT, atol=1e-4)


def ets_code(delta: float, p_value: float, log_or_stat: float) -> str:
    se = abs(delta / log_or_stat)  # SE(delta) = |delta| / |ln(alpha) / SE(ln alpha)|
    if abs(delta) < 1 or p_value >= 0.05:
        return "A"
    return "C" if abs(delta) >= 1.5 and (abs(delta) - 1) / se > Z_95 else "B"


def test_ets_codes_are_etss(result) -> None:
    expected = [ets_code(*values) for values in zip(DIFR_DELTA, DIFR_P_VALUE, DIFR_LOG_OR_STAT)]
    assert list(result.category) == expected
    assert sum(ours != theirs for ours, theirs in zip(expected, DIFR_CODES)) == 14
    assert [j + 1 for j, code in enumerate(expected) if code == "C"] == [6, 16]  # large, significantly above 1


# difMH(verbal, group = "Gender", focal.name = 1, purify = TRUE): "Convergence reached after 6 iterations"
# (the same snapshot file); and with nrIter = 5: "no item purification convergence after 5 iterations".
DIFR_PURIFIED_CHI_SQUARE = [0.0069, 0.0376, 0.0087, 0.8881, 0.1112, 4.2680, 0.0987, 4.3724, 0.3454, 0.1406, 1.6853,
                            1.0766, 2.0959, 6.2736, 0.0172, 9.6672, 11.9436, 0.6997, 9.4644, 6.4356, 1.4190, 3.9323,
                            5.7987, 0.3223]
DIFR_PURIFIED_ALPHA = [1.1054, 1.1357, 1.0919, 1.5998, 1.1994, 2.2088, 0.8584, 0.4593, 1.3348, 1.2183, 0.6322, 1.5764,
                       0.5481, 0.3832, 0.9822, 0.2658, 0.3014, 0.6832, 0.3713, 0.4079, 0.4654, 0.4744, 0.4148, 1.4040]
DIFR_PURIFIED_DELTA = [-0.2355, -0.2990, -0.2066, -1.1042, -0.4272, -1.8623, 0.3588, 1.8283, -0.6786, -0.4639, 1.0776,
                       -1.0696, 1.4130, 2.2540, 0.0421, 3.1134, 2.8186, 0.8954, 2.3284, 2.1075, 1.7974, 1.7526, 2.0681,
                       -0.7974]
DIFR_PURIFIED_DIF_ITEMS = [6, 8, 14, 16, 17, 19, 20, 22, 23]
DIFR_FIVE_PASSES_CHI_SQUARE = [0.0974, 0.0989, 0.2182, 1.2035, 0.2336, 4.1092, 0.0344, 4.3724, 0.4716, 0.2721, 1.2605,
                               1.3271, 1.3384, 6.5336, 0.0075, 8.1200, 13.1912, 0.4496, 8.4944, 5.2667, 1.0026, 4.4670,
                               5.9626, 0.0844]


def test_purification_matches_difr(load_table) -> None:
    table = load_table("verbal.csv")[1]
    purified = purified_mantel_haenszel(table[:, :24], table[:, 25] == 1)
    assert purified.converged and purified.iterations == 6
    np.testing.assert_allclose(purified.result.chi_square, DIFR_PURIFIED_CHI_SQUARE, atol=1e-4)
    np.testing.assert_allclose(purified.result.alpha, DIFR_PURIFIED_ALPHA, atol=5e-5)
    np.testing.assert_allclose(purified.result.delta, DIFR_PURIFIED_DELTA, atol=5e-5)
    assert list(np.flatnonzero(~purified.anchor) + 1) == DIFR_PURIFIED_DIF_ITEMS
    five = purified_mantel_haenszel(table[:, :24], table[:, 25] == 1, max_iterations=5)
    assert not five.converged and five.iterations == 5
    np.testing.assert_allclose(five.result.chi_square, DIFR_FIVE_PASSES_CHI_SQUARE, atol=1e-4)


def test_purification_on_ability_strata_and_its_refusals(load_table) -> None:
    """With a criterion from the anchor items (here the anchor's total in quintiles), and clear errors."""
    table = load_table("verbal.csv")[1]
    scores, focal = table[:, :24], table[:, 25] == 1

    def quintiles(items: np.ndarray) -> np.ndarray:
        return ability_strata(scores[:, items].sum(axis=1) + 0.001 * scores[:, items] @ np.arange(items.sum()))

    purified = purified_mantel_haenszel(scores, focal, matching_from=quintiles, drop="C")
    assert purified.anchor.sum() >= 12 and set(purified.result.category) <= {"A", "B", "C"}
    sparse = scores.copy()
    sparse[0, 0] = np.nan
    with pytest.raises(ValueError, match="needs matching_from"):
        purified_mantel_haenszel(sparse, focal)
    with pytest.raises(ValueError, match="drop must be one of"):
        purified_mantel_haenszel(scores, focal, drop="A")
