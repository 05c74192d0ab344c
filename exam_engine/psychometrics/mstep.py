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

Graded response (Samejima, 1969).  With ``P_k = P*_k - P*_{k+1}`` and
``W_k = P*_k (1 - P*_k)``: ``dP_k/da = theta (W_k - W_{k+1})``, ``dP_k/dd_k = W_k``,
``dP_k/dd_{k+1} = -W_{k+1}``; Fisher scoring with
``dl/dw = sum_q sum_k r_kq / P_kq dP_kq/dw`` and ``I_w = sum_q n_q sum_k dP_kq/dw dP_kq/dw^T / P_kq``.
A step that would break the order ``d_1 > ... > d_K`` is halved until it does not.

4PL.  ``P = c + (u - c) P*`` in ``(a, d, logit c, logit u)`` likewise, with a Beta prior on the
upper asymptote ``u`` too (`four_pl_m_step`).

3PL.  With ``P = c + (1 - c) P*``, ``c = expit(gamma)`` and a Beta(alpha, beta)
prior on ``c`` (Mislevy & Bock's BILOG prior), Fisher scoring uses::

    dl/dw  = sum_q (r_1q - n_q P_q) / (P_q (1 - P_q)) dP_q/dw
    I_w    = sum_q n_q / (P_q (1 - P_q)) dP_q/dw dP_q/dw^T
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from exam_engine.psychometrics.models import gpcm_probability, grm_parts, grm_probability

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SLOPES = {"rasch": "fixed", "pcm": "fixed", "rasch-fixed": "fixed", "1pl": "common", "2pl": "free", "3pl": "free",
          "4pl": "free", "gpcm": "free", "grm": "free", "grm-equal": "common"}
"""How each model treats slopes: one per item, one shared (1PL, GRM with equal slopes), or fixed at 1
(Rasch, PCM)."""

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
    held: BoolArray | None = None,
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
    held : optional ``(m, K + 1)`` mask of single parameters ``(a, d_1..d_K)`` held at their
        current values (items not ``free`` are held whole anyway).

    Returns
    -------
    New ``a`` and ``d``.
    """
    a, d = a.copy(), d.copy()
    if not np.any(free):
        return a, d
    for _ in range(iterations):
        gradient, info = gpcm_derivatives(expected[free], nodes, a[free], d[free])
        step = _newton_step(gradient, info, slopes, None if held is None else held[free])
        a[free] += step[:, 0]
        d[free] += np.where(np.isnan(d[free]), 0.0, step[:, 1:])
    return a, d


def _newton_step(gradient: FloatArray, info: FloatArray, slopes: str, held: BoolArray | None) -> FloatArray:
    """The Newton step of every parameter, ``0`` for held ones; slopes as in `gpcm_m_step`
    (the first parameter is the slope).  A held parameter's row and column of the information
    are replaced by the identity, so the others are solved given its value."""
    hold = np.zeros(gradient.shape, bool) if held is None else held.copy()
    user_held_slope = hold[:, 0].copy()
    if slopes != "free":
        hold[:, 0] = True
    held_gradient, held_info = _hold(gradient, info, hold)
    step = _solve(held_info, held_gradient)
    if slopes == "common":
        moving = ~user_held_slope
        if moving.any():
            step[moving, 0] = np.clip(gradient[moving, 0].sum() / info[moving, 0, 0].sum(), -MAX_STEP, MAX_STEP)
    return step


def _hold(gradient: FloatArray, info: FloatArray, held: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Zero gradient and identity information for the ``held`` parameters ``(m, P)``."""
    if not np.any(held):
        return gradient, info
    mask = held[:, :, None] | held[:, None, :]
    info = np.where(mask, 0.0, info)
    idx = np.arange(info.shape[1])
    info[:, idx, idx] = np.where(held, 1.0, info[:, idx, idx])
    return np.where(held, 0.0, gradient), info


def _drop_absent_scores(gradient: FloatArray, info: FloatArray, d: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Give scores an item lacks a unit diagonal and no coupling, so they stay put."""
    absent = np.concatenate([np.zeros((d.shape[0], 1), bool), np.isnan(d)], axis=1)
    return _hold(gradient, info, absent)


def grm_derivatives(
    expected: FloatArray, nodes: FloatArray, a: FloatArray, d: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Gradient ``(m, K + 1)`` and Fisher information ``(m, K + 1, K + 1)`` in ``(a, d_1..d_K)``
    of graded items (see module docstring); scores an item lacks are dropped as in the GPCM."""
    _, _, boundary = grm_parts(nodes, a, d)  # (Q, m, K+2)
    w = np.moveaxis(boundary * (1 - boundary), 0, 2)  # (m, K+2, Q)
    p = np.moveaxis(grm_probability(nodes, a, d), 0, 2)  # (m, K+1, Q)
    m, width = p.shape[0], p.shape[1]
    dp = np.zeros((m, width, width, nodes.size))  # (item, score k, parameter, node)
    dp[:, :, 0] = nodes * (w[:, :-1] - w[:, 1:])
    scores = np.arange(1, width)
    dp[:, scores, scores] += w[:, 1:-1]
    dp[:, scores - 1, scores] -= w[:, 1:-1]
    return _scoring(expected, p, dp, d)


def _scoring(expected: FloatArray, p: FloatArray, dp: FloatArray, d: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Multinomial Fisher scoring: gradient ``sum r_k / P_k dP_k`` and information
    ``sum n sum_k dP_k dP_k^T / P_k`` from probabilities ``(m, C, Q)`` and derivatives ``(m, C, W, Q)``."""
    n = expected.sum(axis=1)  # (m, Q)
    inverse = np.divide(1.0, p, out=np.zeros_like(p), where=p > 1e-300)
    gradient = np.einsum("mkq,mkiq->mi", expected * inverse, dp)
    info = np.einsum("mq,mkq,mkiq,mkjq->mij", n, inverse, dp, dp)
    return _drop_absent_scores(gradient, info, d)


def grm_m_step(
    expected: FloatArray,
    nodes: FloatArray,
    a: FloatArray,
    d: FloatArray,
    free: BoolArray,
    slopes: str,
    iterations: int = 3,
    held: BoolArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Fisher-scoring steps for graded items; ``slopes`` and ``held`` as in `gpcm_m_step` (``"common"``:
    one slope shared by the free items, Samejima's homogeneous case).  Returns new ``a`` and ``d``."""
    a, d = a.copy(), d.copy()
    if not np.any(free):
        return a, d
    for _ in range(iterations):
        gradient, info = grm_derivatives(expected[free], nodes, a[free], d[free])
        step = _newton_step(gradient, info, slopes, None if held is None else held[free])
        step[:, 1:] = np.where(np.isnan(d[free]), 0.0, step[:, 1:])
        for _ in range(30):  # halve steps that would put an item's intercepts out of order
            new_d = d[free] + step[:, 1:]
            with np.errstate(invalid="ignore"):  # -inf - -inf past an item's last score
                gaps = np.diff(np.where(np.isnan(new_d), -np.inf, new_d), axis=1)
                disordered = np.any(gaps >= 0, axis=1)
            if not disordered.any():
                break
            step[disordered, 1:] *= 0.5
        else:
            step[disordered, 1:] = 0.0
        a[free] += step[:, 0]
        d[free] += step[:, 1:]
    return a, d


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
    held: BoolArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Fisher-scoring steps for 3PL items; returns new ``a``, ``d`` (``(m,)``) and ``c``.

    ``held`` is an optional ``(m, 3)`` mask of single parameters ``(a, d, c)`` held at their
    current values (a ``c`` held at 0 makes the item a 2PL)."""
    a, d, c = a.copy(), d.copy(), c.copy()
    if not np.any(free):
        return a, d, c
    hold = np.zeros((int(free.sum()), 3), bool) if held is None else held[free]
    for _ in range(iterations):
        gradient, info = three_pl_derivatives(expected[free], nodes, a[free], d[free], c[free], prior)
        held_gradient, held_info = _hold(gradient, info, hold)
        step = _solve(held_info, held_gradient)
        a[free] += step[:, 0]
        d[free] += step[:, 1]
        moving = np.flatnonzero(free)[~hold[:, 2]]
        c[moving] = expit(np.log(c[moving] / (1 - c[moving])) + step[~hold[:, 2], 2])
    return a, d, c


def four_pl_derivatives(
    expected: FloatArray,
    nodes: FloatArray,
    a: FloatArray,
    d: FloatArray,
    c: FloatArray,
    u: FloatArray,
    prior: tuple[float, float],
    upper_prior: tuple[float, float],
) -> tuple[FloatArray, FloatArray]:
    """Gradient ``(m, 4)`` and Fisher information ``(m, 4, 4)`` in ``(a, d, logit c, logit u)`` of
    4PL items, ``P = c + (u - c) P*`` (Barton & Lord, 1981), with Beta priors on ``c`` and ``u``:
    ``dP/dlogit u = u (1 - u) P*`` and ``d log prior / d logit u = (alpha - 1)(1 - u) - (beta - 1) u``."""
    r1 = expected[:, 1]
    n = expected.sum(axis=1)
    p_star = expit(a[:, None] * nodes + d[:, None])
    cc, uu = c[:, None], u[:, None]
    p = cc + (uu - cc) * p_star
    slope = (uu - cc) * p_star * (1 - p_star)
    dp = np.stack([slope * nodes, slope, cc * (1 - cc) * (1 - p_star), uu * (1 - uu) * p_star], axis=1)
    pq = np.clip(p * (1 - p), 1e-300, None)
    gradient = np.einsum("mq,miq->mi", (r1 - n * p) / pq, dp)
    info = np.einsum("mq,miq,mjq->mij", n / pq, dp, dp)
    for column, value, (alpha, beta) in ((2, c, prior), (3, u, upper_prior)):
        gradient[:, column] += (alpha - 1) * (1 - value) - (beta - 1) * value
        info[:, column, column] += (alpha + beta - 2) * value * (1 - value)
    return gradient, info


def four_pl_m_step(
    expected: FloatArray,
    nodes: FloatArray,
    a: FloatArray,
    d: FloatArray,
    c: FloatArray,
    u: FloatArray,
    free: BoolArray,
    prior: tuple[float, float],
    upper_prior: tuple[float, float],
    iterations: int = 3,
    held: BoolArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Fisher-scoring steps for 4PL items; returns new ``a``, ``d``, ``c`` and ``u`` (``(m,)`` each).

    ``held`` is an optional ``(m, 4)`` mask of single parameters ``(a, d, c, u)`` held at their
    current values.  A step that would bring ``u`` down to ``c`` is halved until it does not."""
    a, d, c, u = a.copy(), d.copy(), c.copy(), u.copy()
    if not np.any(free):
        return a, d, c, u
    rows = np.flatnonzero(free)
    hold = np.zeros((rows.size, 4), bool) if held is None else held[free]
    for _ in range(iterations):
        gradient, info = four_pl_derivatives(expected[free], nodes, a[free], d[free], c[free], u[free], prior,
                                             upper_prior)
        held_gradient, held_info = _hold(gradient, info, hold)
        step = _solve(held_info, held_gradient)
        with np.errstate(divide="ignore"):  # held c = 0 or u = 1: their logits are infinite and unused
            logit_c, logit_u = np.log(c[free] / (1 - c[free])), np.log(u[free] / (1 - u[free]))
        for _ in range(30):
            new_c = np.where(hold[:, 2], c[free], expit(logit_c + step[:, 2]))
            new_u = np.where(hold[:, 3], u[free], expit(logit_u + step[:, 3]))
            crossed = new_u - new_c < 0.05
            if not crossed.any():
                break
            step[crossed, 2:] *= 0.5
        a[free] += step[:, 0]
        d[free] += step[:, 1]
        c[rows], u[rows] = np.where(crossed, c[free], new_c), np.where(crossed, u[free], new_u)
    return a, d, c, u
