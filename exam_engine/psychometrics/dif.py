"""Differential item functioning by the Mantel-Haenszel procedure.

Test takers are matched on total score; at each score level ``k`` the 2 x 2
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

Score levels with fewer than two test takers carry no information and are skipped.

ETS classification (Zwick, 2012, after Dorans & Holland, 1993), as specified
for this engine: **A** if ``|D-DIF| < 1``; **C** if ``|D-DIF| >= 1.5`` and the
chi-square is significant; **B** otherwise.  (difR's printed codes use the
size of ``|D-DIF|`` alone, so they differ for large but non-significant values.)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2

FloatArray = NDArray[np.float64]


class MantelHaenszel(NamedTuple):
    """Per-item results, each ``(m,)``."""

    alpha: FloatArray
    delta: FloatArray
    delta_se: FloatArray
    chi_square: FloatArray
    p_value: FloatArray
    category: NDArray[np.str_]


def ets_category(delta: ArrayLike, p_value: ArrayLike, significance: float = 0.05) -> NDArray[np.str_]:
    """ETS A/B/C codes from D-DIF and the MH p-value (see module docstring)."""
    size = np.abs(np.asarray(delta, float))
    significant = np.asarray(p_value, float) < significance
    return np.where(size < 1.0, "A", np.where((size >= 1.5) & significant, "C", "B"))


def mantel_haenszel(
    scores: ArrayLike, focal: ArrayLike, matching: ArrayLike | None = None, significance: float = 0.05
) -> MantelHaenszel:
    """Mantel-Haenszel DIF statistics for every 0/1 item.

    Parameters
    ----------
    scores : (n, m) 0/1 marks with no missing values.
    focal : (n,) True for the focal group, False for the reference group.
    matching : (n,) matching score; defaults to the total score over all items
        (the studied item included, as Holland & Thayer recommend and difR does).
    significance : level for the C category.
    """
    scores = np.asarray(scores, float)
    focal = np.asarray(focal, bool)
    total = scores.sum(axis=1) if matching is None else np.asarray(matching, float)
    levels = np.unique(total)
    stratum = np.searchsorted(levels, total)

    def per_level(mask: NDArray[np.bool_]) -> FloatArray:
        """Number of test takers in ``mask`` at each score level, per item, ``(levels, m)``."""
        counts = np.zeros((levels.size, scores.shape[1]))
        np.add.at(counts, stratum[mask], scores[mask])
        return counts

    n_ref = np.bincount(stratum[~focal], minlength=levels.size)[:, None].astype(float)
    n_foc = np.bincount(stratum[focal], minlength=levels.size)[:, None].astype(float)
    a, c = per_level(~focal), per_level(focal)
    b, d = n_ref - a, n_foc - c
    n = n_ref + n_foc
    use = (n >= 2).ravel()
    a, b, c, d, n, n_ref, n_foc = (x[use] for x in (a, b, c, d, n, n_ref, n_foc))

    r, s = a * d / n, b * c / n
    alpha = r.sum(axis=0) / s.sum(axis=0)
    p, q = (a + d) / n, (b + c) / n
    sum_r, sum_s = r.sum(axis=0), s.sum(axis=0)
    log_variance = ((p * r).sum(axis=0) / (2 * sum_r**2) + (p * s + q * r).sum(axis=0) / (2 * sum_r * sum_s)
                    + (q * s).sum(axis=0) / (2 * sum_s**2))
    right, wrong = a + c, b + d
    expected = n_ref * right / n
    variance = (n_ref * n_foc * right * wrong / (n**2 * (n - 1))).sum(axis=0)
    statistic = (np.abs(a.sum(axis=0) - expected.sum(axis=0)) - 0.5) ** 2 / variance
    p_value = chi2.sf(statistic, df=1)
    delta = -2.35 * np.log(alpha)
    return MantelHaenszel(
        alpha, delta, 2.35 * np.sqrt(log_variance), statistic, p_value, ets_category(delta, p_value, significance)
    )
