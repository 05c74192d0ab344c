"""Maximisation steps of Bock-Aitkin EM, vectorised over items.

Each function takes the expected counts ``r_jkq`` (persons at node ``q`` with
score ``k`` on item ``j``) from the E-step and returns improved parameters by
Newton-Raphson / Fisher scoring on the expected complete-data log-likelihood
(Bock & Aitkin, 1981; Baker & Kim, 2004, ch. 6)::

    l_j = sum_q sum_k r_jkq log P_jk(theta_q)

GPCM family (2PL is the GPCM with K = 1).  With ``T = (k theta, e_1..e_K)`` the
sufficient statistics of ``(a, d_1..d_K)``, the model is an exponential family
at each node, so (Muraki, 1992)::

    dl/da   = sum_q theta_q (sum_k k r_kq - n_q E_q[k])
    dl/dd_v = sum_q (r_vq - n_q P_vq)
    -d2l    = sum_q n_q Cov_q(T)           (observed = expected information)

3PL.  With ``P = c + (1 - c) P*``, ``c = expit(gamma)`` and a Beta(alpha, beta)
prior on ``c`` (Mislevy & Bock's BILOG prior), Fisher scoring uses::

    dl/dw  = sum_q (r_1q - n_q P_q) / (P_q (1 - P_q)) dP_q/dw
    I_w    = sum_q n_q / (P_q (1 - P_q)) dP_q/dw dP_q/dw^T
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from exam_engine.psychometrics.models import gpcm_probability

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SLOPES = {"rasch": "fixed", "pcm": "fixed", "1pl": "common", "2pl": "free", "3pl": "free", "gpcm": "free"}
"""How each model treats slopes: one per item, one shared (1PL), or fixed at 1 (Rasch, PCM)."""

MAX_STEP = 1.0
"""Largest change of any parameter in one Newton step (logits); guards early cycles."""


RIDGE = 1e-8
"""Added to the information's diagonal so parameters the data cannot move (e.g. ``c -> 0``) stay put."""


def _solve(information: FloatArray, gradient: FloatArray) -> FloatArray:
    ridge = RIDGE * np.eye(information.shape[-1])
    step = np.linalg.solve(information + ridge, gradient[..., None])[..., 0]
    return np.clip(step, -MAX_STEP, MAX_STEP)


def gpcm_derivatives(
    expected: FloatArray, nodes: FloatArray, a: FloatArray, d: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Gradient ``(m, K + 1)`` and information ``(m, K + 1, K + 1)`` in ``(a, d_1..d_K)``.

    Scores an item lacks (NaN intercepts) get zero gradient and unit information.
    """
    p = np.moveaxis(gpcm_probability(nodes, a, d), 0, 2)  # (m, K+1, Q)
    n = expected.sum(axis=1)  # (m, Q)
    scores = np.arange(p.shape[1])
    mean = np.einsum("k,mkq->mq", scores, p)
    k_minus_mean = scores[None, :, None] - mean[:, None, :]
    grad_a = np.sum(nodes * (np.einsum("k,mkq->mq", scores, expected) - n * mean), axis=1)
    grad_d = np.sum(expected[:, 1:] - n[:, None] * p[:, 1:], axis=2)

    m, width = p.shape[0], p.shape[1]
    info = np.zeros((m, width, width))
    pn = p[:, 1:] * n[:, None]
    info[:, 1:, 1:] = -np.einsum("mvq,mwq->mvw", pn, p[:, 1:])
    diag = np.arange(1, width)
    info[:, diag, diag] += pn.sum(axis=2)
    cross = np.einsum("mvq,mvq,q->mv", pn, k_minus_mean[:, 1:], nodes)
    info[:, 0, 1:] = cross
    info[:, 1:, 0] = cross
    info[:, 0, 0] = np.sum(n * nodes**2 * np.einsum("mkq,mkq->mq", p, k_minus_mean**2), axis=1)

    gradient = np.concatenate([grad_a[:, None], grad_d], axis=1)
    return _drop_absent_scores(gradient, info, d)


def gpcm_m_step(
    expected: FloatArray,
    nodes: FloatArray,
    a: FloatArray,
    d: FloatArray,
    free: BoolArray,
    slopes: str,
    iterations: int = 3,
) -> tuple[FloatArray, FloatArray]:
    """Newton steps for GPCM-family items (2PL, 1PL, Rasch, GPCM, PCM).

    Parameters
    ----------
    expected : (m, K + 1, Q) expected counts.
    nodes : (Q,) quadrature nodes.
    a, d : current slopes ``(m,)`` and intercepts ``(m, K)``.
    free : (m,) items to update; the others are held fixed.
    slopes : ``"free"`` (one slope per item), ``"common"`` (one slope shared by
        the free items, the 1PL) or ``"fixed"`` (slopes held, Rasch / PCM).

    Returns
    -------
    New ``a`` and ``d``.
    """
    a, d = a.copy(), d.copy()
    if not np.any(free):
        return a, d
    for _ in range(iterations):
        gradient, info = gpcm_derivatives(expected[free], nodes, a[free], d[free])
        if slopes == "free":
            step = _solve(info, gradient)
        else:
            step = np.concatenate([np.zeros((gradient.shape[0], 1)), _solve(info[:, 1:, 1:], gradient[:, 1:])], axis=1)
            if slopes == "common":
                step[:, 0] = np.clip(gradient[:, 0].sum() / info[:, 0, 0].sum(), -MAX_STEP, MAX_STEP)
        a[free] += step[:, 0]
        d[free] += np.where(np.isnan(d[free]), 0.0, step[:, 1:])
    return a, d


def _drop_absent_scores(gradient: FloatArray, info: FloatArray, d: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Give scores an item lacks a unit diagonal and no coupling, so they stay put."""
    absent = np.concatenate([np.zeros((d.shape[0], 1), bool), np.isnan(d)], axis=1)
    if np.any(absent):
        mask = absent[:, :, None] | absent[:, None, :]
        info = np.where(mask, 0.0, info)
        idx = np.arange(info.shape[1])
        info[:, idx, idx] = np.where(absent, 1.0, info[:, idx, idx])
        gradient = np.where(absent, 0.0, gradient)
    return gradient, info


def three_pl_derivatives(
    expected: FloatArray,
    nodes: FloatArray,
    a: FloatArray,
    d: FloatArray,
    c: FloatArray,
    prior: tuple[float, float],
) -> tuple[FloatArray, FloatArray]:
    """Gradient ``(m, 3)`` and Fisher information ``(m, 3, 3)`` in ``(a, d, logit c)``.

    Includes the Beta(alpha, beta) prior on ``c``:
    ``d log prior / d gamma = (alpha - 1)(1 - c) - (beta - 1) c``.
    """
    alpha, beta = prior
    r1 = expected[:, 1]
    n = expected.sum(axis=1)
    p_star = expit(a[:, None] * nodes + d[:, None])
    cc = c[:, None]
    p = cc + (1 - cc) * p_star
    slope = (1 - cc) * p_star * (1 - p_star)
    dp = np.stack([slope * nodes, slope, cc * (1 - cc) * (1 - p_star)], axis=1)  # (m, 3, Q)
    pq = np.clip(p * (1 - p), 1e-300, None)
    gradient = np.einsum("mq,miq->mi", (r1 - n * p) / pq, dp)
    info = np.einsum("mq,miq,mjq->mij", n / pq, dp, dp)
    gradient[:, 2] += (alpha - 1) * (1 - c) - (beta - 1) * c
    info[:, 2, 2] += (alpha + beta - 2) * c * (1 - c)
    return gradient, info


def three_pl_m_step(
    expected: FloatArray,
    nodes: FloatArray,
    a: FloatArray,
    d: FloatArray,
    c: FloatArray,
    free: BoolArray,
    prior: tuple[float, float],
    iterations: int = 3,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Fisher-scoring steps for 3PL items; returns new ``a``, ``d`` (``(m,)``) and ``c``."""
    a, d, c = a.copy(), d.copy(), c.copy()
    for _ in range(iterations):
        gradient, info = three_pl_derivatives(expected[free], nodes, a[free], d[free], c[free], prior)
        step = _solve(info, gradient)
        a[free] += step[:, 0]
        d[free] += step[:, 1]
        c[free] = expit(np.log(c[free] / (1 - c[free])) + step[:, 2])
    return a, d, c
