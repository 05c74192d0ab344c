"""Expectation step of Bock-Aitkin EM on sparse response data.

Responses are held as a sparse 0/1 indicator matrix ``S`` with one column per
(item, score) pair, so that for all persons at once (Bock & Aitkin, 1981)::

    log L_i(theta_q) = sum_j log P_j(x_ij | theta_q)  =  (S @ log P)[i, q]
    posterior_iq     = L_i(theta_q) w_q / sum_r L_i(theta_r) w_r
    r_jkq            = sum_i f_i [x_ij = k] posterior_iq  =  (S^T @ (f * posterior))

where ``f_i`` are person weights (pattern frequencies).  Items a person was not
given contribute nothing, so missing-by-design data cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from exam_engine.psychometrics.models import ItemParameters, category_log_probability
from exam_engine.psychometrics.quadrature import Quadrature

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ResponseMatrix:
    """Scores of ``n`` persons on ``m`` items in indicator form.

    Attributes
    ----------
    indicator : (n, m * (K + 1)) CSR matrix; column ``j * (K + 1) + k`` is 1 where person scored k on item j.
    weights : (n,) person weights (frequencies of response patterns).
    n_items, max_score : m and the largest score K in the data.
    """

    indicator: sparse.csr_matrix
    weights: FloatArray
    n_items: int
    max_score: int

    @classmethod
    def from_dense(cls, responses: ArrayLike, weights: ArrayLike | None = None) -> ResponseMatrix:
        """Build from an (n, m) array of integer scores with NaN where not administered."""
        responses = np.asarray(responses, dtype=float)
        n, m = responses.shape
        rows, cols = np.nonzero(~np.isnan(responses))
        values = responses[rows, cols]
        if np.any(values < 0) or np.any(values != np.floor(values)):
            raise ValueError("scores must be whole numbers 0, 1, 2, ... (NaN where not administered)")
        scores = values.astype(np.int64)
        max_score = int(scores.max()) if scores.size else 1
        width = max_score + 1
        indicator = sparse.csr_matrix(
            (np.ones(rows.size), (rows, cols * width + scores)), shape=(n, m * width)
        )
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        return cls(indicator, w, m, max_score)

    def counts(self) -> FloatArray:
        """Weighted number of persons at each score of each item, ``(m, K + 1)``."""
        totals = self.indicator.T @ self.weights
        return np.asarray(totals).reshape(self.n_items, self.max_score + 1)


@dataclass(frozen=True)
class EStep:
    """Result of one expectation step.

    Attributes
    ----------
    posterior : (n, Q) posterior weights of each person at each node.
    expected : (m, K + 1, Q) expected number of persons at each node giving each score.
    log_likelihood : marginal log-likelihood ``sum_i f_i log sum_q L_i(theta_q) w_q``.
    """

    posterior: FloatArray
    expected: FloatArray
    log_likelihood: float


def node_log_probability(items: ItemParameters, nodes: FloatArray, max_score: int) -> FloatArray:
    """``log P_j(k | theta_q)`` laid out as ``(m * (K + 1), Q)`` to match the indicator columns."""
    log_p = category_log_probability(nodes, items)  # (Q, m, K_items + 1)
    padded = np.full((nodes.size, items.n_items, max_score + 1), -np.inf)
    padded[:, :, : log_p.shape[2]] = log_p[:, :, : max_score + 1]
    table = padded.reshape(nodes.size, -1).T
    return np.where(np.isfinite(table), table, -1e300)


def person_log_likelihood(data: ResponseMatrix, items: ItemParameters, nodes: FloatArray) -> FloatArray:
    """``log L_i(theta_q)`` for every person and node, ``(n, Q)``."""
    return np.asarray(data.indicator @ node_log_probability(items, nodes, data.max_score))


def e_step(data: ResponseMatrix, items: ItemParameters, quadrature: Quadrature) -> EStep:
    """Posterior weights and expected counts at the quadrature nodes (Bock & Aitkin, 1981)."""
    log_joint = person_log_likelihood(data, items, quadrature.nodes) + np.log(quadrature.weights)
    top = log_joint.max(axis=1, keepdims=True)
    posterior = np.exp(log_joint - top)
    total = posterior.sum(axis=1, keepdims=True)
    posterior /= total
    log_marginal = (top + np.log(total))[:, 0]
    expected = np.asarray(data.indicator.T @ (posterior * data.weights[:, None]))
    shape = (data.n_items, data.max_score + 1, quadrature.nodes.size)
    return EStep(posterior, expected.reshape(shape), float(data.weights @ log_marginal))
