"""Simulating responses, for parameter-recovery tests and benchmarks.

Scores are drawn from the category probabilities of `models`
(``X = #{u > cumulative P}`` for one uniform ``u`` per response), and
`random_design` picks which items each person takes, like a sparse adaptive
or linear-on-the-fly bank.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from exam_engine.psychometrics.models import ItemParameters, category_probability

FloatArray = NDArray[np.float64]


def random_design(n_persons: int, n_items: int, per_person: int, rng: np.random.Generator) -> NDArray[np.bool_]:
    """``(n, m)`` mask: each person takes ``per_person`` items chosen uniformly at random."""
    chosen = np.argsort(rng.random((n_persons, n_items)), axis=1)[:, :per_person]
    mask = np.zeros((n_persons, n_items), bool)
    mask[np.arange(n_persons)[:, None], chosen] = True
    return mask


def simulate_responses(
    theta: FloatArray, items: ItemParameters, rng: np.random.Generator, administered: NDArray[np.bool_] | None = None
) -> FloatArray:
    """Scores ``(n, m)`` for abilities ``theta``; NaN where ``administered`` is False."""
    scores = np.full((theta.size, items.n_items), np.nan)
    rows, cols = np.nonzero(np.ones_like(scores, bool) if administered is None else administered)
    for start in range(0, theta.size, 2000):  # bound memory: (chunk, m, K + 1) probabilities
        block = (rows >= start) & (rows < start + 2000)
        p = category_probability(theta[start : start + 2000], items)[rows[block] - start, cols[block]]
        cumulative = np.cumsum(p, axis=1)[:, :-1]
        scores[rows[block], cols[block]] = (rng.random(len(cumulative))[:, None] > cumulative).sum(axis=1)
    return scores
