"""Classification accuracy and consistency: Rudner on the ability scale, Livingston-Lewis on raw marks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import betaln, comb
from scipy.stats import beta as beta_distribution
from scipy.stats import betabinom

from exam_engine.psychometrics import classical, classification


def test_rudner_by_hand() -> None:
    """Estimates 0, 1, -1 with SEs 1, 1, .5 and the cut at 0.

    p = 1 - Phi((0 - theta) / se): Phi(0) = .5, Phi(1) = .841345, 1 - Phi(2) = .022750.
    The first two pass (right with p), the third fails (right with 1 - p = .977250):
    accuracy = (.5 + .841345 + .977250) / 3 = .772865.
    Consistency p^2 + (1 - p)^2: .5, .707861 + .025171 = .733032,
    .955018 + .000518 = .955536; mean .729523.
    """
    quality = classification.rudner([0.0, 1.0, -1.0], [1.0, 1.0, 0.5], cut=0.0)
    assert quality.accuracy == pytest.approx(0.772865, abs=1e-6)
    assert quality.consistency == pytest.approx(0.729523, abs=1e-6)


def test_rudner_limits() -> None:
    """No error: every decision is right and repeatable.  Huge error: a coin toss at the cut."""
    theta = np.array([-1.2, -0.1, 0.0, 0.4, 2.0])
    exact = classification.rudner(theta, np.zeros(5), cut=0.0)
    assert exact.accuracy == 1.0 and exact.consistency == 1.0
    nearly_exact = classification.rudner(theta[[0, 1, 3, 4]], np.full(4, 1e-6), cut=0.0)
    assert nearly_exact.accuracy == pytest.approx(1.0) and nearly_exact.consistency == pytest.approx(1.0)
    vague = classification.rudner(theta, np.full(5, 1e6), cut=0.0)
    assert vague.accuracy == pytest.approx(0.5, abs=1e-5) and vague.consistency == pytest.approx(0.5, abs=1e-5)
    sharper, blurred = (classification.rudner(theta, np.full(5, se), cut=0.3).accuracy for se in (0.3, 0.6))
    assert sharper > blurred


@pytest.mark.parametrize(("theta", "se", "message"), [
    ([0.0, 1.0], [0.3], "one standard error per ability estimate"),
    ([0.0, 1.0], [0.3, -0.1], "must not be negative"),
    ([0.0, np.nan], [0.3, 0.3], "finite"),
    ([], [], "non-empty"),
])
def test_rudner_refuses_bad_input(theta: list[float], se: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        classification.rudner(theta, se, cut=0.0)


def test_beta_binomial_indices_by_hand() -> None:
    """Uniform true scores, one effective item, cut .5: pass iff the item is right (k = 1), P(tau) = tau.

    accuracy = int_0^.5 (1 - tau) + int_.5^1 tau = 3/8 + 3/8 = 3/4;
    consistency = int_0^1 tau^2 + (1 - tau)^2 = 1/3 + 1/3 = 2/3.
    """
    quality = classification.beta_binomial_classification(1.0, 1.0, 1, 0.5)
    assert quality.accuracy == pytest.approx(0.75, abs=1e-9)
    assert quality.consistency == pytest.approx(2 / 3, abs=1e-9)


def test_beta_binomial_indices_match_the_closed_form() -> None:
    """Beta(2.5, 1.5) true scores, 12 items, cut .6 so a pass needs k = ceil(7.2) = 8 right.

    Observed score j has beta-binomial probability w_j and, given j, the true score is
    Beta(alpha + j, beta + n - j), above the cut with probability S_j:
    accuracy = sum_{j >= k} w_j S_j + sum_{j < k} w_j (1 - S_j).  Two sittings j, l agree
    with probability C(n, j) C(n, l) B(alpha + j + l, beta + 2n - j - l) / B(alpha, beta)
    summed over the pairs on the same side of k.
    """
    alpha, beta, n, cut = 2.5, 1.5, 12, 0.6
    j = np.arange(n + 1)
    w = betabinom.pmf(j, n, alpha, beta)
    above = beta_distribution.sf(cut, alpha + j, beta + n - j)
    passed = j >= 8
    accuracy = np.sum(w * np.where(passed, above, 1 - above))
    jj, ll = np.meshgrid(j, j, indexing="ij")
    pair = comb(n, jj) * comb(n, ll) * np.exp(betaln(alpha + jj + ll, beta + 2 * n - jj - ll) - betaln(alpha, beta))
    consistency = np.sum(pair[passed][:, passed]) + np.sum(pair[~passed][:, ~passed])
    quality = classification.beta_binomial_classification(alpha, beta, n, cut)
    assert quality.accuracy == pytest.approx(accuracy, abs=1e-8)
    assert quality.consistency == pytest.approx(consistency, abs=1e-8)


@pytest.mark.reference_data
def test_effective_length_of_lsat7_is_its_item_count_under_kr21(load_table) -> None:
    """With KR-21 as the reliability, the effective length is the number of one-mark items
    (Livingston & Lewis, 1995): LSAT7's 5.  Its published alpha (KR-20) .453 (mirt's
    ``itemstats``) exceeds KR-21, which lengthens the test a little.
    """
    items = load_table("lsat7.csv")[1]
    totals = items.sum(axis=1)
    k, mean, variance = 5, totals.mean(), totals.var()
    kr21 = k / (k - 1) * (1 - mean * (k - mean) / (k * variance))
    assert classification.effective_test_length(mean, variance, kr21, max_score=5) == pytest.approx(5.0)
    kr20 = classical.cronbach_alpha(items)
    assert kr20 == pytest.approx(0.453, abs=0.0005)
    assert classification.effective_test_length(mean, variance, kr20, max_score=5) > 5.0
    result = classification.livingston_lewis(totals, kr21, cut=3, max_score=5)
    assert result.effective_test_length == 5
    assert 0.5 < result.consistency < result.accuracy < 1


def _simulated_beta_binomial_sitting(seed: int = 7) -> np.ndarray:
    """20,000 candidates with true scores Beta(6, 3) each answering 40 equally hard one-mark items."""
    rng = np.random.default_rng(seed)
    tau = rng.beta(6.0, 3.0, size=20_000)
    return (rng.random((tau.size, 40)) < tau[:, None]).astype(float)


def test_livingston_lewis_recovers_a_beta_binomial_test() -> None:
    """Reliability of Beta(6, 3) true scores on 40 items is n / (alpha + beta + n) = 40 / 49 = .8163,
    which KR-20 estimates; the method should find about 40 items, Beta(6, 3) and the exact indices.
    """
    items = _simulated_beta_binomial_sitting()
    kr20 = classical.cronbach_alpha(items)
    assert kr20 == pytest.approx(40 / 49, abs=0.01)
    result = classification.livingston_lewis(items.sum(axis=1), kr20, cut=27, max_score=40)
    assert abs(result.effective_test_length - 40) <= 3
    assert result.true_score_alpha == pytest.approx(6.0, rel=0.1)
    assert result.true_score_beta == pytest.approx(3.0, rel=0.1)
    exact = classification.beta_binomial_classification(6.0, 3.0, 40, 27 / 40)
    assert result.accuracy == pytest.approx(exact.accuracy, abs=0.01)
    assert result.consistency == pytest.approx(exact.consistency, abs=0.01)


def test_livingston_lewis_rises_with_reliability() -> None:
    totals = _simulated_beta_binomial_sitting().sum(axis=1)
    results = [classification.livingston_lewis(totals, r, cut=27, max_score=40) for r in (0.5, 0.8, 0.95, 0.999)]
    accuracies = [result.accuracy for result in results]
    consistencies = [result.consistency for result in results]
    assert accuracies == sorted(accuracies) and len(set(accuracies)) == 4
    assert consistencies == sorted(consistencies) and len(set(consistencies)) == 4
    assert accuracies[-1] > 0.98 and consistencies[-1] > 0.98
    assert all(result.consistency < result.accuracy for result in results)


@pytest.mark.parametrize(("totals", "reliability", "cut", "message"), [
    ([3, 4, 5, 6], 1.0, 4, "strictly between 0 and 1"),
    ([3, 4, 5, 6], -0.2, 4, "strictly between 0 and 1"),
    ([3, 4, 5, 11], 0.8, 4, "within the possible range"),
    ([3, 4, 5, 6], 0.8, 12, "the cut 12"),
    ([4], 0.8, 4, "at least 2 candidates"),
    ([4, 4, 4], 0.8, 4, "must vary"),
])
def test_livingston_lewis_refuses_bad_input(totals: list[float], reliability: float, cut: float,
                                            message: str) -> None:
    with pytest.raises(ValueError, match=message):
        classification.livingston_lewis(totals, reliability, cut, max_score=10)
