"""Item response models: probabilities, information and conversions.

All models are logistic with scaling constant D = 1 and are held internally in
slope-intercept form, as in mirt (Chalmers, 2012):

* dichotomous (Rasch / 1PL / 2PL / 3PL / 4PL), one mark::

      P(X = 1 | theta) = c + (u - c) / (1 + exp(-(a * theta + d)))

  with the difficulty ``b = -d / a`` (Baker & Kim, 2004, ch. 2-3) and the upper
  asymptote ``u = 1`` except for the 4PL (Barton & Lord, 1981);

* generalised partial credit (Muraki, 1992), ``K + 1`` ordered scores ``0..K``::

      P(X = k | theta) = exp(a * k * theta + d_k) / sum_v exp(a * v * theta + d_v)

  with ``d_0 = 0``.  The partial credit model (Masters, 1982) is the case
  ``a = 1``; with ``K = 1`` the model is exactly the 2PL with ``d = d_1``;

* graded response (Samejima, 1969), ``K + 1`` ordered scores, cumulative form::

      P(X >= k | theta) = 1 / (1 + exp(-(a * theta + d_k))),   k = 1..K
      P(X = k | theta)  = P(X >= k) - P(X >= k + 1)

  with ``d_1 > d_2 > ... > d_K`` (mirt's ``graded`` item); ``K = 1`` is again the 2PL.
  An `ItemParameters` marks its graded items in ``graded``.

Shapes: ``theta`` is ``(n,)``, item parameters are ``(m,)`` (intercepts of the
GPCM ``(m, K)``, padded with NaN where an item has fewer categories) and
results are ``(n, m)`` or ``(n, m, K + 1)``.  Every function is safe at
extreme abilities: probabilities come from ``expit`` / log-sum-exp and never
produce NaN or overflow warnings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

FloatArray = NDArray[np.float64]
ItemIndex = slice | Sequence[int] | NDArray[np.bool_ | np.integer[Any]]  # a boolean mask, positions or a slice


def _column(theta: ArrayLike) -> FloatArray:
    return np.atleast_1d(np.asarray(theta, dtype=np.float64))[:, None]


def probability(
    theta: ArrayLike, a: ArrayLike, d: ArrayLike, c: ArrayLike = 0.0, u: ArrayLike = 1.0
) -> FloatArray:
    """Probability of a correct answer to one-mark items.

    ``P = c + (u - c) * expit(a * theta + d)`` (Birnbaum, 1968; Barton & Lord, 1981; D = 1).

    Parameters
    ----------
    theta : (n,) abilities in logits.
    a, d, c : (m,) slopes, intercepts and lower asymptotes (``c = 0`` for 1PL/2PL).
    u : (m,) upper asymptotes (``u = 1`` except for the 4PL).

    Returns
    -------
    (n, m) probabilities.
    """
    c = np.asarray(c, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    z = _column(theta) * np.asarray(a, dtype=np.float64) + np.asarray(d, dtype=np.float64)
    p: FloatArray = c + (u - c) * expit(z)
    return p


def information(
    theta: ArrayLike, a: ArrayLike, d: ArrayLike, c: ArrayLike = 0.0, u: ArrayLike = 1.0
) -> FloatArray:
    """Fisher information of one-mark items.

    ``I = a^2 (P - c)^2 (u - P)^2 / ((u - c)^2 P (1 - P))`` (Birnbaum, 1968; Baker & Kim,
    2004, eq. 3.32 for ``u = 1``), written as ``a^2 (u - c)^2 W^2 / (P (1 - P))`` with
    ``W = P* (1 - P*)``, ``P* = expit(a * theta + d)``, and for ``u = 1`` as
    ``a^2 * Q * P* (P*/P)`` so that it stays finite when ``P`` underflows.

    Returns
    -------
    (n, m) information in 1 / logit^2.
    """
    a = np.asarray(a, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    u = np.broadcast_to(np.asarray(u, dtype=np.float64), a.shape)
    p_star: FloatArray = expit(_column(theta) * a + np.asarray(d, dtype=np.float64))
    p = c + (u - c) * p_star
    ratio: FloatArray = np.divide(p_star, p, out=np.ones_like(p), where=p > 0)
    info: FloatArray = a**2 * (1.0 - p) * p_star * ratio
    if np.any(u < 1):
        w = p_star * (1.0 - p_star)
        pq = p * (1.0 - p)
        four: FloatArray = np.divide(a**2 * (u - c) ** 2 * w**2, pq, out=np.zeros_like(p), where=pq > 0)
        info = np.where(u < 1, four, info)
    return info


def gpcm_log_probability(theta: ArrayLike, a: ArrayLike, d: ArrayLike) -> FloatArray:
    """Log category probabilities of the generalised partial credit model.

    ``log P_k = (a k theta + d_k) - logsumexp_v (a v theta + d_v)``, ``d_0 = 0``
    (Muraki, 1992, eq. 2 in slope-intercept form).

    Parameters
    ----------
    theta : (n,) abilities.
    a : (m,) slopes.
    d : (m, K) intercepts of scores 1..K; NaN marks a score the item lacks.

    Returns
    -------
    (n, m, K + 1) log probabilities; ``-inf`` for scores an item lacks.
    """
    a = np.asarray(a, dtype=np.float64)
    d = np.atleast_2d(np.asarray(d, dtype=np.float64))
    intercepts = np.concatenate([np.zeros((d.shape[0], 1)), d], axis=1)
    intercepts = np.where(np.isnan(intercepts), -np.inf, intercepts)
    scores = np.arange(intercepts.shape[1])
    z: FloatArray = _column(theta)[:, :, None] * (a[:, None] * scores)[None] + intercepts[None]
    top: FloatArray = z.max(axis=2, keepdims=True)  # finite: score 0 always exists
    log_sum: FloatArray = np.log(np.exp(z - top).sum(axis=2, keepdims=True))
    return z - (top + log_sum)


def gpcm_probability(theta: ArrayLike, a: ArrayLike, d: ArrayLike) -> FloatArray:
    """Category probabilities of the GPCM, ``(n, m, K + 1)``; see `gpcm_log_probability`."""
    return np.exp(gpcm_log_probability(theta, a, d))


def gpcm_information(theta: ArrayLike, a: ArrayLike, d: ArrayLike) -> FloatArray:
    """Fisher information of GPCM items: ``I = a^2 Var(X | theta)`` (Muraki, 1993).

    Returns
    -------
    (n, m) information.
    """
    p = gpcm_probability(theta, a, d)
    scores = np.arange(p.shape[2])
    mean = p @ scores
    variance = p @ scores**2 - mean**2
    return np.asarray(a, dtype=np.float64) ** 2 * np.maximum(variance, 0.0)


def grm_parts(theta: ArrayLike, a: ArrayLike, d: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``z_k = a theta + d_k`` with ``z_0 = +inf`` and ``z_{K+1} = -inf``, ``(n, m, K + 2)``; the
    gaps ``d_{k+1} - d_k`` ``(m, K + 1)`` (``-inf`` at the ends and past an item's last score);
    and the boundaries ``P(X >= k)`` ``(n, m, K + 2)``."""
    a = np.asarray(a, dtype=np.float64)
    d = np.atleast_2d(np.asarray(d, dtype=np.float64))
    m = d.shape[0]
    bounded = np.concatenate([np.full((m, 1), np.inf), np.where(np.isnan(d), -np.inf, d), np.full((m, 1), -np.inf)],
                             axis=1)  # (m, K+2)
    with np.errstate(invalid="ignore"):
        gaps = np.where(np.isfinite(bounded[:, 1:]) & np.isfinite(bounded[:, :-1]),
                        bounded[:, 1:] - bounded[:, :-1], -np.inf)
    z: FloatArray = _column(theta)[:, :, None] * a[None, :, None] + bounded[None]
    return z, gaps, expit(z)


def grm_log_probability(theta: ArrayLike, a: ArrayLike, d: ArrayLike) -> FloatArray:
    """Log category probabilities of the graded response model (Samejima, 1969).

    ``P_k = P*_k - P*_{k+1}`` with ``P*_k = expit(a theta + d_k)``, evaluated as
    ``log P_k = log expit(z_k) + log expit(-z_{k+1}) + log(1 - exp(d_{k+1} - d_k))``
    so that it stays accurate in both tails.

    Parameters
    ----------
    theta : (n,) abilities.
    a : (m,) slopes.
    d : (m, K) intercepts, decreasing along each row; NaN marks a score the item lacks.

    Returns
    -------
    (n, m, K + 1) log probabilities; ``-inf`` for scores an item lacks (and NaN if some
    item's intercepts are not strictly decreasing).
    """
    z, gaps, _ = grm_parts(theta, a, d)
    upper = -np.logaddexp(0.0, -z[:, :, :-1])  # log P*_k, k = 0..K
    lower = -np.logaddexp(0.0, z[:, :, 1:])  # log (1 - P*_{k+1})
    with np.errstate(divide="ignore", invalid="ignore"):
        between = np.where(gaps == -np.inf, 0.0, np.log(-np.expm1(gaps)))
    result: FloatArray = upper + lower + between[None]
    return result


def grm_probability(theta: ArrayLike, a: ArrayLike, d: ArrayLike) -> FloatArray:
    """Category probabilities of the graded response model, ``(n, m, K + 1)``; see `grm_log_probability`."""
    return np.exp(grm_log_probability(theta, a, d))


def grm_information(theta: ArrayLike, a: ArrayLike, d: ArrayLike) -> FloatArray:
    """Fisher information of graded items (Samejima, 1969): ``I = sum_k (dP_k / dtheta)^2 / P_k``
    with ``dP_k / dtheta = a (W_k - W_{k+1})``, ``W_k = P*_k (1 - P*_k)``.

    Returns
    -------
    (n, m) information.
    """
    _, _, boundary = grm_parts(theta, a, d)
    w = boundary * (1.0 - boundary)
    slope = np.asarray(a, dtype=np.float64)[None, :, None] * (w[:, :, :-1] - w[:, :, 1:])
    p = grm_probability(theta, a, d)
    info: FloatArray = np.sum(np.divide(slope**2, p, out=np.zeros_like(p), where=p > 0), axis=2)
    return info


def irt_from_slope_intercept(a: ArrayLike, d: ArrayLike) -> FloatArray:
    """Difficulty ``b = -d / a`` (location on the theta scale, logits)."""
    return -np.asarray(d, dtype=np.float64) / np.asarray(a, dtype=np.float64)


def slope_intercept_from_irt(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Intercept ``d = -a * b``."""
    return -np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)


def gpcm_steps_from_intercepts(a: ArrayLike, d: ArrayLike) -> FloatArray:
    """Step difficulties of the GPCM: ``b_k = -(d_k - d_{k-1}) / a``, ``d_0 = 0``.

    These are Muraki's (1992) ``b - d_k`` and mirt's ``gpcmIRT`` ``b`` values.
    """
    d = np.atleast_2d(np.asarray(d, dtype=np.float64))
    previous: FloatArray = np.concatenate([np.zeros((d.shape[0], 1)), d[:, :-1]], axis=1)
    return -(d - previous) / np.asarray(a, dtype=np.float64)[:, None]


def gpcm_intercepts_from_steps(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Inverse of `gpcm_steps_from_intercepts`: ``d_k = -a * sum_{v<=k} b_v``."""
    return -np.asarray(a, dtype=np.float64)[:, None] * np.cumsum(np.atleast_2d(np.asarray(b, dtype=np.float64)), axis=1)


@dataclass(frozen=True)
class ItemParameters:
    """A bank of items of any mix of the models above.

    Attributes
    ----------
    a : (m,) slopes.
    d : (m, K) intercepts of scores 1..K (NaN-padded); one-mark items use column 0.
    c : (m,) lower asymptotes; must be 0 for multi-mark items.
    graded : (m,) True for items of the graded response model (their ``d`` decreasing);
        ``None`` (the default) means none are.  The others are GPCM / 3PL items.
    u : (m,) upper asymptotes of one-mark items (4PL); ``None`` (the default) means 1 for all.
    """

    a: FloatArray
    d: FloatArray
    c: FloatArray
    graded: NDArray[np.bool_] | None = None
    u: FloatArray | None = None

    @classmethod
    def dichotomous(cls, a: ArrayLike, d: ArrayLike, c: ArrayLike | None = None) -> ItemParameters:
        """Build one-mark items from ``(m,)`` slopes, intercepts and asymptotes."""
        a = np.atleast_1d(np.asarray(a, dtype=np.float64))
        d = np.atleast_1d(np.asarray(d, dtype=np.float64))[:, None]
        c = np.zeros_like(a) if c is None else np.broadcast_to(np.asarray(c, dtype=np.float64), a.shape).copy()
        return cls(a, d, c)

    @classmethod
    def gpcm(cls, a: ArrayLike, d: ArrayLike) -> ItemParameters:
        """Build multi-mark (GPCM / PCM) items from ``(m,)`` slopes and ``(m, K)`` intercepts."""
        a = np.atleast_1d(np.asarray(a, dtype=np.float64))
        return cls(a, np.atleast_2d(np.asarray(d, dtype=np.float64)), np.zeros_like(a))

    @classmethod
    def graded_response(cls, a: ArrayLike, d: ArrayLike) -> ItemParameters:
        """Build graded response items from ``(m,)`` slopes and ``(m, K)`` decreasing intercepts."""
        a = np.atleast_1d(np.asarray(a, dtype=np.float64))
        return cls(a, np.atleast_2d(np.asarray(d, dtype=np.float64)), np.zeros_like(a), np.ones(a.shape, bool))

    @property
    def is_graded(self) -> NDArray[np.bool_]:
        """``(m,)`` mask of the graded response items (all False when ``graded`` is None)."""
        if self.graded is None:
            return np.zeros(self.a.shape, bool)
        return np.broadcast_to(np.asarray(self.graded, bool), self.a.shape)

    @property
    def upper(self) -> FloatArray:
        """``(m,)`` upper asymptotes (all 1 when ``u`` is None)."""
        if self.u is None:
            return np.ones(self.a.shape)
        return np.broadcast_to(np.asarray(self.u, dtype=np.float64), self.a.shape)

    @property
    def n_items(self) -> int:
        return int(self.a.shape[0])

    @property
    def max_scores(self) -> NDArray[np.int64]:
        """Maximum mark of each item (``K``)."""
        counts: NDArray[np.int64] = np.sum(~np.isnan(self.d), axis=1)
        return counts

    def subset(self, index: ItemIndex) -> ItemParameters:
        """The items at ``index`` (boolean mask or integer positions)."""
        graded = None if self.graded is None else self.is_graded[index]
        upper = None if self.u is None else self.upper[index]
        return ItemParameters(self.a[index], self.d[index], self.c[index], graded, upper)

    def replace(self, a: ArrayLike | None = None, d: ArrayLike | None = None,
                c: ArrayLike | None = None, u: ArrayLike | None = None) -> ItemParameters:
        """A copy with new ``a``, ``d``, ``c`` or ``u``, keeping which items are graded."""
        return ItemParameters(
            self.a if a is None else np.asarray(a, dtype=np.float64),
            self.d if d is None else np.asarray(d, dtype=np.float64),
            self.c if c is None else np.asarray(c, dtype=np.float64),
            self.graded,
            self.u if u is None else np.asarray(u, dtype=np.float64),
        )


def category_log_probability(theta: ArrayLike, items: ItemParameters) -> FloatArray:
    """Log probability of every score of every item, ``(n, m, K + 1)``.

    GPCM probabilities with the 3PL / 4PL asymptotes applied to one-mark items:
    ``P_1 = c + (u - c) P*_1`` and ``P_0 = (1 - u) + (u - c) P*_0``; graded items by
    `grm_log_probability`.
    """
    log_p = gpcm_log_probability(theta, items.a, items.d)
    graded = items.is_graded
    if np.any(graded):
        log_p[:, graded] = grm_log_probability(theta, items.a[graded], items.d[graded])
    upper = items.upper
    guessing = (items.c > 0) | (upper < 1)
    if np.any(guessing):
        c, u = items.c[guessing], upper[guessing]
        with np.errstate(divide="ignore"):  # log 0 = -inf where c = 0 or u = 1
            log_c, log_not_u = np.log(c), np.log1p(-u)
        log_span = np.log(u - c)
        log_p1 = np.logaddexp(log_c, log_span + log_p[:, guessing, 1])
        log_p[:, guessing, 0] = np.logaddexp(log_not_u, log_span + log_p[:, guessing, 0])
        log_p[:, guessing, 1] = log_p1
    return log_p


def category_probability(theta: ArrayLike, items: ItemParameters) -> FloatArray:
    """Probability of every score of every item, ``(n, m, K + 1)``."""
    return np.exp(category_log_probability(theta, items))


def item_information(theta: ArrayLike, items: ItemParameters) -> FloatArray:
    """Fisher information of each item at each ability, ``(n, m)``.

    One-mark items use the 3PL / 4PL formula of `information`; graded items `grm_information`;
    others ``a^2 Var(X)``.
    """
    info = gpcm_information(theta, items.a, items.d)
    graded = items.is_graded
    if np.any(graded):
        info[:, graded] = grm_information(theta, items.a[graded], items.d[graded])
    upper = items.upper
    guessing = (items.c > 0) | (upper < 1)
    if np.any(guessing):
        info[:, guessing] = information(theta, items.a[guessing], items.d[guessing, 0], items.c[guessing],
                                        upper[guessing])
    return info


def total_information(theta: ArrayLike, items: ItemParameters) -> FloatArray:
    """Test information function ``sum_j I_j(theta)``, ``(n,)``; its inverse square root is the SE."""
    total: FloatArray = item_information(theta, items).sum(axis=1)
    return total


def expected_scores(theta: ArrayLike, items: ItemParameters) -> FloatArray:
    """Expected mark on each item, ``E[X_j | theta] = sum_k k P_jk``, ``(n, m)``."""
    p = category_probability(theta, items)
    return p @ np.arange(p.shape[2])


def expected_total_score(theta: ArrayLike, items: ItemParameters) -> FloatArray:
    """Test characteristic curve: expected total mark ``sum_j E[X_j | theta]`` (Lord, 1980), ``(n,)``."""
    total: FloatArray = expected_scores(theta, items).sum(axis=1)
    return total


def log_likelihood(theta: ArrayLike, responses: ArrayLike, items: ItemParameters) -> FloatArray:
    """Log-likelihood of response patterns at given abilities.

    ``log L(theta) = sum_{j answered} log P_j(x_j | theta)`` under local
    independence (Lord, 1980).

    Parameters
    ----------
    theta : (t,) abilities at which to evaluate.
    responses : (p, m) or (m,) integer scores; NaN where not administered.
    items : the m items.

    Returns
    -------
    (p, t) log-likelihoods (``(t,)`` for a single pattern).
    """
    responses = np.asarray(responses, dtype=np.float64)
    single = responses.ndim == 1
    responses = np.atleast_2d(responses)
    answered = ~np.isnan(responses)
    scores = np.where(answered, responses, 0).astype(int)
    if items.d.shape[1] == 1 and not np.any(items.c) and items.u is None:
        # One-mark items without guessing: log P(x) = -log(1 + exp(-(2x - 1) z)), z = a theta + d.
        z = _column(theta) * items.a + items.d[:, 0]  # (t, m)
        picked = -np.logaddexp(0.0, (1 - 2 * scores)[None] * z[:, None, :])  # (t, p, m)
    else:
        log_p = category_log_probability(theta, items)  # (t, m, K+1)
        picked = log_p[:, np.arange(items.n_items)[None, :], scores]  # (t, p, m)
    total: FloatArray = np.where(answered[None], picked, 0.0).sum(axis=2).T
    return total[0] if single else total


__all__ = [
    "ItemParameters",
    "category_log_probability",
    "category_probability",
    "expected_scores",
    "expected_total_score",
    "gpcm_information",
    "gpcm_intercepts_from_steps",
    "gpcm_log_probability",
    "gpcm_probability",
    "gpcm_steps_from_intercepts",
    "grm_information",
    "grm_log_probability",
    "grm_probability",
    "information",
    "irt_from_slope_intercept",
    "item_information",
    "log_likelihood",
    "probability",
    "slope_intercept_from_irt",
    "total_information",
]
