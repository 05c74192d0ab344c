"""Classical statistics on small hand-checkable data."""

from __future__ import annotations

import numpy as np
import pytest

from exam_engine.psychometrics import classical

SMALL = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0], [1, 1, 1], [0, 1, 0]], float)


def test_kr20_equals_alpha_by_its_own_formula() -> None:
    """KR-20 = k/(k-1) (1 - sum p q / var_total) with n-1 variances (sum p q scaled by n/(n-1))."""
    n, k = SMALL.shape
    p = SMALL.mean(axis=0)
    kr20 = k / (k - 1) * (1 - (p * (1 - p)).sum() * n / (n - 1) / SMALL.sum(axis=1).var(ddof=1))
    assert classical.cronbach_alpha(SMALL) == pytest.approx(kr20)


def test_upper_lower_index_by_hand() -> None:
    """Fraction 1/3 of 6 persons gives groups of 2.

    Totals are 3, 2, 1, 0, 3, 1; ranked (ties in row order) the lower group is
    persons 4 and 3 (item 1 marks 0 + 1), the upper persons 1 and 5 (1 + 1):
    D = (2 - 1) / 2 = 0.5.  The groups hold 3 correct answers among 4 places, so
    at best D = min(3, 4 - 3) / 2 = 0.5 and the efficiency is 1.
    """
    index, efficiency = classical.upper_lower_index(SMALL, fraction=1 / 3)
    assert index[0] == pytest.approx(0.5)
    assert efficiency[0] == pytest.approx(1.0)
    assert np.all(efficiency <= 1 + 1e-12)


def test_upper_lower_index_ranks_by_the_rest_score_not_counting_the_item() -> None:
    """Item 1 is right exactly where the other item is wrong. Ranked by total (item included) every
    person ties and D = 0; ranked by the rest score the lower half holds both of item 1's marks:
    D = (0 - 2) / 2 = -1, the item working against the rest of the test."""
    scores = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], float)
    index, _ = classical.upper_lower_index(scores, fraction=0.5)
    assert index[0] == pytest.approx(-1.0)


def test_wilson_interval_stays_inside_unit_interval() -> None:
    lower, upper = classical.wilson_interval(np.array([0, 5, 10]), np.array([10, 10, 10]))
    assert np.all(lower >= 0) and np.all(upper <= 1)
    assert lower[1] < 0.5 < upper[1]


def test_feldt_interval_contains_alpha() -> None:
    lower, upper = classical.alpha_interval(0.8, n=50, k=20)
    assert lower < 0.8 < upper


def test_missing_marks_are_ignored_item_by_item() -> None:
    data = SMALL.copy()
    data[0, 0] = np.nan
    assert classical.facility(data)[0] == pytest.approx(3 / 5)
