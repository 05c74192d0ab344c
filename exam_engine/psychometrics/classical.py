"""Classical test theory item and test statistics.

``scores`` is an (n, m) array of marks, NaN where an item was not
administered.  Item-level statistics use the persons who took the item; the
total score is the sum of a person's marks.  Reliability statistics need a
complete matrix and use the persons who took every item.  Variances and SDs
use the ``n - 1`` denominator (as R and mirt's ``itemstats``).

References: Crocker & Algina (1986), *Introduction to Classical and Modern
Test Theory*, ch. 14 (item analysis) and ch. 6 (reliability); Cronbach (1951);
Kuder & Richardson (1937); Feldt (1965) for the interval of alpha; Wilson
(1927) for the interval of a proportion; Kelley (1939) for the 27% groups.
"""

from __future__ import annotations

from typing import Any, Generic, NamedTuple, TypeVar, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import f as f_distribution
from scipy.stats import norm

FloatArray = NDArray[np.float64]
Bound = TypeVar("Bound", FloatArray, float)


class Interval(NamedTuple, Generic[Bound]):
    """A confidence interval (arrays or floats)."""

    lower: Bound
    upper: Bound


def total_scores(scores: ArrayLike) -> FloatArray:
    """Each person's total mark over the items they took, ``(n,)``."""
    totals: FloatArray = np.nansum(np.asarray(scores, float), axis=1)
    return totals


def facility(scores: ArrayLike, max_scores: ArrayLike | None = None) -> FloatArray:
    """Facility (p-value): mean mark as a fraction of the item's maximum, ``(m,)``.

    ``max_scores`` defaults to the largest mark observed on each item.
    """
    scores = np.asarray(scores, float)
    taken = ~np.isnan(scores)
    count = taken.sum(axis=0)
    observed_max = np.where(taken, scores, 0.0).max(axis=0)
    maximum = observed_max if max_scores is None else np.asarray(max_scores, float)
    mean: FloatArray = np.divide(np.where(taken, scores, 0.0).sum(axis=0), count, out=np.full(count.shape, np.nan),
                                 where=count > 0)
    return mean / np.where(maximum > 0, maximum, 1.0)


@overload
def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> Interval[float]: ...
@overload
def wilson_interval(successes: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> Interval[FloatArray]: ...
def wilson_interval(successes: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> Interval[Any]:
    """Wilson (1927) score interval for a proportion; sound for small n and p near 0 or 1.

    ``(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``.
    """
    n = np.asarray(n, float)
    p = np.asarray(successes, float) / n
    z = norm.ppf(0.5 + confidence / 2)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return Interval(centre - half, centre + half)


def item_rest_correlation(scores: ArrayLike) -> FloatArray:
    """Corrected item-total correlation: Pearson r of item and total *without* the item.

    For 0/1 items this is the corrected point-biserial (Crocker & Algina, 1986,
    sec. 14.4; mirt's ``cor_if_rm``).  Uses the persons who took the item.
    """
    scores = np.asarray(scores, float)
    total = total_scores(scores)
    result = np.full(scores.shape[1], np.nan)
    for j in range(scores.shape[1]):
        took = ~np.isnan(scores[:, j])
        item, rest = scores[took, j], total[took] - scores[took, j]
        if item.size > 1 and item.std() > 0 and rest.std() > 0:
            result[j] = np.corrcoef(item, rest)[0, 1]
    return result


@overload
def correlation_interval(r: float, n: float, confidence: float = 0.95) -> Interval[float]: ...
@overload
def correlation_interval(r: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> Interval[FloatArray]: ...
def correlation_interval(r: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> Interval[Any]:
    """Fisher z interval: ``tanh(atanh(r) -+ z / sqrt(n - 3))``."""
    z = norm.ppf(0.5 + confidence / 2)
    centre = np.arctanh(np.asarray(r, float))
    half = z / np.sqrt(np.asarray(n, float) - 3)
    return Interval(np.tanh(centre - half), np.tanh(centre + half))


def upper_lower_index(scores: ArrayLike, fraction: float = 0.27) -> tuple[FloatArray, FloatArray]:
    """Upper-lower discrimination index and discriminative efficiency, each ``(m,)``.

    Persons who took the item are ranked by their rest score (total without the item, so the item
    does not rank the persons it is judged by); the top and bottom
    ``fraction`` (Kelley's 27%, rounded to whole persons) form groups of size ``g``.  The index is
    ``D = (mean mark upper - mean mark lower) / max mark``.  Discriminative
    efficiency is ``D / D_max`` where ``D_max`` is the largest ``D`` possible
    with the same marks in the two groups together, ``min(T, 2g max - T) / (g max)``
    for group total ``T`` (Crocker & Algina, 1986, sec. 14.3).
    """
    scores = np.asarray(scores, float)
    total = total_scores(scores)
    index = np.full(scores.shape[1], np.nan)
    efficiency = np.full(scores.shape[1], np.nan)
    for j in range(scores.shape[1]):
        took = np.flatnonzero(~np.isnan(scores[:, j]))
        g = round(fraction * took.size)
        maximum = scores[took, j].max() if took.size else 0.0
        if g == 0 or maximum <= 0:
            continue
        ranked = took[np.argsort(total[took] - scores[took, j], kind="stable")]
        lower, upper = scores[ranked[:g], j].sum(), scores[ranked[-g:], j].sum()
        index[j] = (upper - lower) / (g * maximum)
        best = min(upper + lower, 2 * g * maximum - (upper + lower)) / (g * maximum)
        efficiency[j] = index[j] / best if best > 0 else np.nan
    return index, efficiency


class DistractorTable(NamedTuple):
    """Per item and option: share choosing it and mean total of its choosers."""

    options: FloatArray
    share: FloatArray
    mean_total: FloatArray


def distractor_analysis(choices: ArrayLike, key: ArrayLike) -> DistractorTable:
    """Share of test takers choosing each option and their mean total score.

    Parameters
    ----------
    choices : (n, m) chosen option codes (NaN where not administered).
    key : (m,) the correct option of each item; the total score counts matches.

    Returns
    -------
    ``options`` (k,) the option codes seen; ``share`` and ``mean_total`` (m, k),
    NaN where an option had no choosers.  A good distractor draws test takers
    whose mean total is below that of the key's choosers (Crocker & Algina, 14.5).
    """
    choices = np.asarray(choices, float)
    key = np.asarray(key, float)
    scored = np.where(np.isnan(choices), np.nan, (choices == key).astype(float))
    total = total_scores(scored)
    options = np.unique(choices[~np.isnan(choices)])
    taken = (~np.isnan(choices)).sum(axis=0)
    chose = choices[:, :, None] == options[None, None, :]  # (n, m, k)
    count = chose.sum(axis=0)
    share = count / np.where(taken > 0, taken, 1)[:, None]
    sums = np.einsum("nmk,n->mk", chose, total)
    mean_total = np.divide(sums, count, out=np.full(count.shape, np.nan), where=count > 0)
    return DistractorTable(options, share, mean_total)


def _complete(scores: ArrayLike) -> FloatArray:
    scores = np.asarray(scores, float)
    complete: FloatArray = scores[~np.isnan(scores).any(axis=1)]
    return complete


def cronbach_alpha(scores: ArrayLike) -> float:
    """Coefficient alpha ``k/(k-1) (1 - sum var_j / var_total)`` (Cronbach, 1951).

    Equal to KR-20 for 0/1 items.  Persons with any missing mark are dropped.
    """
    complete = _complete(scores)
    k = complete.shape[1]
    item_variance = complete.var(axis=0, ddof=1).sum()
    total_variance = complete.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_variance / total_variance))


def kr21(totals: ArrayLike, max_score: float) -> float:
    """KR-21 reliability from totals alone: ``k/(k-1) (1 - mu (k - mu) / (k s^2))`` with ``k`` the
    maximum score, ``mu`` and ``s^2`` (``n - 1``) the totals' mean and variance (Kuder &
    Richardson, 1937, formula 21). It assumes items of equal difficulty and so never exceeds
    KR-20: a lower bound, usable when candidates sat different forms of equal length.
    """
    values = np.asarray(totals, float)
    if values.ndim != 1 or values.size < 2 or not np.all(np.isfinite(values)):
        raise ValueError("KR-21 needs at least two finite totals")
    if max_score < 2:
        raise ValueError(f"KR-21 needs a test of at least 2 marks; got {max_score:g}")
    variance = values.var(ddof=1)
    if variance == 0:
        raise ValueError("KR-21 is undefined when every total is the same")
    mean = values.mean()
    return float(max_score / (max_score - 1) * (1 - mean * (max_score - mean) / (max_score * variance)))


def alpha_if_deleted(scores: ArrayLike) -> FloatArray:
    """Alpha of the test with each item removed in turn, ``(m,)``."""
    complete = _complete(scores)
    return np.array([cronbach_alpha(np.delete(complete, j, axis=1)) for j in range(complete.shape[1])])


def alpha_interval(alpha: float, n: int, k: int, confidence: float = 0.95) -> Interval[float]:
    """Feldt's (1965) interval: ``1 - (1 - alpha) F`` with F on ``(n-1, (n-1)(k-1))`` df."""
    tail = (1 - confidence) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return Interval(
        1 - (1 - alpha) * f_distribution.ppf(1 - tail, df1, df2),
        1 - (1 - alpha) * f_distribution.ppf(tail, df1, df2),
    )


def standard_error_of_measurement(scores: ArrayLike) -> float:
    """``SEM = SD_total sqrt(1 - alpha)`` in marks (Crocker & Algina, 1986, eq. 6.9)."""
    complete = _complete(scores)
    return float(complete.sum(axis=1).std(ddof=1) * np.sqrt(1 - cronbach_alpha(complete)))
