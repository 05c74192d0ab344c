"""Differential item functioning by the Mantel-Haenszel procedure, by logistic regression
(`logistic_dif`, which also tells uniform from non-uniform DIF), and for multi-mark items by
Mantel's test and the standardised mean difference (`polytomous_dif`).

Test takers are matched on total score (complete data) or on ability strata (sparse data:
adaptive tests, linear-on-the-fly forms; `ability_strata`), and each item's tables hold only
the test takers who were given it; at each level ``k`` the 2 x 2
table of group (reference / focal) by answer (right / wrong) has counts
``A_k, B_k`` (reference right / wrong), ``C_k, D_k`` (focal) and total ``N_k``
(Holland & Thayer, 1988):

* common odds ratio  ``alpha_MH = sum(A_k D_k / N_k) / sum(B_k C_k / N_k)``;
* ETS delta          ``D-DIF = -2.35 ln(alpha_MH)`` (negative: the item favours
  the reference group);
* chi-square (1 df)  ``(|sum A_k - sum E(A_k)| - 1/2)^2 / sum Var(A_k)`` with
  ``E(A_k) = n_Rk m_1k / N_k`` and ``Var(A_k) = n_Rk n_Fk m_1k m_0k / (N_k^2 (N_k - 1))``.

* standard error of ``ln alpha_MH`` (Robins, Breslow & Greenland, 1986), with
  ``P = (A + D) / N``, ``Q = (B + C) / N``, ``R = A D / N``, ``S = B C / N``::

      Var = sum P R / (2 (sum R)^2) + sum (P S + Q R) / (2 sum R sum S) + sum Q S / (2 (sum S)^2)

  and so ``SE(D-DIF) = 2.35 SE(ln alpha_MH)``, for intervals on small samples.

Score levels with fewer than two test takers carry no information and are skipped. An item
whose tables hold no information (a group never given it, or everyone right) has no
estimate: NaN statistics and no category, never an infinite delta.

ETS classification, as ETS defines it (Zwick, 2012, ETS RR-12-08; Dorans & Holland, 1993):
**A** if ``|D-DIF| < 1`` or D-DIF is not significantly different from 0 (the MH chi-square
at ``significance``); **C** if ``|D-DIF| >= 1.5`` and ``|D-DIF|`` is significantly greater
than 1 (one-sided: ``(|D-DIF| - 1) / SE > z_(1 - significance)``); **B** otherwise.
(difR's printed codes use the size of ``|D-DIF|`` alone.)

Purification (`purified_mantel_haenszel`; Holland & Thayer, 1988, two-step; iterated as difR's
``purify = TRUE``): items showing DIF contaminate the total score they are matched on, so the
items flagged in one pass are dropped from the matching criterion and the analysis is run
again, each item matched on the remaining (anchor) items plus itself; the passes repeat until
the flagged set no longer changes or ``max_iterations`` passes have run. An item is flagged
when its MH chi-square is significant (difR's rule), or, with ``drop="C"`` or ``"BC"``, when
its ETS category is C (or B or C). For sparse data the criterion is an ability estimated from
the anchor items plus the studied item (`matching_from`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2, norm

FloatArray = NDArray[np.float64]
MIN_GROUP = 50  # test takers in each of the focal and reference groups before DIF is reported


class MantelHaenszel(NamedTuple):
    """Per-item results, each ``(m,)``."""

    alpha: FloatArray
    delta: FloatArray
    delta_se: FloatArray
    chi_square: FloatArray
    p_value: FloatArray
    category: NDArray[np.str_]


def ets_category(delta: ArrayLike, delta_se: ArrayLike, p_value: ArrayLike,
                 significance: float = 0.05) -> NDArray[np.str_]:
    """ETS A/B/C codes from D-DIF, its standard error and the MH p-value (see module docstring);
    "" where D-DIF could not be estimated."""
    size = np.abs(np.asarray(delta, float))
    above_one = (size - 1.0) / np.asarray(delta_se, float) > norm.ppf(1 - significance)
    negligible = (size < 1.0) | ~(np.asarray(p_value, float) < significance)
    category = np.where(negligible, "A", np.where((size >= 1.5) & above_one, "C", "B"))
    return np.where(np.isfinite(size) & np.isfinite(np.asarray(p_value, float)), category, "")


def ability_strata(theta: ArrayLike, groups: int = 5) -> NDArray[np.intp]:
    """Matching levels for sparse data: learners split at the ability quantiles into `groups`
    strata (quintiles by default), as Mantel-Haenszel DIF on adaptive tests matches them."""
    theta = np.asarray(theta, float)
    if theta.size == 0:
        return np.zeros(0, np.intp)
    return np.searchsorted(np.quantile(theta, np.linspace(0, 1, groups + 1)[1:-1]), theta)


def mantel_haenszel(
    scores: ArrayLike, focal: ArrayLike, matching: ArrayLike | None = None, significance: float = 0.05
) -> MantelHaenszel:
    """Mantel-Haenszel DIF statistics for every 0/1 item.

    Parameters
    ----------
    scores : (n, m) 0/1 marks; NaN where a test taker was not given the item.
    focal : (n,) True for the focal group, False for the reference group.
    matching : (n,) matching level; defaults to the total score over all items
        (the studied item included, as Holland & Thayer recommend and difR does),
        which needs complete data: for sparse data pass `ability_strata`.
    significance : level for the A and C categories.
    """
    scores = np.asarray(scores, float)
    focal = np.asarray(focal, bool)
    taken = ~np.isnan(scores)
    if matching is None and not taken.all():
        raise ValueError("sparse data (not every test taker took every item) needs a matching level, "
                         "e.g. ability_strata of the ability estimates")
    marks = np.nan_to_num(scores)
    total = marks.sum(axis=1) if matching is None else np.asarray(matching, float)
    stratum = np.unique(total, return_inverse=True)[1]
    a, c = _per_level(marks, stratum, ~focal), _per_level(marks, stratum, focal)
    n_ref, n_foc = _per_level(taken, stratum, ~focal), _per_level(taken, stratum, focal)
    b, d = n_ref - a, n_foc - c
    n = n_ref + n_foc
    informative = n >= 2  # a level's table for an item: at least two test takers given it
    n = np.where(informative, n, np.inf)  # uninformative levels add nothing below
    with np.errstate(divide="ignore", invalid="ignore"):
        return _statistics(a, b, c, d, n, n_ref, n_foc, significance)


def _per_level(values: NDArray[np.float64] | NDArray[np.bool_], stratum: NDArray[np.intp],
               mask: NDArray[np.bool_]) -> FloatArray:
    """Sum of ``values`` (n, m) over the test takers in ``mask`` at each matching level (`stratum`,
    0-based level of each test taker), per item: ``(levels, m)``."""
    sums = np.zeros((int(stratum.max(initial=-1)) + 1, values.shape[1]))
    np.add.at(sums, stratum[mask], values[mask])
    return sums


def _statistics(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray, n: FloatArray, n_ref: FloatArray,
                n_foc: FloatArray, significance: float) -> MantelHaenszel:
    """The statistics from the per-level 2 x 2 tables ``(levels, m)`` (see module docstring); NaN
    for an item whose tables cannot give an estimate."""
    r, s = a * d / n, b * c / n
    alpha = r.sum(axis=0) / s.sum(axis=0)
    p, q = (a + d) / n, (b + c) / n
    sum_r, sum_s = r.sum(axis=0), s.sum(axis=0)
    log_variance = ((p * r).sum(axis=0) / (2 * sum_r**2) + (p * s + q * r).sum(axis=0) / (2 * sum_r * sum_s)
                    + (q * s).sum(axis=0) / (2 * sum_s**2))
    right, wrong = a + c, b + d
    expected = n_ref * right / n
    variance = (n_ref * n_foc * right * wrong / (n**2 * (n - 1))).sum(axis=0)
    used = np.isfinite(n)
    statistic = (np.abs((a * used).sum(axis=0) - expected.sum(axis=0)) - 0.5) ** 2 / variance
    estimable = (sum_r > 0) & (sum_s > 0) & (variance > 0)
    alpha, statistic, log_variance = (np.where(estimable, x, np.nan) for x in (alpha, statistic, log_variance))
    p_value = chi2.sf(statistic, df=1)
    delta = -2.35 * np.log(alpha)
    delta_se = 2.35 * np.sqrt(log_variance)
    return MantelHaenszel(alpha, delta, delta_se, statistic, p_value,
                          ets_category(delta, delta_se, p_value, significance))


class LogisticDif(NamedTuple):
    """Per-item logistic-regression DIF results, each ``(m,)``; NaN where not estimable."""

    chi_square: FloatArray  # any DIF: model 2 against model 0, 2 df
    p_value: FloatArray
    uniform_p: FloatArray  # model 1 against model 0, 1 df
    nonuniform_p: FloatArray  # model 2 against model 1, 1 df
    delta_r2: FloatArray  # Nagelkerke R-squared of model 2 less that of model 0
    category: NDArray[np.str_]


def logistic_dif(scores: ArrayLike, focal: ArrayLike, matching: ArrayLike, significance: float = 0.05) -> LogisticDif:
    """Logistic-regression DIF for every 0/1 item (Swaminathan & Rogers, 1990; Zumbo, 1999).

    For each item, over the test takers given it, three nested models of P(right) are fitted by
    maximum likelihood: ``logit P = b0 + b1 x`` (0), ``+ b2 g`` (1: uniform DIF) and
    ``+ b3 x g`` (2: non-uniform DIF), with ``x`` the matching variable (total score, or an
    ability estimate for sparse data) and ``g`` 1 for the focal group. Likelihood-ratio
    chi-squares compare them; the effect size is the gain in Nagelkerke's R-squared from model 0
    to model 2, classed as Jodoin & Gierl (2001): **A** below 0.035 or not significant, **B** from
    0.035, **C** from 0.070 (and significant).
    """
    scores = np.asarray(scores, float)
    focal = np.asarray(focal, float)
    x = np.asarray(matching, float)
    results = np.full((scores.shape[1], 4), np.nan)
    for j in range(scores.shape[1]):
        took = ~np.isnan(scores[:, j]) & np.isfinite(x)
        y, xj, g = scores[took, j], x[took], focal[took]
        if y.size < 4 or y.min() == y.max() or g.min() == g.max():
            continue
        xj = (xj - xj.mean()) / (xj.std() or 1.0)  # centred and scaled: the fits converge alike
        designs = [np.column_stack(columns) for columns in (
            (np.ones_like(xj), xj), (np.ones_like(xj), xj, g), (np.ones_like(xj), xj, g, xj * g))]
        log_likelihoods = [logistic_log_likelihood(design, y) for design in designs]
        null = logistic_log_likelihood(np.ones((y.size, 1)), y)
        r2 = [_nagelkerke(ll, null, y.size) for ll in log_likelihoods]
        results[j] = (2 * (log_likelihoods[2] - log_likelihoods[0]), 2 * (log_likelihoods[1] - log_likelihoods[0]),
                      2 * (log_likelihoods[2] - log_likelihoods[1]), r2[2] - r2[0])
    statistic, uniform, nonuniform, delta_r2 = results.T
    p_value = chi2.sf(statistic, df=2)
    size = np.where(delta_r2 >= 0.070, "C", np.where(delta_r2 >= 0.035, "B", "A"))
    category = np.where(p_value < significance, size, "A")
    return LogisticDif(statistic, p_value, chi2.sf(uniform, df=1), chi2.sf(nonuniform, df=1), delta_r2,
                       np.where(np.isfinite(p_value), category, ""))


def logistic_log_likelihood(design: FloatArray, y: FloatArray, iterations: int = 50) -> float:
    """The maximised log-likelihood of a logistic regression of 0/1 `y` on `design` (n, k),
    by Newton-Raphson (iteratively reweighted least squares)."""
    beta = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-design @ beta))
        weight = np.clip(p * (1 - p), 1e-10, None)
        step = np.linalg.lstsq(design.T @ (design * weight[:, None]), design.T @ (y - p), rcond=None)[0]
        beta += step
        if np.abs(step).max() < 1e-10:
            break
    eta = design @ beta
    return float(np.sum(y * eta - np.logaddexp(0, eta)))


def _nagelkerke(log_likelihood: float, null: float, n: int) -> float:
    """Nagelkerke's R-squared: Cox-Snell's scaled to reach 1."""
    cox_snell = 1 - np.exp(2 * (null - log_likelihood) / n)
    return float(cox_snell / (1 - np.exp(2 * null / n)))


class PolytomousDif(NamedTuple):
    """Per-item DIF for items of any number of marks, each ``(m,)``; NaN where not estimable."""

    chi_square: FloatArray  # Mantel's (1963) test, 1 df
    p_value: FloatArray
    smd: FloatArray  # standardised mean difference, focal less reference, in marks
    effect: FloatArray  # SMD over the item's standard deviation
    category: NDArray[np.str_]


def polytomous_dif(scores: ArrayLike, focal: ArrayLike, matching: ArrayLike,
                   significance: float = 0.05) -> PolytomousDif:
    """DIF for multi-mark items (any marks), test takers matched on `matching` levels.

    At each level ``k`` with ``n_k`` test takers of whom ``n_Fk`` focal, ``F_k`` is the focal
    group's sum of marks, ``S_k`` and ``Q_k`` the sum of marks and of squared marks over both:

    * Mantel's chi-square (Mantel, 1963; Zwick, Donoghue & Grima, 1993), 1 df:
      ``(sum F_k - sum E F_k)^2 / sum Var F_k`` with ``E F_k = n_Fk S_k / n_k`` and
      ``Var F_k = n_Rk n_Fk (n_k Q_k - S_k^2) / (n_k^2 (n_k - 1))``;
    * the standardised mean difference (Dorans & Schmitt, 1991), weighted by the focal group:
      ``SMD = sum (n_Fk / n_F) (mean_Fk - mean_Rk)`` over levels with both groups; negative:
      the item favours the reference group;
    * ETS's classes for such items (Zwick, Thayer & Mazzeo, 1997) on ``|SMD| / SD``: **AA** when
      not significant or at most 0.17, **CC** when significant and above 0.25, **BB** otherwise.
    """
    scores = np.asarray(scores, float)
    focal = np.asarray(focal, bool)
    stratum = np.unique(np.asarray(matching, float), return_inverse=True)[1]
    taken = ~np.isnan(scores)
    marks = np.nan_to_num(scores)
    n_f, n_r = _per_level(taken, stratum, focal), _per_level(taken, stratum, ~focal)
    f_sum, r_sum = _per_level(marks, stratum, focal), _per_level(marks, stratum, ~focal)
    squares = _per_level(marks**2, stratum, np.ones_like(focal))  # untaken cells are 0 in marks
    n, total = n_f + n_r, f_sum + r_sum
    with np.errstate(divide="ignore", invalid="ignore"):
        informative = n >= 2
        expected = np.where(informative, n_f * total / n, 0.0)
        variance = np.where(informative, n_r * n_f * (n * squares - total**2) / (n**2 * (n - 1)), 0.0).sum(axis=0)
        observed = np.where(informative, f_sum, 0.0).sum(axis=0)
        statistic = np.where(variance > 0, (observed - expected.sum(axis=0)) ** 2 / variance, np.nan)
        both = (n_f > 0) & (n_r > 0)
        smd = np.where(both, n_f * (f_sum / n_f - r_sum / n_r), 0.0).sum(axis=0) / np.where(both, n_f, 0).sum(axis=0)
        spread = np.nanstd(scores, axis=0, ddof=1)
        effect = np.abs(smd) / spread
    p_value = chi2.sf(statistic, df=1)
    significant = p_value < significance
    category = np.where(~significant | (effect <= 0.17), "AA", np.where(effect > 0.25, "CC", "BB"))
    return PolytomousDif(statistic, p_value, smd, effect,
                         np.where(np.isfinite(p_value) & np.isfinite(effect), category, ""))


class Purification(NamedTuple):
    """A purified Mantel-Haenszel analysis: the last pass's results, the anchor items matched on
    (``(m,)``, True where not flagged), the passes run and whether the flagged set settled."""

    result: MantelHaenszel
    anchor: NDArray[np.bool_]
    iterations: int
    converged: bool


MatchingFrom = Callable[[NDArray[np.bool_]], FloatArray]  # items to match on (m,) -> matching level (n,)
DROP_RULES = ("significant", "C", "BC")


def purified_mantel_haenszel(
    scores: ArrayLike, focal: ArrayLike, significance: float = 0.05, max_iterations: int = 10,
    drop: str = "significant", matching_from: MatchingFrom | None = None,
) -> Purification:
    """Iteratively purified Mantel-Haenszel DIF for 0/1 items (see module docstring).

    Parameters
    ----------
    scores : (n, m) 0/1 marks; NaN where not given (then `matching_from` is needed).
    focal : (n,) True for the focal group.
    max_iterations : purification passes after the first analysis (difR's ``nrIter``).
    drop : which items leave the criterion: "significant" (MH p below `significance`), "C" or "BC".
    matching_from : the matching level from a set of items (boolean ``(m,)``); defaults to the total
        score over them, which needs complete data.
    """
    scores = np.asarray(scores, float)
    focal = np.asarray(focal, bool)
    if drop not in DROP_RULES:
        raise ValueError(f"drop must be one of {', '.join(DROP_RULES)}; got {drop!r}")
    if max_iterations < 0:
        raise ValueError("max_iterations must be 0 or more")
    if matching_from is None:
        if np.isnan(scores).any():
            raise ValueError("sparse data (not every test taker took every item) needs matching_from, "
                             "e.g. ability strata from the anchor items")
        marks = scores

        def total(items: NDArray[np.bool_]) -> FloatArray:
            level: FloatArray = marks[:, items].sum(axis=1)
            return level

        matching_from = total
    every = np.ones(scores.shape[1], bool)
    result = mantel_haenszel(scores, focal, matching_from(every), significance)
    flagged = _flagged(result, drop, significance)
    iterations, converged = 0, not flagged.any()
    while not converged and iterations < max_iterations:
        iterations += 1
        result = _anchored(scores, focal, ~flagged, matching_from, significance)
        again = _flagged(result, drop, significance)
        converged = bool((again == flagged).all())
        flagged = again
    return Purification(result, ~flagged, iterations, converged)


def _flagged(result: MantelHaenszel, drop: str, significance: float) -> NDArray[np.bool_]:
    if drop == "significant":
        with np.errstate(invalid="ignore"):
            return np.asarray(result.p_value < significance, bool)
    return np.isin(result.category, list(drop))


def _anchored(scores: FloatArray, focal: NDArray[np.bool_], anchor: NDArray[np.bool_], matching_from: MatchingFrom,
              significance: float) -> MantelHaenszel:
    """MH with anchor items matched on the anchor, and each other item on the anchor plus itself."""
    parts = [mantel_haenszel(scores[:, anchor], focal, matching_from(anchor), significance)] if anchor.any() else []
    studied = np.flatnonzero(~anchor)
    for j in studied:
        criterion = anchor.copy()
        criterion[j] = True
        parts.append(mantel_haenszel(scores[:, [j]], focal, matching_from(criterion), significance))
    order = np.argsort(np.r_[np.flatnonzero(anchor), studied], kind="stable")
    return MantelHaenszel(*(np.concatenate([getattr(part, name) for part in parts])[order]
                            for name in MantelHaenszel._fields))
