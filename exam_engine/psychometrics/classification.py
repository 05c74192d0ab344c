"""Classification quality: how accurate and how consistent pass/fail decisions are.

*Accuracy* is the share of candidates whose observed classification agrees
with the one their true score would give; *consistency* is the share who
would be classified the same way on two independent, parallel sittings.

* `rudner` - on the ability scale, from each candidate's ability estimate and
  its standard error (Rudner, 2001, 2005), summed over the candidates
  themselves (Lee's, 2010, "P method", as ``Rud.P`` in the R package cacIRT).
  Suits adaptive tests and any form scored by IRT.
* `livingston_lewis` - on raw marks of a fixed form, from the observed totals
  and the form's reliability (Livingston & Lewis, 1995), through the effective
  test length and a beta-binomial model of true and observed scores.

References: Rudner, L. M. (2001). Computing the expected proportions of
misclassified examinees. *Practical Assessment, Research & Evaluation*, 7(14);
Rudner, L. M. (2005). Expected classification accuracy. *PARE*, 10(13);
Lee, W. (2010). Classification consistency and accuracy for complex
assessments using item response theory. *JEM*, 47, 1-17; Livingston, S. A. &
Lewis, C. (1995). Estimating the consistency and accuracy of classifications
based on test scores. *JEM*, 32(2), 179-197; Hanson, B. A. & Brennan, R. L.
(1990). An investigation of classification consistency indexes estimated under
alternative strong true score models. *JEM*, 27(4), 345-359.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import quad
from scipy.stats import beta as beta_distribution
from scipy.stats import binom, norm

FloatArray = NDArray[np.float64]

CUT_TOLERANCE = 1e-9
"""Effective-scale marks by which ``n * cut`` may exceed a whole number through rounding alone."""


class ClassificationQuality(NamedTuple):
    """Expected classification accuracy and consistency, each a share of candidates in 0..1."""

    accuracy: float
    consistency: float


class LivingstonLewis(NamedTuple):
    """Livingston-Lewis indices and the model behind them.

    Attributes
    ----------
    accuracy, consistency : shares of candidates, 0..1.
    effective_test_length : ``n``, rounded to a whole number of items (at least 1).
    true_score_alpha, true_score_beta : shape parameters of the beta
        distribution of proportion-correct true scores on [0, 1].
    """

    accuracy: float
    consistency: float
    effective_test_length: int
    true_score_alpha: float
    true_score_beta: float


def rudner(theta: ArrayLike, se: ArrayLike, cut: float) -> ClassificationQuality:
    """Rudner's (2001, 2005) classification accuracy and consistency at an ability cut.

    Each candidate's estimate is taken as normal around the true ability with
    the estimate's standard error, so the chance that candidate ``i`` is truly
    at or above the cut is ``p_i = 1 - Phi((cut - theta_i) / se_i)``.  A
    candidate observed as passing (``theta_i >= cut``) is rightly classified
    with probability ``p_i``, one observed as failing with ``1 - p_i``;
    accuracy is the mean of these.  Consistency is the mean chance that two
    independent sittings agree, ``p_i^2 + (1 - p_i)^2``.  A zero SE gives
    ``p_i`` of 1 or 0 (the estimate's own side of the cut).

    Parameters
    ----------
    theta : (n,) ability estimates in logits.
    se : (n,) their standard errors in logits, ``>= 0``.
    cut : the ability cut in logits; a candidate passes when ``theta >= cut``.
    """
    estimates = np.asarray(theta, dtype=np.float64)
    errors = np.asarray(se, dtype=np.float64)
    if estimates.ndim != 1 or estimates.size == 0:
        raise ValueError("Rudner's indices need a non-empty list of ability estimates")
    if errors.shape != estimates.shape:
        raise ValueError(f"one standard error per ability estimate is needed: {errors.shape} for {estimates.shape}")
    if not (np.all(np.isfinite(estimates)) and np.all(np.isfinite(errors)) and math.isfinite(cut)):
        raise ValueError("ability estimates, standard errors and the cut must be finite")
    if np.any(errors < 0):
        raise ValueError("standard errors must not be negative")
    passed = estimates >= cut
    z = np.divide(cut - estimates, errors, out=np.where(passed, -np.inf, np.inf), where=errors > 0)
    p_true_pass: FloatArray = norm.sf(z)
    accuracy = float(np.mean(np.where(passed, p_true_pass, 1.0 - p_true_pass)))
    consistency = float(np.mean(p_true_pass**2 + (1.0 - p_true_pass) ** 2))
    return ClassificationQuality(accuracy, consistency)


def effective_test_length(mean: float, variance: float, reliability: float, max_score: float,
                          min_score: float = 0.0) -> float:
    """Livingston & Lewis's (1995) effective test length (unrounded).

    ``n = ((mu - min)(max - mu) - r sigma^2) / (sigma^2 (1 - r))``: the number
    of equally difficult, locally independent one-mark items whose total would
    have the same reliability ``r``.  ``min`` and ``max`` are the lowest and
    highest *possible* totals, not the observed ones.  With KR-21 as ``r`` on
    a test of one-mark items, ``n`` is the number of items.

    Parameters
    ----------
    mean, variance : of the observed totals (marks, marks^2).
    reliability : of the totals, strictly between 0 and 1 (e.g. alpha / KR-20
        from `classical.cronbach_alpha`).
    max_score, min_score : possible range of the totals in marks.
    """
    if not 0 < reliability < 1:
        raise ValueError(f"the reliability must lie strictly between 0 and 1; got {reliability}")
    if not min_score < mean < max_score:
        raise ValueError(f"the mean total {mean:g} must lie strictly inside the possible range "
                         f"{min_score:g}..{max_score:g}")
    if not variance > 0:
        raise ValueError("the totals must vary (variance > 0)")
    return float(((mean - min_score) * (max_score - mean) - reliability * variance) / (variance * (1 - reliability)))


def beta_binomial_classification(true_score_alpha: float, true_score_beta: float, n_items: int,
                                 cut_proportion: float) -> ClassificationQuality:
    """Accuracy and consistency when true scores are beta and errors binomial.

    The proportion-correct true score ``tau`` follows ``Beta(alpha, beta)`` on
    [0, 1]; the observed score is ``K ~ Binomial(n, tau)``.  A candidate truly
    passes when ``tau >= c`` and is observed to pass when ``K >= k``, the
    smallest whole number with ``k >= n c``.  With
    ``P(tau) = P(K >= k | tau)`` (Hanson & Brennan, 1990; Livingston & Lewis, 1995)::

        accuracy    = int_0^c f(tau) (1 - P(tau)) dtau + int_c^1 f(tau) P(tau) dtau
        consistency = int_0^1 f(tau) (P(tau)^2 + (1 - P(tau))^2) dtau

    integrated by adaptive quadrature (``scipy.integrate.quad``) split at ``c``.
    """
    if not (true_score_alpha > 0 and true_score_beta > 0):
        raise ValueError("the beta shape parameters must be positive")
    if n_items < 1:
        raise ValueError(f"the effective test length must be at least 1 item; got {n_items}")
    if not 0 <= cut_proportion <= 1:
        raise ValueError(f"the cut must lie in 0..1 on the proportion scale; got {cut_proportion}")
    k = math.ceil(n_items * cut_proportion - CUT_TOLERANCE)
    density = beta_distribution(true_score_alpha, true_score_beta).pdf

    def observed_pass(tau: float) -> float:
        return float(binom.sf(k - 1, n_items, tau))

    def agreement(tau: float) -> float:
        p = observed_pass(tau)
        return float(density(tau)) * (p**2 + (1.0 - p) ** 2)

    correct_fail = _integrate(lambda tau: float(density(tau)) * (1.0 - observed_pass(tau)), 0.0, cut_proportion)
    correct_pass = _integrate(lambda tau: float(density(tau)) * observed_pass(tau), cut_proportion, 1.0)
    consistency = _integrate(agreement, 0.0, cut_proportion) + _integrate(agreement, cut_proportion, 1.0)
    return ClassificationQuality(correct_fail + correct_pass, consistency)


def _integrate(integrand: Callable[[float], float], low: float, high: float) -> float:
    """``int_low^high integrand``; 0 for an empty interval."""
    if high <= low:
        return 0.0
    value, _ = quad(integrand, low, high, epsabs=1e-12, epsrel=1e-10, limit=200)
    return float(value)


def livingston_lewis(totals: ArrayLike, reliability: float, cut: float, max_score: float,
                     min_score: float = 0.0) -> LivingstonLewis:
    """Livingston & Lewis's (1995) accuracy and consistency of a pass mark on a fixed form.

    1. Totals become proportions ``x = (X - min) / (max - min)`` of the
       possible range; their mean ``mu`` and variance ``s^2`` are the moments
       of the observed distribution (``n`` denominator).
    2. The effective test length ``n`` (`effective_test_length`) is rounded
       to the nearest whole number, at least 1.
    3. True proportion scores have mean ``mu`` and variance ``r s^2``; a
       two-parameter beta on [0, 1] is fitted to them by the method of moments,
       ``alpha = mu t``, ``beta = (1 - mu) t`` with ``t = mu (1 - mu) / (r s^2) - 1``.
    4. Errors are binomial on ``n`` items and the indices follow from
       `beta_binomial_classification` with the cut ``(cut - min) / (max - min)``
       on both the true and the observed proportion scale.

    Simplification: Livingston & Lewis fit a *four*-parameter beta (bounds
    ``l``, ``u`` inside [0, 1] as well as two shapes) to the first four
    true-score moments (Lord, 1965); here the bounds are fixed at 0 and 1 and
    only the first two moments are matched (the fallback that implementations
    such as the R package betafunctions use when the four-parameter fit is
    improper).  Before ``n`` is
    rounded this beta-binomial reproduces the observed mean and variance
    exactly, but not the skew, so indices may differ from BB-CLASS or the
    R package betafunctions for strongly skewed totals.

    Parameters
    ----------
    totals : (candidates,) observed totals in marks, within the possible range.
    reliability : of the totals, strictly between 0 and 1 (alpha / KR-20).
    cut : the pass mark in marks; a candidate passes with a total ``>= cut``.
    max_score, min_score : the possible range of totals in marks.
    """
    scores = np.asarray(totals, dtype=np.float64)
    if scores.ndim != 1 or scores.size < 2:
        raise ValueError("the Livingston-Lewis method needs the totals of at least 2 candidates")
    if not np.all(np.isfinite(scores)):
        raise ValueError("observed totals must all be finite")
    if not min_score < max_score:
        raise ValueError(f"the possible range {min_score:g}..{max_score:g} is empty")
    if np.any((scores < min_score) | (scores > max_score)):
        raise ValueError(f"observed totals must lie within the possible range {min_score:g}..{max_score:g}")
    if np.ptp(scores) == 0:
        raise ValueError("the totals must vary (variance > 0)")
    if not min_score <= cut <= max_score:
        raise ValueError(f"the cut {cut:g} must lie within the possible range {min_score:g}..{max_score:g}")
    proportions = (scores - min_score) / (max_score - min_score)
    mu, variance = float(proportions.mean()), float(proportions.var())
    n_items = max(1, round(effective_test_length(mu, variance, reliability, 1.0)))
    spread = mu * (1.0 - mu) / (float(reliability) * variance) - 1.0
    alpha, beta = mu * spread, (1.0 - mu) * spread
    quality = beta_binomial_classification(alpha, beta, n_items, (cut - min_score) / (max_score - min_score))
    return LivingstonLewis(quality.accuracy, quality.consistency, n_items, alpha, beta)


__all__ = [
    "ClassificationQuality",
    "LivingstonLewis",
    "beta_binomial_classification",
    "effective_test_length",
    "livingston_lewis",
    "rudner",
]
