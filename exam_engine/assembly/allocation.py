"""Exposure targets per ability class: where each item's share of tests does most good.

With a maximum exposure ``r_max``, an item that is the best at the middle of the scale
can appear in only a quarter (say) of all tests. Whoever reaches it first takes it, so
learners who gain little from it use up a share that others needed more. Instead, the
share is allocated in advance, by the linear program

    maximise    sum_g w_g sum_i x_gi I_i(theta_g)
    subject to  the blueprint's rules on (x_g1 .. x_gm), for every class g (in expectation)
                sum_g w_g x_gi <= r_max                   (each item's overall exposure)
                0 <= x_gi <= 1

where ``x_gi`` is the share of learners of ability class ``g`` whose test holds item
``i``, ``w_g`` the share of learners in the class and ``theta_g`` its mean ability,
both under the N(0, 1) ability distribution of the calibration scale. The solution is
the target exposure of each item in each class: the conditional item-eligibility method
(van der Linden & Veldkamp, 2007) then holds each item near its own target in each class,
in place of one target for every item and class. Being linear, the program solves in
well under a second for a bank of a thousand items, once per bank and blueprint.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.stats import norm

from exam_engine.assembly.constraints import RuleLayout

FloatArray = NDArray[np.float64]


def ability_classes(edges: tuple[float, ...]) -> tuple[FloatArray, FloatArray]:
    """Share of an N(0, 1) population in each class split at ``edges``, and each class's mean."""
    bounds = np.r_[-np.inf, np.asarray(edges, float), np.inf]
    shares = np.diff(norm.cdf(bounds))
    means = (norm.pdf(bounds[:-1]) - norm.pdf(bounds[1:])) / shares
    return shares, means


def exposure_targets(layout: RuleLayout, edges: tuple[float, ...], max_rate: float) -> FloatArray:
    """``(G, m)`` target exposure of every item in every ability class (see the module docstring).

    One class (no edges) gives every item the target ``max_rate``: with nothing to tell
    learners apart there is nothing to allocate. If the program has no solution (the bank
    cannot meet the rules at this exposure even on average) the same uniform targets are
    returned, and the running ceiling of `ExposureControl` still holds the maximum.
    """
    pool = layout.pool
    uniform = np.full((len(edges) + 1, pool.size), max_rate)
    items = np.flatnonzero(layout.usable)
    if not edges or items.size == 0:
        return uniform
    shares, means = ability_classes(edges)
    model = layout.model(items)
    classes, n = shares.size, items.size
    rules = sparse.block_diag([sparse.csr_matrix(model.matrix)] * classes)
    exposure = sparse.hstack([share * sparse.identity(n) for share in shares])
    constraints = [LinearConstraint(rules, np.tile(model.lower, classes), np.tile(model.upper, classes)),
                   LinearConstraint(exposure, 0.0, max_rate)]
    information = pool.information(means)[:, items]  # (G, n)
    result = milp(-(shares[:, None] * information).ravel(), constraints=constraints,
                  bounds=Bounds(0.0, 1.0), integrality=np.zeros(classes * n, np.int64))
    if result.x is None:
        return uniform
    targets = np.zeros_like(uniform)
    targets[:, items] = np.clip(result.x.reshape(classes, n), 0.0, 1.0)
    return targets
