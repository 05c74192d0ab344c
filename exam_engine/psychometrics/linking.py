"""Linking two calibrations through common items.

A scale transformation ``theta* = A theta + B`` maps the source scale onto the
target scale.  Item parameters follow (Kolen & Brennan, 2014, ch. 6), in
slope-intercept form:

    a* = a / A,    d*_k = d_k - k a B / A,    c* = c

(``k = 1`` for one-mark items; equivalently ``b* = A b + B``).

* `mean_sigma` - ``A = SD(b_target) / SD(b_source)``, ``B = mean(b_target) - A mean(b_source)``
  over the common one-mark items (Marco, 1977).
* `stocking_lord` - minimises the squared difference of the common items'
  test characteristic curves over a weighted ability grid (Stocking & Lord, 1983).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize

from exam_engine.psychometrics.models import ItemParameters, expected_total_score
from exam_engine.psychometrics.quadrature import Quadrature, normal_grid


class Link(NamedTuple):
    """Slope ``A`` and intercept ``B`` of ``theta_target = A theta_source + B``."""

    slope: float
    intercept: float


def transform(items: ItemParameters, link: Link) -> ItemParameters:
    """Express ``items`` on the target scale (see module docstring)."""
    a_star = items.a / link.slope
    k = np.arange(1, items.d.shape[1] + 1)
    d_star = items.d - k[None, :] * (items.a * link.intercept / link.slope)[:, None]
    return ItemParameters(a_star, d_star, items.c.copy())


def mean_sigma(source: ItemParameters, target: ItemParameters) -> Link:
    """Mean/sigma link from the difficulties ``b = -d / a`` of common one-mark items."""
    b_source = -source.d[:, 0] / source.a
    b_target = -target.d[:, 0] / target.a
    slope = float(np.std(b_target) / np.std(b_source))
    return Link(slope, float(np.mean(b_target) - slope * np.mean(b_source)))


def stocking_lord(source: ItemParameters, target: ItemParameters, grid: Quadrature | None = None) -> Link:
    """Stocking-Lord link: ``argmin_{A,B} sum_q w_q (TCC_target(theta_q) - TCC*_source(theta_q))^2``.

    ``grid`` defaults to 61 nodes on [-6, 6] with N(0, 1) weights on the target
    scale; the mean/sigma link (or the identity for multi-mark items) starts the search.
    """
    grid = grid or normal_grid()
    target_curve = expected_total_score(grid.nodes, target)

    def loss(x: np.ndarray) -> float:
        moved = transform(source, Link(float(x[0]), float(x[1])))
        return float(grid.weights @ (target_curve - expected_total_score(grid.nodes, moved)) ** 2)

    one_mark = source.d.shape[1] == 1
    start = mean_sigma(source, target) if one_mark else Link(1.0, 0.0)
    result = minimize(loss, np.array(start), method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-14})
    return Link(float(result.x[0]), float(result.x[1]))
