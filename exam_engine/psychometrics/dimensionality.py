"""Local dependence (Yen's Q3) and unidimensionality (the limited-information M2 and its RMSEA).

Yen's Q3 (Yen, 1984).  With ``E_ij`` the model's expected score of person i on item j at
their ability estimate, the residual is ``r_ij = x_ij - E_ij`` and ``Q3_jk`` is the Pearson
correlation of the residuals of items j and k over the persons given both.  Under local
independence Q3 is near ``-1 / (m - 1)``, not 0, and its spread depends on the test, so no
fixed cut works; Christensen, Makransky & Horton (2017, Applied Psychological Measurement
41(3)) judge each Q3 against the average of all of them: a pair is flagged when
``Q3_jk - mean(Q3) > Q3_CRITERION`` (0.2), the usual sign of items that share a stimulus
(a scenario, a passage) or where one item cues the other.  Only positive departures are
flagged: that is the direction a shared stimulus pushes.  Pairs given together to fewer than
``MIN_PAIR_PERSONS`` persons get no Q3: its sampling error is about ``1 / sqrt(n)`` (0.1 at
100), so below that the 0.2 criterion is mostly noise; even above it, one flag among many
pairs can be chance, which is why a flag asks for a look at the items, not an automatic action.

M2 (Maydeu-Olivares & Joe, 2005, 2006), for one-mark items and complete data.  The moments
are the univariate and bivariate proportions correct, ``pi = (P(x_j = 1), P(x_j = x_k = 1))``
(``s = m + m(m - 1) / 2`` of them), observed ``p``.  With ``Xi`` the covariance matrix of
the moment indicators under the model, ``Delta = d pi / d gamma`` (``s x q``, q estimated
parameters) and ``Delta_c`` an orthogonal complement of ``Delta`` (``Delta_c' Delta = 0``)::

    C = Delta_c (Delta_c' Xi Delta_c)^-1 Delta_c'
    M2 = N (p - pi)' C (p - pi)          on s - q degrees of freedom
    RMSEA2 = sqrt(max(M2 - df, 0) / (N df))

M2 tests the whole unidimensional model with the second-order margins, where a second
dimension (items that hang together beyond the common ability) shows first.  The criterion
(Maydeu-Olivares & Joe, 2014, Multivariate Behavioral Research 49(4)): RMSEA2 at most
``RMSEA_CLOSE`` (0.05) is close fit, at most ``RMSEA_ADEQUATE`` (0.089) adequate; above it
the single ability does not account for the items' associations (look for a second
dimension or dependent items).  The p-value of M2 is reported too, but with large samples
it rejects trivial misfit, which is why the RMSEA carries the decision.  The integrals use
the quadrature grid (standard normal ability); a Rasch fit whose ability SD was estimated
is passed with the slopes scaled to that SD.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import null_space
from scipy.stats import chi2

from exam_engine.psychometrics.models import ItemParameters, category_probability, expected_scores
from exam_engine.psychometrics.quadrature import Quadrature, normal_grid

FloatArray = NDArray[np.float64]
Q3_CRITERION = 0.2  # Q3 above the mean Q3 by more than this flags a pair (Christensen et al., 2017)
MIN_PAIR_PERSONS = 100  # persons given both items before their Q3 is computed (its SE is about 1 / sqrt(n))
RMSEA_CLOSE, RMSEA_ADEQUATE = 0.05, 0.089  # Maydeu-Olivares & Joe (2014)
MODELS = ("rasch", "1pl", "rasch-fixed", "2pl", "3pl", "4pl", "fixed")  # per item: which parameters were estimated


class LocalDependence(NamedTuple):
    """Q3 of every pair asked about: ``pairs`` ``(p, 2)`` item positions, ``q3`` and ``excess``
    (Q3 less the mean Q3) ``(p,)``, ``persons`` given both ``(p,)``, ``flagged`` ``(p,)``;
    ``mean`` is the mean of every estimable Q3 of the test (NaN if none)."""

    pairs: NDArray[np.intp]
    q3: FloatArray
    excess: FloatArray
    persons: NDArray[np.int64]
    flagged: NDArray[np.bool_]
    mean: float


def q3_matrix(responses: ArrayLike, theta: ArrayLike, items: ItemParameters,
              min_persons: int = MIN_PAIR_PERSONS) -> tuple[FloatArray, NDArray[np.int64]]:
    """Yen's Q3 for every pair of items, ``(m, m)`` (NaN on the diagonal and where fewer than
    `min_persons` were given both), and the number given both, ``(m, m)``.

    Parameters
    ----------
    responses : (n, m) scores, NaN where not given.
    theta : (n,) ability estimates (EAP, as mirt's ``residuals(type = "Q3")``).
    items : the m items.
    """
    responses = np.asarray(responses, float)
    theta = np.asarray(theta, float)
    if responses.ndim != 2 or responses.shape != (theta.size, items.n_items):
        raise ValueError(f"responses must be (persons, items) = ({theta.size}, {items.n_items}); "
                         f"got {responses.shape}")
    given = (~np.isnan(responses)).astype(float)
    residual = np.where(given > 0, np.nan_to_num(responses) - expected_scores(theta, items), 0.0)
    both = given.T @ given
    with np.errstate(divide="ignore", invalid="ignore"):
        sums = residual.T @ given  # [j, k]: sum of j's residuals over persons given j and k
        squares = (residual**2).T @ given
        products = residual.T @ residual
        mean_j, mean_k = sums / both, sums.T / both
        covariance = products / both - mean_j * mean_k
        variance_j, variance_k = squares / both - mean_j**2, squares.T / both - mean_k**2
        q3 = covariance / np.sqrt(variance_j * variance_k)
    usable = (both >= max(min_persons, 2)) & (variance_j > 0) & (variance_k > 0)
    np.fill_diagonal(usable, False)
    return np.where(usable, q3, np.nan), both.astype(np.int64)


def local_dependence(responses: ArrayLike, theta: ArrayLike, items: ItemParameters,
                     pairs: ArrayLike | None = None, criterion: float = Q3_CRITERION,
                     min_persons: int = MIN_PAIR_PERSONS) -> LocalDependence:
    """Q3 of the given `pairs` (``(p, 2)`` item positions; every pair by default), each judged
    against the mean Q3 of the whole test (see module docstring)."""
    q3, both = q3_matrix(responses, theta, items, min_persons)
    upper = np.triu(np.isfinite(q3), 1)
    mean = float(q3[upper].mean()) if upper.any() else float("nan")
    if pairs is None:
        chosen = np.argwhere(np.triu(np.ones(q3.shape, bool), 1))
    else:
        chosen = np.asarray(pairs, np.intp).reshape(-1, 2)
    values = q3[chosen[:, 0], chosen[:, 1]] if chosen.size else np.zeros(0)
    excess = values - mean
    with np.errstate(invalid="ignore"):
        flagged = np.isfinite(excess) & (excess > criterion)
    return LocalDependence(chosen, values, excess, both[chosen[:, 0], chosen[:, 1]] if chosen.size
                           else np.zeros(0, np.int64), flagged, mean)


class LimitedInformationFit(NamedTuple):
    """M2 with its degrees of freedom, p-value and RMSEA2, from ``persons`` complete rows."""

    m2: float
    df: int
    p_value: float
    rmsea: float
    persons: int

    @property
    def verdict(self) -> str:
        """The RMSEA2 criterion in words (Maydeu-Olivares & Joe, 2014)."""
        if self.rmsea <= RMSEA_CLOSE:
            return f"close fit (RMSEA2 at most {RMSEA_CLOSE})"
        if self.rmsea <= RMSEA_ADEQUATE:
            return f"adequate fit (RMSEA2 at most {RMSEA_ADEQUATE})"
        return f"poor fit (RMSEA2 above {RMSEA_ADEQUATE}): one ability does not explain the items' associations"


def _moments(items: ItemParameters, grid: Quadrature, first: NDArray[np.intp],
             second: NDArray[np.intp]) -> FloatArray:
    """Model univariate and bivariate proportions correct, ``(s,)``."""
    p = category_probability(grid.nodes, items)[:, :, 1]
    return np.concatenate([grid.weights @ p[:, first], grid.weights @ (p[:, second[:, 0]] * p[:, second[:, 1]])])


def _xi(items: ItemParameters, grid: Quadrature, members: NDArray[np.bool_], moments: FloatArray,
        chunk: int = 64) -> FloatArray:
    """Covariance of the moment indicators: ``E[y_a y_b] - pi_a pi_b``; the product of two moment
    indicators is the indicator that every item in the union of their sets is right."""
    log_p = np.log(np.clip(category_probability(grid.nodes, items)[:, :, 1], 1e-300, None))  # (Q, m)
    s = members.shape[0]
    joint = np.empty((s, s))
    for start in range(0, s, chunk):
        union = members[start:start + chunk, None, :] | members[None, :, :]  # (c, s, m)
        joint[start:start + chunk] = np.exp(union.astype(float) @ log_p.T) @ grid.weights
    return joint - np.outer(moments, moments)


def m2(responses: ArrayLike, items: ItemParameters, model: str | Sequence[str],
       grid: Quadrature | None = None) -> LimitedInformationFit:
    """M2 and RMSEA2 of a unidimensional fit to complete 0/1 data (see module docstring).

    Parameters
    ----------
    responses : (n, m) complete 0/1 data.
    items : the fitted one-mark items (abilities N(0, 1) on `grid`).
    model : which parameters were estimated, for all items or one per item: "rasch" / "1pl"
        (the intercept, and one slope common to all such items), "rasch-fixed" (the intercept only),
        "2pl" (slope and intercept),
        "3pl" (and the lower asymptote), "4pl" (and the upper asymptote), "fixed" (none: parameters
        not estimated from these data).
    """
    responses = np.asarray(responses, float)
    m = items.n_items
    if responses.ndim != 2 or responses.shape[1] != m:
        raise ValueError(f"responses need {m} columns, one per item")
    if np.isnan(responses).any() or not np.isin(responses, (0.0, 1.0)).all():
        raise ValueError("M2 needs complete 0/1 data (every person given every item)")
    if (items.max_scores != 1).any():
        raise ValueError("M2 here is for one-mark items")
    if m < 3:
        raise ValueError("M2 needs at least three items")
    models = [model] * m if isinstance(model, str) else list(model)
    unknown = sorted(set(models) - set(MODELS))
    if len(models) != m or unknown:
        raise ValueError(f"model must be one of {', '.join(MODELS)} (for all items or one per item); got {unknown}")
    grid = grid or normal_grid()
    first = np.arange(m)
    second = np.argwhere(np.triu(np.ones((m, m), bool), 1))
    members = np.zeros((m + second.shape[0], m), bool)
    members[first, first] = True
    members[m + np.arange(second.shape[0]), second[:, 0]] = True
    members[m + np.arange(second.shape[0]), second[:, 1]] = True
    moments = _moments(items, grid, first, second)
    delta = _jacobian(items, models, grid, first, second)
    n = responses.shape[0]
    pairs_right = responses[:, second[:, 0]] * responses[:, second[:, 1]]
    observed = np.concatenate([responses.mean(axis=0), pairs_right.mean(axis=0)])
    complement = null_space(delta.T) if delta.size else np.eye(moments.size)
    xi = _xi(items, grid, members, moments)
    inner = complement.T @ xi @ complement
    residual = complement.T @ (observed - moments)
    statistic = float(n * residual @ np.linalg.solve(inner, residual))
    df = int(moments.size - delta.shape[1])
    rmsea = float(np.sqrt(max(statistic - df, 0.0) / (n * df))) if df > 0 else float("nan")
    return LimitedInformationFit(statistic, df, float(chi2.sf(statistic, df)) if df > 0 else float("nan"), rmsea, n)


def _jacobian(items: ItemParameters, models: list[str], grid: Quadrature, first: NDArray[np.intp],
              second: NDArray[np.intp], step: float = 1e-5) -> FloatArray:
    """``d pi / d gamma`` by central differences, one column per estimated parameter (directions in
    the order a, d, c, u)."""
    m = items.n_items
    zero = np.zeros(m)
    directions: list[tuple[FloatArray, ...]] = []
    common = np.isin(np.array(models), ("rasch", "1pl"))
    if common.any():
        directions.append((common.astype(float), zero, zero, zero))
    for j, name in enumerate(models):
        unit = np.zeros(m)
        unit[j] = 1.0
        if name != "fixed":
            directions.append((zero, unit, zero, zero))
        if name in ("2pl", "3pl", "4pl"):
            directions.append((unit, zero, zero, zero))
        if name in ("3pl", "4pl"):
            directions.append((zero, zero, unit, zero))
        if name == "4pl":
            directions.append((zero, zero, zero, unit))

    def moved(sign: float, da: FloatArray, dd: FloatArray, dc: FloatArray, du: FloatArray) -> FloatArray:
        shifted = items.replace(a=items.a + sign * step * da, d=items.d + sign * step * dd[:, None],
                                c=items.c + sign * step * dc, u=items.upper + sign * step * du)
        return _moments(shifted, grid, first, second)

    columns = [(moved(1.0, *direction) - moved(-1.0, *direction)) / (2 * step) for direction in directions]
    return np.column_stack(columns) if columns else np.zeros((first.size + second.shape[0], 0))
