"""Standard errors of MML item estimates from the cross-product of score vectors.

Each person's contribution to the gradient of the marginal log-likelihood is
the posterior expectation of the complete-data gradient (Fisher's identity;
Bock & Aitkin, 1981, eq. 18)::

    s_i = sum_q posterior_iq  d/dw sum_j log P_j(x_ij | theta_q)

and the information is approximated by ``sum_i f_i s_i s_i^T`` (mirt's
``SE.type = "crossprod"``).  Per-response derivatives:

* GPCM family: ``d/da = theta (k - E[X])``, ``d/dd_v = [k = v] - P_v``;
* graded response: ``d/dw = (dP_k/dw) / P_k`` with the derivatives of `mstep.grm_derivatives`;
* 3PL / 4PL: ``d/dw = (x - P) / (P (1 - P)) dP/dw`` in ``(a, d, logit c, logit u)``, with
  the Beta priors' curvature ``(alpha + beta - 2) c (1 - c)`` (likewise for ``u``) added for
  the logits and the delta method giving ``se(c) = c (1 - c) se(logit c)``.

Score vectors are sparse (a person only touches the items they took), so the
information matrix costs ``O(responses x parameters per item^2)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.special import expit

from exam_engine.psychometrics.estep import EStep, ResponseMatrix
from exam_engine.psychometrics.models import ItemParameters, gpcm_probability, grm_parts, grm_probability
from exam_engine.psychometrics.mstep import SLOPES

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.signedinteger[Any]]  # sparse matrix indices: int32 or int64


@dataclass(frozen=True)
class StandardErrors:
    """Standard errors shaped like the item parameters (NaN where not estimated)."""

    a: FloatArray
    d: FloatArray
    c: FloatArray
    sd: float
    u: FloatArray


def _observations(data: ResponseMatrix) -> tuple[IndexArray, IndexArray, IndexArray]:
    coo = data.indicator.tocoo()
    width = data.max_score + 1
    return coo.row, coo.col // width, coo.col % width


def _graded_columns(step: EStep, items: ItemParameters, nodes: FloatArray, data: ResponseMatrix) -> FloatArray:
    """Per-observation derivatives ``(n_obs, K + 2)`` of graded items in ``(a, d_1..d_K)``."""
    rows, item, score = _observations(data)
    _, _, boundary = grm_parts(nodes, items.a, items.d)  # (Q, m, K+2)
    w = boundary * (1 - boundary)
    p = grm_probability(nodes, items.a, items.d)  # (Q, m, K+1)
    q, m, width = p.shape
    dp = np.zeros((q, m, width, width))  # (node, item, score k, parameter)
    dp[:, :, :, 0] = nodes[:, None, None] * (w[:, :, :-1] - w[:, :, 1:])
    scores = np.arange(1, width)
    dp[:, :, scores, scores] += w[:, :, 1:-1]
    dp[:, :, scores - 1, scores] -= w[:, :, 1:-1]
    ratio = np.divide(dp, p[..., None], out=np.zeros_like(dp), where=p[..., None] > 1e-300)
    columns = np.zeros((rows.size, items.d.shape[1] + 3))
    for k in range(min(width, data.max_score + 1)):  # one (n, m) product per score and parameter, as the GPCM
        scored = score == k
        if scored.any():
            for v in range(width):
                columns[scored, v] = (step.posterior @ ratio[:, :, k, v])[rows[scored], item[scored]]
    return columns


def _score_columns(
    step: EStep, items: ItemParameters, nodes: FloatArray, data: ResponseMatrix, three_pl: NDArray[np.bool_]
) -> FloatArray:
    """Per-observation derivatives ``(n_obs, K + 3)`` in ``(a, d_1..d_K, logit c, logit u)``;
    ``three_pl`` marks the 3PL / 4PL items, ``items.graded`` the graded ones, the others are of the GPCM family."""
    _, item, _ = _observations(data)
    graded = items.is_graded
    if graded.all():
        return _graded_columns(step, items, nodes, data)
    if three_pl.all():
        return _three_pl_columns(step, items, nodes, data)
    columns = _gpcm_columns(step, items, nodes, data)
    if three_pl.any():
        columns = np.where(three_pl[item][:, None], _three_pl_columns(step, items, nodes, data), columns)
    if graded.any():
        columns = np.where(graded[item][:, None], _graded_columns(step, items, nodes, data), columns)
    return columns


def _gpcm_columns(step: EStep, items: ItemParameters, nodes: FloatArray, data: ResponseMatrix) -> FloatArray:
    """Per-observation derivatives ``(n_obs, K + 2)`` of GPCM-family items in ``(a, d_1..d_K)``."""
    rows, item, score = _observations(data)
    post = step.posterior
    width = items.d.shape[1]
    columns = np.zeros((rows.size, width + 3))
    p = gpcm_probability(nodes, items.a, items.d)  # (Q, m, K+1)
    mean = p @ np.arange(p.shape[2])  # (Q, m)
    columns[:, 0] = score * (post @ nodes)[rows] - (post @ (nodes[:, None] * mean))[rows, item]
    for v in range(1, width + 1):
        columns[:, v] = (score == v) - (post @ p[:, :, v])[rows, item]
    return columns


def _three_pl_columns(step: EStep, items: ItemParameters, nodes: FloatArray, data: ResponseMatrix) -> FloatArray:
    """Per-observation derivatives ``(n_obs, K + 3)`` of 3PL / 4PL items in ``(a, d, logit c, logit u)``."""
    rows, item, score = _observations(data)
    post = step.posterior
    width = items.d.shape[1]
    columns = np.zeros((rows.size, width + 3))
    a, d, c, u = items.a, items.d[:, 0], items.c, items.upper
    p_star = expit(nodes[:, None] * a + d)  # (Q, m)
    p = c + (u - c) * p_star
    slope = (u - c) * p_star * (1 - p_star)
    # dP/da, dP/dd, dP/dlogit(c), dP/dlogit(u)
    derivatives = (slope * nodes[:, None], slope, c * (1 - c) * (1 - p_star), u * (1 - u) * p_star)
    with np.errstate(divide="ignore", invalid="ignore"):  # only in the columns of items that are not 3PL
        for column, dp in zip((0, 1, width + 1, width + 2), derivatives):
            right = (post @ (dp / p))[rows, item]
            wrong = (post @ (-dp / (1 - p)))[rows, item]
            columns[:, column] = np.where(score == 1, right, wrong)
    return columns


def cross_product_standard_errors(
    data: ResponseMatrix,
    step: EStep,
    items: ItemParameters,
    nodes: FloatArray,
    free: NDArray[np.bool_],
    model: str,
    sd: float,
    guessing_prior: tuple[float, float],
    sd_is_slope: bool = False,
    pinned: NDArray[np.bool_] | None = None,
    guessing: NDArray[np.bool_] | None = None,
    upper: NDArray[np.bool_] | None = None,
    upper_prior: tuple[float, float] = (1.0, 1.0),
) -> StandardErrors:
    """Standard errors of the free parameters of `calibrate` (see module docstring).

    ``free`` marks the estimated items; ``sd`` is the ability SD, which with ``sd_is_slope``
    was estimated as the Rasch / PCM common slope in 1PL form; ``guessing_prior`` is the
    3PL's Beta prior on ``c``; ``pinned`` an optional ``(m, K + 2)`` mask of single parameters
    ``(a, d_1..d_K, c)`` held at given values (not estimated: NaN); ``guessing`` the ``(m,)``
    mask of 3PL / 4PL items (default: every item when ``model`` is ``"3pl"``, else none) and
    ``upper`` that of the 4PL items, whose upper asymptote has the Beta ``upper_prior``.
    """
    m, width = items.n_items, items.d.shape[1]
    per_item = width + 3
    three_pl = np.full(m, model == "3pl") if guessing is None else np.asarray(guessing, bool)
    prior = guessing_prior if three_pl.any() else None
    columns = _score_columns(step, items, nodes, data, three_pl)
    rows, item, _ = _observations(data)

    raw_index = np.arange(m * per_item).reshape(m, per_item)
    estimated = np.zeros((m, per_item), bool)
    estimated[:, 1 : width + 1] = free[:, None] & ~np.isnan(items.d)
    estimated[:, width + 1] = free & three_pl
    four_pl = np.zeros(m, bool) if upper is None else np.asarray(upper, bool)
    estimated[:, width + 2] = free & four_pl
    slopes = SLOPES[model]
    estimated[:, 0] = free & (slopes == "free")
    held = np.zeros((m, per_item), bool) if pinned is None else pinned
    estimated &= ~held
    shared_slope = slopes == "common" or (slopes == "fixed" and sd_is_slope)

    target = np.full(m * per_item, -1)
    target[raw_index[estimated]] = np.arange(estimated.sum())
    n_params = int(estimated.sum()) + int(shared_slope)
    scale = np.ones(m * per_item)
    if shared_slope:
        target[raw_index[free & ~held[:, 0], 0]] = n_params - 1
        scale[raw_index[:, 0]] = 1.0 if slopes == "common" else 1.0 / sd

    obs_rows = np.repeat(rows, per_item)
    raw_cols = (item[:, None] * per_item + np.arange(per_item)).ravel()
    values = columns.ravel() * scale[raw_cols]
    keep = target[raw_cols] >= 0
    scores = sparse.csr_matrix(
        (values[keep], (obs_rows[keep], target[raw_cols[keep]])), shape=(data.indicator.shape[0], n_params)
    )
    information = (scores.T @ (sparse.diags(data.weights) @ scores)).toarray()
    priors = [(width + 1, prior, items.c)] if prior is not None else []
    priors.append((width + 2, upper_prior, items.upper))
    for column, (alpha, beta), value in priors:
        cols = target[raw_index[:, column]]
        ok = cols >= 0
        information[cols[ok], cols[ok]] += (alpha + beta - 2) * value[ok] * (1 - value[ok])
    try:
        variance = np.diag(np.linalg.inv(information))
    except np.linalg.LinAlgError:  # singular: some parameter is not identified by the data
        variance = np.diag(np.linalg.pinv(information))
    se = np.sqrt(np.clip(variance, 0, None))

    flat = np.full(m * per_item, np.nan)
    flat[raw_index[estimated]] = se[target[raw_index[estimated]]]
    table = flat.reshape(m, per_item)
    se_a = table[:, 0]
    shared = float(se[-1]) if shared_slope else float("nan")
    if slopes == "common":
        se_a = np.where(free & ~held[:, 0], shared, np.nan)
    se_c = table[:, width + 1] * items.c * (1 - items.c)
    se_u = table[:, width + 2] * items.upper * (1 - items.upper)
    return StandardErrors(se_a, table[:, 1 : width + 1], se_c, shared if slopes == "fixed" else float("nan"), se_u)
