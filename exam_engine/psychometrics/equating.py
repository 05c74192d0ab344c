"""Equating two forms through item response theory, and raw-to-scale tables.

Both forms' items must be on one ability scale (link them first with
`exam_engine.psychometrics.linking`).  Raw scores are summed marks; items may
be any mix of one-mark (Rasch/1PL/2PL/3PL) and multi-mark (GPCM/PCM) items.

* `true_score_equating` - IRT true-score equating (Lord, 1980, ch. 13; Kolen &
  Brennan, 2014, sec. 6.6): a raw score ``x`` on form X is taken as a true
  score, ``theta`` solves ``TCC_X(theta) = x`` and the form Y equivalent is
  ``TCC_Y(theta)``.  Only scores strictly between the sum of the lower
  asymptotes ``sum c_X`` and the maximum have a ``theta``; as Kolen &
  Brennan (2014, eq. 6.27) the scores from 0 to ``sum c_X`` map linearly
  onto 0 to ``sum c_Y`` (``y = x sum c_Y / sum c_X``), and the maximum onto
  the maximum.  Kolen's PIE/POLYEQUATE results for Kolen & Brennan's example
  (Table 6.5 items, form X on the Y scale) are reproduced by
  `tests/psychometrics/test_linking_equating.py`.
* `observed_score_equating` - IRT observed-score equating (Lord, 1980;
  Kolen & Brennan, 2014, sec. 6.7): each form's summed-score distribution in
  a population, ``f(x) = sum_q w_q P(x | theta_q)`` from the Lord-Wingersky
  recursion (generalised to multi-mark items by Thissen, Pommerich, Billeaud &
  Williams, 1995), then equipercentile equating of the two distributions
  (Kolen & Brennan, 2014, ch. 2, eq. 2.17, with uniform continuisation over
  ``x +- 1/2``).  For the non-equivalent groups design the population is the
  synthetic one, ``w1`` of group 1 and ``1 - w1`` of group 2 (`synthetic`).
  Equating Recipes' results (Brennan, Wang, Kim & Seol, 2009) for Kolen &
  Brennan's example and for a 3PL + graded response example are reproduced to
  1e-5 by the same tests.
* `raw_to_scale` - each raw score's ability (summed-score EAP, Thissen et
  al., 1995, or the inverse of the test characteristic curve), its standard
  error and a linear scale score ``round(slope * theta + intercept)``
  (halves rounded up), clipped to the reported range.

References
----------
Kolen, M. J., & Brennan, R. L. (2014). Test equating, scaling, and linking (3rd ed.). Springer.
Lord, F. M. (1980). Applications of item response theory to practical testing problems. Erlbaum.
Brennan, R. L., Wang, T., Kim, S., & Seol, J. (2009). Equating recipes (CASMA Monograph 1). University of Iowa.
Lord, F. M., & Wingersky, M. S. (1984). Comparison of IRT true-score and equipercentile
    observed-score "equatings". Applied Psychological Measurement, 8, 453-461.
Thissen, D., Pommerich, M., Billeaud, K., & Williams, V. S. L. (1995). Item response theory for
    scores on tests including polytomous items with ordered responses. Applied Psychological
    Measurement, 19, 39-49.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from exam_engine.psychometrics.models import (
    ItemParameters,
    category_probability,
    expected_total_score,
    total_information,
)
from exam_engine.psychometrics.quadrature import Quadrature, normal_grid

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def summed_score_likelihood(theta: FloatArray, items: ItemParameters) -> FloatArray:
    """``P(X = x | theta)`` of each summed score ``x = 0..sum K_j``, ``(n, max + 1)``.

    Lord & Wingersky (1984) recursion, adding one item at a time and any number
    of scores per item (Thissen et al., 1995).
    """
    p = category_probability(theta, items)  # (n, m, K+1)
    distribution = np.ones((p.shape[0], 1))
    for j, top in enumerate(items.max_scores):
        step = np.zeros((p.shape[0], distribution.shape[1] + int(top)))
        for k in range(int(top) + 1):
            step[:, k:k + distribution.shape[1]] += distribution * p[:, j, k:k + 1]
        distribution = step
    return distribution


def score_distribution(items: ItemParameters, population: Quadrature | None = None) -> FloatArray:
    """Marginal summed-score distribution ``f(x) = sum_q w_q P(x | theta_q)``, ``(max + 1,)``."""
    population = population or normal_grid()
    marginal: FloatArray = population.weights @ summed_score_likelihood(population.nodes, items)
    normalised: FloatArray = marginal / marginal.sum()
    return normalised


def synthetic(group_1: Quadrature, group_2: Quadrature, w1: float = 0.5) -> Quadrature:
    """The synthetic population ``w1 g_1 + (1 - w1) g_2`` (Kolen & Brennan, 2014, sec. 6.7) as one rule."""
    if not 0 <= w1 <= 1:
        raise ValueError(f"w1 = {w1} must be from 0 to 1")
    nodes = np.concatenate([group_1.nodes, group_2.nodes])
    weights = np.concatenate([w1 * group_1.weights / group_1.weights.sum(),
                              (1 - w1) * group_2.weights / group_2.weights.sum()])
    return Quadrature(nodes, weights)


def percentile_ranks(f: FloatArray) -> FloatArray:
    """Percentile ranks (0..100) of the integer scores of distribution ``f``:
    ``P(x) = 100 [F(x - 1) + f(x) / 2]`` (Kolen & Brennan, 2014, eq. 2.14)."""
    below = np.concatenate([[0.0], np.cumsum(f)[:-1]])
    ranks: FloatArray = 100 * (below + f / 2)
    return ranks


def equipercentile(f: FloatArray, g: FloatArray) -> FloatArray:
    """Form Y equivalents of form X's integer scores, from distributions ``f`` (X) and ``g`` (Y).

    ``e_Y(x) = (P(x)/100 - G(y* - 1)) / g(y*) + y* - 1/2`` with ``y*`` the
    smallest score whose cumulative ``G(y*) > P(x)/100`` (Kolen & Brennan,
    2014, eq. 2.17).  Identical distributions give the identity.
    """
    p = percentile_ranks(np.asarray(f, float)) / 100
    g = np.asarray(g, float)
    cumulative = np.cumsum(g)
    upper = np.minimum(np.searchsorted(cumulative, p, side="right"), g.size - 1)
    below = np.where(upper > 0, cumulative[np.maximum(upper - 1, 0)], 0.0)
    density = np.where(g[upper] > 0, g[upper], 1.0)
    equivalent: FloatArray = np.clip((p - below) / density + upper - 0.5, -0.5, g.size - 0.5)
    return equivalent


def tcc_theta(score: float, items: ItemParameters, bracket: float = 50.0) -> float:
    """The ``theta`` with ``TCC(theta) = score``; ``score`` must lie strictly between
    ``sum c`` and the maximum mark (otherwise no finite ``theta`` exists)."""
    low, high = float(items.c.sum()), float(items.max_scores.sum())
    if not low < score < high:
        raise ValueError(f"a true score of {score} is not between sum(c) = {low:g} and the maximum {high:g}")

    def gap(theta: float) -> float:
        return float(expected_total_score(np.array([theta]), items)[0]) - score

    while (gap(-bracket) > 0 or gap(bracket) < 0) and bracket < 1e6:  # flat items: widen the search
        bracket *= 4
    root: float = brentq(gap, -bracket, bracket, xtol=1e-12, rtol=1e-14)
    return root


class TrueScoreEquating(NamedTuple):
    """Each form X raw score, its ``theta`` (NaN where the TCC has none) and its form Y equivalent."""

    score: IntArray
    theta: FloatArray
    equivalent: FloatArray


def true_score_equating(form_x: ItemParameters, form_y: ItemParameters) -> TrueScoreEquating:
    """IRT true-score equating of every raw score on form X to form Y (see module docstring).

    Parameters
    ----------
    form_x, form_y : the two forms' items, on one ability scale.

    Returns
    -------
    `TrueScoreEquating` for ``x = 0..max_X``.  Scores up to ``sum c_X`` map
    linearly onto ``0..sum c_Y`` (without guessing on form X, score 0 maps onto
    ``sum c_Y``, form Y's lowest true score); the maximum maps onto form Y's
    maximum; neither has a ``theta``.
    """
    top_x, top_y = int(form_x.max_scores.sum()), float(form_y.max_scores.sum())
    guess_x, guess_y = float(form_x.c.sum()), float(form_y.c.sum())
    scores = np.arange(top_x + 1)
    theta = np.full(scores.size, np.nan)
    equivalent = np.empty(scores.size)
    for x in scores:
        if x >= top_x:
            equivalent[x] = top_y
        elif x <= guess_x:
            equivalent[x] = guess_y if guess_x == 0 else x * guess_y / guess_x
        else:
            theta[x] = tcc_theta(float(x), form_x)
            equivalent[x] = float(expected_total_score(theta[x : x + 1], form_y)[0])
    return TrueScoreEquating(scores, theta, equivalent)


def observed_score_equating(
    form_x: ItemParameters, form_y: ItemParameters, population: Quadrature | None = None
) -> FloatArray:
    """IRT observed-score equating: form Y equivalents of form X scores ``0..max_X``.

    Parameters
    ----------
    form_x, form_y : the two forms' items, on one ability scale.
    population : ability distribution on that scale (nodes and weights), default
        N(0, 1) on 61 nodes; use `synthetic` for two groups.
    """
    population = population or normal_grid()
    return equipercentile(score_distribution(form_x, population), score_distribution(form_y, population))


class ScoreTable(NamedTuple):
    """A raw-to-scale table: for each raw score, ability, its SE and the scale score."""

    score: IntArray
    theta: FloatArray
    se: FloatArray
    scale: FloatArray


def raw_to_scale(
    items: ItemParameters, slope: float = 1.0, intercept: float = 0.0, scale_range: tuple[float, float] | None = None,
    method: str = "eap", population: Quadrature | None = None, bounds: tuple[float, float] = (-4.0, 4.0),
    decimals: int = 0,
) -> ScoreTable:
    """Raw-to-scale conversion of a form: ``theta``, SE and ``round(slope theta + intercept)``.

    Parameters
    ----------
    items : the form's items.
    slope, intercept : the linear scale ``S = slope * theta + intercept``.
    scale_range : lowest and highest reported scale score (the scores are clipped to it).
    method : ``"eap"`` - summed-score EAP: ``theta_x = sum_q theta_q P(x | theta_q) w_q / sum_q P(x | theta_q) w_q``,
        SE the posterior SD (Thissen et al., 1995); ``"tcc"`` - the ``theta`` whose
        expected mark is ``x`` (inverse TCC), SE ``1 / sqrt(I(theta))``; scores at or below
        ``sum c`` and the maximum, which have no such ``theta``, get ``bounds``.
    population : prior of the EAP (default N(0, 1), 61 nodes on [-6, 6]).
    decimals : decimals kept in the scale score (0: whole numbers); halves round up.
    """
    scores = np.arange(int(items.max_scores.sum()) + 1)
    if method == "eap":
        population = population or normal_grid()
        posterior = summed_score_likelihood(population.nodes, items).T * population.weights  # (scores, Q)
        posterior /= posterior.sum(axis=1, keepdims=True)
        theta = posterior @ population.nodes
        se = np.sqrt(np.maximum(posterior @ population.nodes**2 - theta**2, 0.0))
    elif method == "tcc":
        low, high = float(items.c.sum()), float(scores[-1])
        theta = np.array([bounds[0] if x <= low else bounds[1] if x >= high
                          else float(np.clip(tcc_theta(float(x), items), *bounds)) for x in scores])
        se = 1 / np.sqrt(total_information(theta, items))
    else:
        raise ValueError(f"unknown method {method!r}: use 'eap' or 'tcc'")
    factor = 10.0**decimals
    scale = np.floor((slope * theta + intercept) * factor + 0.5) / factor
    if scale_range is not None:
        scale = np.clip(scale, *scale_range)
    return ScoreTable(scores, theta, se, scale)


__all__ = [
    "ScoreTable",
    "TrueScoreEquating",
    "equipercentile",
    "observed_score_equating",
    "percentile_ranks",
    "raw_to_scale",
    "score_distribution",
    "summed_score_likelihood",
    "synthetic",
    "tcc_theta",
    "true_score_equating",
]
