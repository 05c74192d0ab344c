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

S-X^2 on sparse data (`s_x2_by_form`).  The summed score that S-X^2 conditions on means
something only over a common set of items, so persons are grouped into *forms*: those given
exactly the same items.  S-X^2 is computed within each form that has at least
``MIN_FORM_PERSONS`` persons and enough one-mark items to leave degrees of freedom, and an
item's statistics from the forms it appears on are added (the forms' persons are disjoint,
so the statistics are independent chi-squares: the sum is chi-square on the summed degrees
of freedom).  Decision: adaptive tests choose each next item from the answers so far, so
the item set itself depends on the responses and the summed-score distribution of the
model no longer applies; S-X^2 is therefore *not available for adaptive data* and callers
pass only persons whose items were fixed before the sitting (fixed forms, linear or LOFT
sittings; a LOFT form is usually unique to its sitting and so rarely reaches the minimum).
Forms holding multi-mark items are skipped (the recursion here is for one-mark items).

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
MIN_FORM_PERSONS = 100  # persons sharing a form before S-X^2 is computed on it (see module docstring)


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
    responses: ArrayLike, items: ItemParameters, n_parameters: int | ArrayLike, grid: Quadrature | None = None,
    min_expected: float = 1.0,
) -> ItemFit:
    """S-X^2 item fit for one-mark items (Orlando & Thissen, 2000); see module docstring.

    Parameters
    ----------
    responses : (n, m) complete 0/1 data.
    items : the fitted items.
    n_parameters : estimated parameters per item (1 for Rasch/1PL, 2 for 2PL, 3 for 3PL; 0 for
        parameters not estimated from any data), one number or one per item.
    """
    responses = np.asarray(responses, float)
    if np.isnan(responses).any():
        raise ValueError("S-X^2 needs complete data (every person given every item): use s_x2_by_form")
    if responses.ndim != 2 or responses.shape[1] != items.n_items:
        raise ValueError(f"responses have {responses.shape[-1]} columns but there are {items.n_items} items")
    if (items.max_scores != 1).any() or not np.isin(responses, (0.0, 1.0)).all():
        raise ValueError("S-X^2 here is for one-mark items scored 0/1")
    grid = grid or normal_grid()
    n_items = responses.shape[1]
    p = category_probability(grid.nodes, items)[:, :, 1]  # (Q, m)
    full = grid.weights @ summed_score_distribution(p)  # marginal P(summed score), (m + 1,)
    totals = responses.sum(axis=1).astype(int)
    n_k = np.bincount(totals, minlength=n_items + 1).astype(float)
    scores = np.arange(1, n_items)
    statistic = np.zeros(n_items)
    df = np.zeros(n_items, dtype=np.int64)
    estimated = np.broadcast_to(np.asarray(n_parameters, np.int64), (n_items,))
    for j in range(n_items):
        rest = summed_score_distribution(np.delete(p, j, axis=1))  # (Q, m)
        numerator = (p[:, j][:, None] * rest[:, scores - 1]).T @ grid.weights
        expected = numerator / full[scores]
        right = np.bincount(totals, weights=responses[:, j], minlength=n_items + 1)[scores]
        observed = np.divide(right, n_k[scores], out=np.zeros(scores.size), where=n_k[scores] > 0)
        o, e, size = _pool(observed, expected, n_k[scores], min_expected)
        statistic[j] = np.sum(size * (o - e) ** 2 / (e * (1 - e)))
        df[j] = o.size - estimated[j]
    p_value = np.where(df > 0, chi2.sf(statistic, np.maximum(df, 1)), np.nan)  # no df left: no test
    return ItemFit(statistic, df, p_value)


class FormFit(NamedTuple):
    """Per-item S-X^2 added over forms, each ``(m,)``: NaN statistic, df 0 and 0 persons where no
    form qualified; ``forms`` is how many forms contributed."""

    statistic: FloatArray
    df: NDArray[np.int64]
    p_value: FloatArray
    persons: NDArray[np.int64]
    forms: NDArray[np.int64]


def common_forms(responses: ArrayLike, min_persons: int = MIN_FORM_PERSONS) -> list[tuple[NDArray[np.intp],
                                                                                          NDArray[np.intp]]]:
    """Groups of at least `min_persons` persons given exactly the same items: ``(rows, columns)``
    per form, largest first."""
    given = ~np.isnan(np.asarray(responses, float))
    if given.size == 0:
        return []
    patterns, which, counts = np.unique(given, axis=0, return_inverse=True, return_counts=True)
    which = np.asarray(which).reshape(-1)
    forms = [(np.flatnonzero(which == k), np.flatnonzero(patterns[k]))
             for k in np.argsort(-counts, kind="stable") if counts[k] >= min_persons and patterns[k].any()]
    return forms


def s_x2_by_form(
    responses: ArrayLike, items: ItemParameters, n_parameters: int | ArrayLike,
    min_persons: int = MIN_FORM_PERSONS, grid: Quadrature | None = None,
) -> FormFit:
    """S-X^2 of each item over the forms it appears on (see module docstring).

    Parameters
    ----------
    responses : (n, m) scores, NaN where not given; pass only persons whose items did not
        depend on their answers (not adaptive sittings).
    items : the m items.
    n_parameters : estimated parameters per item, one number or ``(m,)``.
    min_persons : persons a form needs.
    """
    responses = np.asarray(responses, float)
    n_items = responses.shape[1]
    estimated = np.broadcast_to(np.asarray(n_parameters, np.int64), (n_items,))
    statistic, df = np.zeros(n_items), np.zeros(n_items, np.int64)
    persons, forms = np.zeros(n_items, np.int64), np.zeros(n_items, np.int64)
    one_mark = items.max_scores == 1
    for rows, columns in common_forms(responses, min_persons):
        if not one_mark[columns].all() or columns.size < int(estimated[columns].max()) + 2:
            continue  # multi-mark items, or too few items to leave a degree of freedom
        result = s_x2(responses[np.ix_(rows, columns)], items.subset(columns), estimated[columns], grid)
        usable = result.df > 0
        statistic[columns[usable]] += result.statistic[usable]
        df[columns[usable]] += result.df[usable]
        persons[columns[usable]] += rows.size
        forms[columns[usable]] += 1
    p_value = np.where(df > 0, chi2.sf(statistic, np.maximum(df, 1)), np.nan)
    return FormFit(np.where(df > 0, statistic, np.nan), df, p_value, persons, forms)
