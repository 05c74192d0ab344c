"""Standard errors of MML item estimates from the cross-product of score vectors.

Each person's contribution to the gradient of the marginal log-likelihood is
the posterior expectation of the complete-data gradient (Fisher's identity;
Bock & Aitkin, 1981, eq. 18)::

    s_i = sum_q posterior_iq  d/dw sum_j log P_j(x_ij | theta_q)

and the information is approximated by ``sum_i f_i s_i s_i^T`` (mirt's
``SE.type = "crossprod"``).  Per-response derivatives:

* GPCM family: ``d/da = theta (k - E[X])``, ``d/dd_v = [k = v] - P_v``;
* 3PL: ``d/dw = (x - P) / (P (1 - P)) dP/dw`` in ``(a, d, logit c)``, with the
  Beta prior's curvature ``(alpha + beta - 2) c (1 - c)`` added for ``logit c``
  and the delta method giving ``se(c) = c (1 - c) se(logit c)``.

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
from exam_engine.psychometrics.models import ItemParameters, gpcm_probability
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


def _observations(data: ResponseMatrix) -> tuple[IndexArray, IndexArray, IndexArray]:
    coo = data.indicator.tocoo()
    width = data.max_score + 1
    return coo.row, coo.col // width, coo.col % width


def _score_columns(
    step: EStep, items: ItemParameters, nodes: FloatArray, data: ResponseMatrix, three_pl: bool
) -> FloatArray:
    """Per-observation derivatives ``(n_obs, K + 2)`` in ``(a, d_1..d_K, logit c)``."""
    rows, item, score = _observations(data)
    post = step.posterior
    width = items.d.shape[1]
    columns = np.zeros((rows.size, width + 2))
    if not three_pl:
        p = gpcm_probability(nodes, items.a, items.d)  # (Q, m, K+1)
        mean = p @ np.arange(p.shape[2])  # (Q, m)
        columns[:, 0] = score * (post @ nodes)[rows] - (post @ (nodes[:, None] * mean))[rows, item]
        for v in range(1, width + 1):
            columns[:, v] = (score == v) - (post @ p[:, :, v])[rows, item]
        return columns
    a, d, c = items.a, items.d[:, 0], items.c
    p_star = expit(nodes[:, None] * a + d)  # (Q, m)
    p = c + (1 - c) * p_star
    slope = (1 - c) * p_star * (1 - p_star)
    derivatives = (slope * nodes[:, None], slope, c * (1 - c) * (1 - p_star))  # dP/da, dP/dd, dP/dlogit(c)
    for column, dp in zip((0, 1, width + 1), derivatives):
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
) -> StandardErrors:
    """Standard errors of the free parameters of `calibrate` (see module docstring).

    ``free`` marks the estimated items; ``sd`` is the ability SD (the Rasch slope
    in 1PL form); ``guessing_prior`` is the 3PL's Beta prior on ``c``.
    """
    m, width = items.n_items, items.d.shape[1]
    per_item = width + 2
    prior = guessing_prior if model == "3pl" else None
    columns = _score_columns(step, items, nodes, data, prior is not None)
    rows, item, _ = _observations(data)

    raw_index = np.arange(m * per_item).reshape(m, per_item)
    estimated = np.zeros((m, per_item), bool)
    estimated[:, 1 : width + 1] = free[:, None] & ~np.isnan(items.d)
    estimated[:, width + 1] = free & (model == "3pl")
    slopes = SLOPES[model]
    estimated[:, 0] = free & (slopes == "free")
    shared_slope = slopes == "common" or (slopes == "fixed" and free.all())

    target = np.full(m * per_item, -1)
    target[raw_index[estimated]] = np.arange(estimated.sum())
    n_params = int(estimated.sum()) + int(shared_slope)
    scale = np.ones(m * per_item)
    if shared_slope:
        target[raw_index[free, 0]] = n_params - 1
        scale[raw_index[:, 0]] = 1.0 if slopes == "common" else 1.0 / sd

    obs_rows = np.repeat(rows, per_item)
    raw_cols = (item[:, None] * per_item + np.arange(per_item)).ravel()
    values = columns.ravel() * scale[raw_cols]
    keep = target[raw_cols] >= 0
    scores = sparse.csr_matrix(
        (values[keep], (obs_rows[keep], target[raw_cols[keep]])), shape=(data.indicator.shape[0], n_params)
    )
    information = (scores.T @ (sparse.diags(data.weights) @ scores)).toarray()
    if prior is not None:
        alpha, beta = prior
        c_cols = target[raw_index[:, width + 1]]
        ok = c_cols >= 0
        information[c_cols[ok], c_cols[ok]] += (alpha + beta - 2) * items.c[ok] * (1 - items.c[ok])
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
        se_a = np.where(free, shared, np.nan)
    se_c = table[:, width + 1] * items.c * (1 - items.c)
    return StandardErrors(se_a, table[:, 1 : width + 1], se_c, shared if slopes == "fixed" else float("nan"))
