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
* `haebara` - minimises the summed squared differences of the common items'
  category response curves, item by item, over a weighted grid (Haebara, 1980;
  for multi-mark items summed over every score, Kim & Lee, 2006).

Both characteristic-curve methods take ``symmetric=True`` for the criterion of
Kim & Kolen (2007) and Kolen's STUIRT (``SY BI BI``): the target-scale
criterion on ``grid`` plus the same criterion on the source scale
(``source_grid``, the target items moved back by the inverse link).  Weights
of each grid sum to 1, which is STUIRT's standardised criterion.  With the
common items of Kolen & Brennan (2014, Table 6.5; D = 1.7) and STUIRT's
example 1 ability distributions, the symmetric links are Stocking-Lord
A = 1.083417, B = -0.487619 and Haebara A = 1.0678, B = -0.471281 (STUIRT's
output, as quoted by jMetrik's tests); for STUIRT example 2 (12 3PL and 5 GPCM
anchors, 25 equally weighted points on [-3, 3]) Stocking-Lord gives A = 0.815445,
B = -0.456487.  `tests/psychometrics/test_linking_equating.py` reproduces them
to 1e-6.

* `anchor_drift` - checks anchor items calibrated on two occasions: after the
  link, each anchor's difficulty difference gets a robust z (Huynh & Meyer,
  2010), or the weighted root mean squared difference of its expected-score
  curves is measured; the worst anchor beyond the criterion is dropped and the
  link recomputed until none is (iterative purification).

References
----------
Haebara, T. (1980). Equating logistic ability scales by a weighted least squares method.
    Japanese Psychological Research, 22, 144-149.
Huynh, H., & Meyer, P. (2010). Use of robust z in detecting unstable items in item response
    theory models. Practical Assessment, Research & Evaluation, 15(2).
Kim, S., & Kolen, M. J. (2007). Effects on scale linking of different definitions of criterion
    functions for the IRT characteristic curve methods. JEBS, 32, 371-397.
Kim, S., & Lee, W.-C. (2006). An extension of four IRT linking methods for mixed-format tests.
    Journal of Educational Measurement, 43, 53-76.
Kolen, M. J., & Brennan, R. L. (2014). Test equating, scaling, and linking (3rd ed.), ch. 6.
Stocking, M. L., & Lord, F. M. (1983). Developing a common metric in item response theory.
    Applied Psychological Measurement, 7, 201-210.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from exam_engine.psychometrics.models import (
    ItemParameters,
    category_probability,
    expected_scores,
    expected_total_score,
)
from exam_engine.psychometrics.quadrature import Quadrature, normal_grid

FloatArray = NDArray[np.float64]


class Link(NamedTuple):
    """Slope ``A`` and intercept ``B`` of ``theta_target = A theta_source + B``."""

    slope: float
    intercept: float


def transform(items: ItemParameters, link: Link) -> ItemParameters:
    """Express ``items`` on the target scale (see module docstring; graded response items,
    whose intercepts each belong to one boundary curve, take ``k = 1`` for every score)."""
    a_star = items.a / link.slope
    k = np.where(items.is_graded[:, None], 1, np.arange(1, items.d.shape[1] + 1)[None, :])
    d_star = items.d - k * (items.a * link.intercept / link.slope)[:, None]
    return items.replace(a=a_star, d=d_star, c=items.c.copy())


def mean_sigma(source: ItemParameters, target: ItemParameters) -> Link:
    """Mean/sigma link from the difficulties ``b = -d / a`` of common one-mark items."""
    if np.any(source.max_scores > 1) or np.any(target.max_scores > 1):
        raise ValueError("mean/sigma links on one-mark items only")
    b_source = -source.d[:, 0] / source.a
    b_target = -target.d[:, 0] / target.a
    slope = float(np.std(b_target) / np.std(b_source))
    return Link(slope, float(np.mean(b_target) - slope * np.mean(b_source)))


def inverse(link: Link) -> Link:
    """The link back: ``theta_source = (theta_target - B) / A``."""
    return Link(1.0 / link.slope, -link.intercept / link.slope)


Loss = Callable[[FloatArray, FloatArray, ItemParameters, ItemParameters], float]


def _tcc_loss(nodes: FloatArray, weights: FloatArray, fixed: ItemParameters, moved: ItemParameters) -> float:
    difference = expected_total_score(nodes, fixed) - expected_total_score(nodes, moved)
    return float(weights @ difference**2)


def _icc_loss(nodes: FloatArray, weights: FloatArray, fixed: ItemParameters, moved: ItemParameters) -> float:
    difference = category_probability(nodes, fixed) - category_probability(nodes, moved)
    return float(weights @ (difference**2).sum(axis=(1, 2)))


def _characteristic_curve(
    source: ItemParameters, target: ItemParameters, loss: Loss, grid: Quadrature | None,
    symmetric: bool, source_grid: Quadrature | None,
) -> Link:
    grid = grid or normal_grid()
    back = source_grid or grid

    def criterion(x: FloatArray) -> float:
        if x[0] <= 0:
            return float("inf")
        link = Link(float(x[0]), float(x[1]))
        value = loss(grid.nodes, grid.weights, target, transform(source, link))
        if symmetric:
            value += loss(back.nodes, back.weights, source, transform(target, inverse(link)))
        return value

    one_mark = bool(np.all(source.max_scores == 1) and np.all(target.max_scores == 1)) and source.n_items > 1
    with np.errstate(divide="ignore", invalid="ignore"):
        start = mean_sigma(source, target) if one_mark else Link(1.0, 0.0)
    if not (np.isfinite(start.slope) and start.slope > 0 and np.isfinite(start.intercept)):
        start = Link(1.0, 0.0)
    result = minimize(criterion, np.array(start), method="Nelder-Mead",
                      options={"xatol": 1e-9, "fatol": 1e-15, "maxiter": 4000})
    return Link(float(result.x[0]), float(result.x[1]))


def stocking_lord(
    source: ItemParameters, target: ItemParameters, grid: Quadrature | None = None, *, symmetric: bool = False,
    source_grid: Quadrature | None = None,
) -> Link:
    """Stocking-Lord link: ``argmin_{A,B} sum_q w_q (TCC_target(theta_q) - TCC*_source(theta_q))^2``.

    ``grid`` defaults to 61 nodes on [-6, 6] with N(0, 1) weights on the target
    scale; the mean/sigma link (or the identity for multi-mark items) starts the search.
    ``symmetric`` adds the criterion on the source scale (``source_grid``,
    default ``grid``): see the module docstring.
    """
    return _characteristic_curve(source, target, _tcc_loss, grid, symmetric, source_grid)


def haebara(
    source: ItemParameters, target: ItemParameters, grid: Quadrature | None = None, *, symmetric: bool = False,
    source_grid: Quadrature | None = None,
) -> Link:
    """Haebara (1980) link: ``argmin_{A,B} sum_q w_q sum_j sum_k (P_jk(theta_q) - P*_jk(theta_q))^2``.

    ``P`` are the common items' category probabilities on the target scale and
    ``P*`` those of the source items moved by the link; every score ``k`` of
    every item counts (Kim & Lee, 2006; as STUIRT), so a one-mark item's squared
    difference counts twice (on an all one-mark test the minimiser is Haebara's
    original).  Defaults as
    `stocking_lord`; ``symmetric`` is Haebara's own two-sided criterion.

    Parameters
    ----------
    source, target : the same common items, calibrated on the source and the target scale.
    grid : nodes and weights (summing to 1) on the target scale.
    symmetric : add the criterion on the source scale over ``source_grid`` (default ``grid``).

    Returns
    -------
    The `Link` from the source scale onto the target scale.
    """
    return _characteristic_curve(source, target, _icc_loss, grid, symmetric, source_grid)


LinkMethod = Callable[[ItemParameters, ItemParameters], Link]
METHODS: dict[str, LinkMethod] = {"stocking-lord": stocking_lord, "haebara": haebara, "mean-sigma": mean_sigma}


def location(items: ItemParameters) -> FloatArray:
    """Each item's location in logits: ``b = -d / a`` for one-mark items, the mean step
    difficulty ``-d_K / (a K)`` for GPCM items (Muraki, 1992) and the mean threshold
    ``mean_k(-d_k / a)`` for graded items; each moves as ``A b + B`` under a link."""
    k = items.max_scores
    last = items.d[np.arange(items.n_items), k - 1]
    located: FloatArray = np.where(items.is_graded, -np.nanmean(items.d, axis=1) / items.a, -last / (items.a * k))
    return located


class DriftReport(NamedTuple):
    """Outcome of `anchor_drift`.

    Attributes
    ----------
    link : the link from the anchors kept.
    kept : (m,) True for the anchors the final link used.
    difference : (m,) target location minus linked source location (logits).
    statistic : (m,) robust z of the difference, or the weighted RMSD of the
        expected-score curves (as a share of the item's maximum mark), under the final link.
    dropped : the anchors dropped, in the order they were dropped.
    """

    link: Link
    kept: NDArray[np.bool_]
    difference: FloatArray
    statistic: FloatArray
    dropped: list[int]


def robust_z(values: FloatArray, reference: NDArray[np.bool_] | None = None) -> FloatArray:
    """``(x - median) / (0.74 IQR)`` (Huynh & Meyer, 2010), the median and interquartile range
    taken over ``values[reference]`` (default all); NaN when that IQR is (numerically) 0."""
    basis = values if reference is None else values[reference]
    q1, median, q3 = np.percentile(basis, [25, 50, 75])
    spread = 0.74 * (q3 - q1)
    if spread <= 1e-9:
        return np.full(values.shape, np.nan)
    z: FloatArray = (values - median) / spread
    return z


def _rmsd(source: ItemParameters, target: ItemParameters, link: Link, grid: Quadrature) -> FloatArray:
    moved = transform(source, link)
    squared = (expected_scores(grid.nodes, target) - expected_scores(grid.nodes, moved)) ** 2
    rmsd: FloatArray = np.sqrt(grid.weights @ squared) / target.max_scores
    return rmsd


def anchor_drift(
    source: ItemParameters, target: ItemParameters, method: LinkMethod = stocking_lord, criterion: str = "robust-z",
    threshold: float | None = None, min_anchors: int = 4, grid: Quadrature | None = None,
    min_difference: float = 0.05,
) -> DriftReport:
    """Find anchor items whose parameters moved between two calibrations, drop them and re-link.

    Each round links on the anchors still kept, then measures every anchor under that link:

    * ``"robust-z"`` - ``d_j = location_target - (A location_source + B)`` and its
      robust z, median and IQR over all anchors (Huynh & Meyer, 2010); flagged
      when ``|z| > threshold`` (default 1.645, their criterion: about 10% of
      stable anchors exceed it by chance, so it is a screen for review, not a
      verdict) and ``|d_j| > min_difference`` logits (default 0.05, a guard of
      this module against flagging negligible differences among very consistent anchors);
    * ``"rmsd"`` - ``sqrt(sum_q w_q (E_target_j - E*_source_j)^2) / K_j``, the
      weighted root mean squared difference of the item's expected-score curves
      on the target scale, as a share of its maximum mark; flagged above
      ``threshold`` (default 0.05).

    The most extreme flagged anchor is dropped and the link recomputed, one
    anchor at a time, until none is flagged or ``min_anchors`` remain.

    Parameters
    ----------
    source, target : the m anchors' parameters from the two calibrations.
    method : the link (`stocking_lord`, `haebara` or `mean_sigma`).
    grid : the target-scale grid of the RMSD (default N(0, 1), 61 nodes).

    Returns
    -------
    A `DriftReport`; the statistics are those under the final link.
    """
    if criterion not in ("robust-z", "rmsd"):
        raise ValueError(f"unknown drift criterion {criterion!r}: use 'robust-z' or 'rmsd'")
    limit = threshold if threshold is not None else (1.645 if criterion == "robust-z" else 0.05)
    grid = grid or normal_grid()
    kept = np.ones(source.n_items, dtype=bool)
    dropped: list[int] = []
    while True:
        link = method(source.subset(kept), target.subset(kept))
        difference = location(target) - (link.slope * location(source) + link.intercept)
        if criterion == "robust-z":  # median and IQR of all anchors: robust already, and no cascade of drops
            statistic = robust_z(difference)
            size = np.where(np.abs(difference) > min_difference, np.abs(np.nan_to_num(statistic)), 0.0)
        else:
            statistic = _rmsd(source, target, link, grid)
            size = statistic
        candidates = np.where(kept & (size > limit), size, -np.inf)
        if kept.sum() <= min_anchors or not np.isfinite(candidates.max()):
            return DriftReport(link, kept, difference, statistic, dropped)
        worst = int(np.argmax(candidates))
        kept[worst] = False
        dropped.append(worst)
