"""Item fit: S-X^2 (Orlando & Thissen, 2000) and infit/outfit mean squares.

S-X^2, for one-mark items.

Test takers are grouped by summed score ``k``.  For item ``j`` the observed
proportion correct ``O_jk`` in group ``k`` is compared with the model's

    E_jk = sum_q P_j(theta_q) S*_j(k - 1 | theta_q) w_q / sum_q S(k | theta_q) w_q

where ``S(k | theta)`` is the summed-score distribution of all items and
``S*_j`` that of all items but ``j``, both from the Lord-Wingersky (1984)
recursion.  Then

    S-X^2_j = sum_k N_k (O_jk - E_jk)^2 / (E_jk (1 - E_jk))

over the scores ``1..n-1`` (scores 0 and n carry no information), on
``groups - parameters`` degrees of freedom.  Adjacent groups are pooled from
the ends inwards until every group expects at least ``min_expected`` right
and wrong answers (as mirt's ``mincell = 1``).  Needs complete data.

Infit and outfit, for any model and sparse data (Wright & Masters, 1982,
ch. 5).  With ``E_ij`` and ``W_ij`` the model mean and variance of person i's
score on item j at their estimated ability::

    outfit_j = mean_i (x_ij - E_ij)^2 / W_ij
    infit_j  = sum_i (x_ij - E_ij)^2 / sum_i W_ij

Both are 1 when the item fits; above ~1.3 signals noise, below ~0.7 redundancy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2

from exam_engine.psychometrics.models import ItemParameters, category_probability
from exam_engine.psychometrics.quadrature import Quadrature, normal_grid

FloatArray = NDArray[np.float64]


class MeanSquares(NamedTuple):
    """Per-item infit and outfit mean squares, each ``(m,)``."""

    infit: FloatArray
    outfit: FloatArray


def mean_squares(responses: ArrayLike, theta: ArrayLike, items: ItemParameters) -> MeanSquares:
    """Infit and outfit mean squares (see module docstring); NaN responses are skipped.

    Parameters
    ----------
    responses : (n, m) scores, NaN where not administered.
    theta : (n,) ability estimates (WLE or ML are customary).
    items : the m items.
    """
    responses = np.asarray(responses, float)
    p = category_probability(theta, items)  # (n, m, K+1)
    scores = np.arange(p.shape[2])
    expected = p @ scores
    variance = p @ scores**2 - expected**2
    taken = ~np.isnan(responses)
    squared = np.where(taken, (np.nan_to_num(responses) - expected) ** 2, 0.0)
    variance = np.where(taken, variance, 0.0)
    count = taken.sum(axis=0)
    outfit = np.divide((squared / np.where(taken, variance, 1.0)).sum(axis=0), count,
                       out=np.full(count.shape, np.nan), where=count > 0)
    return MeanSquares(squared.sum(axis=0) / variance.sum(axis=0), outfit)


class ItemFit(NamedTuple):
    """Per-item S-X^2, degrees of freedom and p-value, each ``(m,)``."""

    statistic: FloatArray
    df: NDArray[np.int64]
    p_value: FloatArray


def summed_score_distribution(p: FloatArray) -> FloatArray:
    """Lord-Wingersky recursion: ``(Q, m + 1)`` probabilities of each summed score.

    Parameters
    ----------
    p : (Q, m) probabilities of a correct answer at each node.
    """
    distribution = np.ones((p.shape[0], 1))
    for j in range(p.shape[1]):
        step = np.zeros((p.shape[0], distribution.shape[1] + 1))
        step[:, :-1] += distribution * (1 - p[:, [j]])
        step[:, 1:] += distribution * p[:, [j]]
        distribution = step
    return distribution


def _pool(observed: FloatArray, expected: FloatArray, n: FloatArray, min_expected: float) -> tuple[FloatArray, ...]:
    """Pool adjacent score groups (from the ends inwards) until expected counts reach ``min_expected``."""
    groups = [[o * s, e * s, s] for o, e, s in zip(observed, expected, n) if s > 0]

    def small(g: list[float]) -> bool:
        return min(g[1], g[2] - g[1]) < min_expected

    while len(groups) > 1 and small(groups[0]):
        first = groups.pop(0)
        groups[0] = [x + y for x, y in zip(first, groups[0])]
    while len(groups) > 1 and small(groups[-1]):
        last = groups.pop()
        groups[-1] = [x + y for x, y in zip(last, groups[-1])]
    right, expected_right, size = (np.array(column) for column in zip(*groups))
    return right / size, expected_right / size, size


def s_x2(
    responses: ArrayLike, items: ItemParameters, n_parameters: int, grid: Quadrature | None = None,
    min_expected: float = 1.0,
) -> ItemFit:
    """S-X^2 item fit for one-mark items (Orlando & Thissen, 2000); see module docstring.

    Parameters
    ----------
    responses : (n, m) complete 0/1 data.
    items : the fitted items.
    n_parameters : estimated parameters per item (1 for Rasch/1PL, 2 for 2PL, 3 for 3PL).
    """
    responses = np.asarray(responses, float)
    grid = grid or normal_grid()
    n_items = responses.shape[1]
    p = category_probability(grid.nodes, items)[:, :, 1]  # (Q, m)
    full = grid.weights @ summed_score_distribution(p)  # marginal P(summed score), (m + 1,)
    totals = responses.sum(axis=1).astype(int)
    n_k = np.bincount(totals, minlength=n_items + 1).astype(float)
    scores = np.arange(1, n_items)
    statistic = np.zeros(n_items)
    df = np.zeros(n_items, dtype=np.int64)
    for j in range(n_items):
        rest = summed_score_distribution(np.delete(p, j, axis=1))  # (Q, m)
        numerator = (p[:, j][:, None] * rest[:, scores - 1]).T @ grid.weights
        expected = numerator / full[scores]
        right = np.bincount(totals, weights=responses[:, j], minlength=n_items + 1)[scores]
        observed = np.divide(right, n_k[scores], out=np.zeros(scores.size), where=n_k[scores] > 0)
        o, e, size = _pool(observed, expected, n_k[scores], min_expected)
        statistic[j] = np.sum(size * (o - e) ** 2 / (e * (1 - e)))
        df[j] = o.size - n_parameters
    p_value = np.where(df > 0, chi2.sf(statistic, np.maximum(df, 1)), np.nan)  # no df left: no test
    return ItemFit(statistic, df, p_value)
