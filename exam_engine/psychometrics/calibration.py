"""Item calibration by marginal maximum likelihood (Bock-Aitkin EM).

`calibrate` fits one model family to a sparse response matrix (NaN = not
administered):

``"2pl"``   slope and intercept per item;
``"1pl"``   one slope shared by all items, ability N(0, 1);
``"rasch"`` slopes fixed at 1, ability N(0, sigma^2) with sigma estimated (as mirt's ``Rasch``);
``"3pl"``   2PL plus a lower asymptote with a Beta prior (MAP for ``c`` only);
``"gpcm"``  generalised partial credit, slope and K intercepts per item;
``"pcm"``   partial credit: GPCM with slopes fixed at 1 and sigma estimated.

Items can be held fixed at known values (``fixed``) so that new items are
calibrated onto the scale of the fixed ones; the ability distribution's mean
and SD are then estimated from the data (fixed-parameter calibration, e.g.
Kim, 2006).  The ability distribution is updated each cycle from posterior
moments (Mislevy, 1984).  Every third cycle the item parameters are
extrapolated by Ramsay's (1975) acceleration, as mirt does; this halves the
number of cycles without changing the fixed point.

Standard errors come from the cross-product of the persons' score vectors
(Bock & Aitkin, 1981, eq. 18; mirt's ``SE.type = "crossprod"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from exam_engine.psychometrics.estep import EStep, ResponseMatrix, e_step
from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.mstep import SLOPES, gpcm_m_step, three_pl_m_step
from exam_engine.psychometrics.quadrature import Quadrature, normal_grid, rescale
from exam_engine.psychometrics.standard_errors import cross_product_standard_errors

FloatArray = NDArray[np.float64]
Progress = Callable[[int, float, float], None]

MODELS = ("rasch", "1pl", "2pl", "3pl", "gpcm", "pcm")
DEFAULT_GUESSING_PRIOR = (5.0, 17.0)
"""Beta(5, 17): mode 0.2, BILOG's default for five-option items (20 p + 1, 20 (1 - p) + 1)."""


@dataclass(frozen=True)
class Calibration:
    """Result of `calibrate`.

    Attributes
    ----------
    items : estimated (and fixed) item parameters.
    se_a, se_d, se_c : standard errors, shaped like ``items.a``, ``items.d``, ``items.c``;
        NaN for parameters that were not estimated.
    mean, sd : mean and SD of the ability distribution (estimated for Rasch / PCM
        and when items were fixed, otherwise 0 and 1).
    se_sd : standard error of ``sd`` where it was estimated as the Rasch slope.
    log_likelihood : marginal log-likelihood at the estimates (without the prior on ``c``).
    iterations, converged : EM cycles used and whether the largest parameter
        change fell below the tolerance.
    """

    model: str
    items: ItemParameters
    se_a: FloatArray
    se_d: FloatArray
    se_c: FloatArray
    mean: float
    sd: float
    se_sd: float
    log_likelihood: float
    iterations: int
    converged: bool


MIN_PERSONS = 30  # below this a fit says more about the sample than the items
MAX_SLOPE = 10.0  # a slope above this (logits per unit of ability) is a step function: not identified
MAX_SLOPE_SE = 5.0


@dataclass(frozen=True)
class FitProblems:
    """Why a fit, or some of its items' estimates, must not be used; in words."""

    overall: list[str]  # the whole fit
    items: dict[int, str]  # item index -> why its estimate is not usable

    def __bool__(self) -> bool:
        return bool(self.overall or self.items)


def fit_problems(fit: Calibration, persons: int) -> FitProblems:
    """Why a fit must not be used: no convergence, too few persons or items to identify it; and
    each item whose slope is negative or zero (it works against the trait: miskeyed or unrelated),
    too steep to be identified, or has a standard error too wide or not finite (too little
    information: every response alike at each ability, or random)."""
    overall = []
    if not fit.converged:
        overall.append(f"EM did not converge in {fit.iterations} cycles")
    if persons < MIN_PERSONS:
        overall.append(f"only {persons} person(s) answered; a calibration needs at least {MIN_PERSONS}")
    if fit.items.a.size < 2:
        overall.append("a single item cannot be calibrated: its slope and the ability scale are not identified")
    items = {}
    for j, (a, se) in enumerate(zip(fit.items.a, fit.se_a)):
        if a <= 0:
            items[j] = f"slope {a:.3g} at or below 0 (miskeyed, or unrelated to the others)"
        elif a > MAX_SLOPE or (not np.isnan(se) and not se <= MAX_SLOPE_SE):
            items[j] = f"slope {a:.3g} with standard error {se:.3g} is not identified by the data"
    return FitProblems(overall, items)


def starting_values(data: ResponseMatrix, model: str) -> ItemParameters:
    """Slopes 1, intercepts ``log(n_k / n_0)`` from the score frequencies, ``c`` at the prior mode.

    Scores above an item's highest observed score do not exist for that item (NaN intercepts).
    """
    counts = data.counts()
    top = (counts > 0).cumsum(axis=1).argmax(axis=1)  # highest observed score of each item
    smoothed = counts + 0.5
    d = np.log(smoothed[:, 1:] / smoothed[:, :1])
    d[np.arange(1, d.shape[1] + 1)[None, :] > top[:, None]] = np.nan
    c = np.full(data.n_items, 0.2) if model == "3pl" else np.zeros(data.n_items)
    return ItemParameters(np.ones(data.n_items), d, c)


def calibrate(
    responses: ArrayLike | ResponseMatrix,
    model: str = "2pl",
    *,
    fixed: ItemParameters | None = None,
    fixed_mask: ArrayLike | None = None,
    quadrature: Quadrature | None = None,
    guessing_prior: tuple[float, float] = DEFAULT_GUESSING_PRIOR,
    tolerance: float = 1e-5,
    max_iterations: int = 2000,
    progress: Progress | None = None,
) -> Calibration:
    """Estimate item parameters by MML-EM (Bock & Aitkin, 1981).

    Parameters
    ----------
    responses : (n, m) integer scores, NaN where not administered, or a `ResponseMatrix`
        (which also carries pattern frequencies).
    model : one of `MODELS`.
    fixed, fixed_mask : item parameters and an (m,) mask of the items to hold at
        those values; the others are estimated on their scale.
    quadrature : standard-normal rule for the integration (default 61 nodes on [-6, 6], as mirt;
        `gauss_hermite` reproduces ltm).
    guessing_prior : Beta(alpha, beta) prior on the 3PL lower asymptote.
    tolerance : stop when no parameter changes by more than this in a cycle.
    progress : called as ``progress(iteration, log_likelihood, max_change)`` each cycle.
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    data = responses if isinstance(responses, ResponseMatrix) else ResponseMatrix.from_dense(responses)
    answered_any = np.diff(data.indicator.indptr) > 0  # persons with no responses tell nothing
    data = ResponseMatrix(data.indicator, data.weights * answered_any, data.n_items, data.max_score)
    if model not in ("gpcm", "pcm") and data.max_score > 1:
        raise ValueError(f"model {model!r} needs 0/1 scores; use gpcm or pcm for multi-mark items")
    grid = quadrature or normal_grid()
    items = starting_values(data, model)
    held = np.zeros(data.n_items, bool) if fixed_mask is None else np.asarray(fixed_mask, bool)
    if held.any():
        items = _merge(items, fixed, held)
    free = ~held
    estimate_mean = bool(held.any())
    estimate_sd = estimate_mean or SLOPES[model] == "fixed"
    mean, sd = 0.0, 1.0

    converged = False
    iteration = 0
    history: list[FloatArray] = []
    for iteration in range(1, max_iterations + 1):
        step = e_step(data, items, rescale(grid, mean, sd))
        new_items = _m_step(step, grid.nodes, items, free, model, guessing_prior)
        history = (history + [_flatten(new_items)])[-3:]
        if len(history) == 3 and iteration % 3 == 0:
            new_items = _unflatten(_ramsay(*history), new_items)
        new_mean, new_sd = _population(step, grid.nodes, data.weights, mean, estimate_mean, estimate_sd)
        change = max(_max_change(items, new_items), abs(new_mean - mean), abs(new_sd - sd))
        items, mean, sd = new_items, new_mean, new_sd
        if progress is not None:
            progress(iteration, step.log_likelihood, change)
        if change < tolerance:
            converged = True
            break

    final = e_step(data, items, rescale(grid, mean, sd))
    errors = cross_product_standard_errors(data, final, items, grid.nodes, free, model, sd, guessing_prior)
    return Calibration(
        model, items, errors.a, errors.d, errors.c, mean, sd, errors.sd,
        final.log_likelihood, iteration, converged,
    )


def _flatten(items: ItemParameters) -> FloatArray:
    """Slopes, intercepts and logit(c) as one vector (NaN intercepts kept in place)."""
    logit_c = np.log(np.clip(items.c, 1e-12, None) / (1 - items.c))
    return np.concatenate([items.a, items.d.ravel(), logit_c])


def _unflatten(vector: FloatArray, like: ItemParameters) -> ItemParameters:
    m, width = like.d.shape
    c = np.where(like.c > 0, 1 / (1 + np.exp(-vector[m + m * width :])), 0.0)
    return ItemParameters(vector[:m], vector[m : m + m * width].reshape(m, width), c)


def _ramsay(older: FloatArray, old: FloatArray, new: FloatArray) -> FloatArray:
    """Ramsay's (1975) acceleration of EM from three successive iterates (as in mirt).

    ``r = 1 - sqrt(|dX_t|^2 / |dX_t - dX_{t-1}|^2)``, bounded below by -5;
    the accelerated iterate is ``(1 - r) X_t + r X_{t-1}``.
    """
    ok = ~np.isnan(new)
    step, previous = (new - old)[ok], (old - older)[ok]
    curvature = np.sum((step - previous) ** 2)
    if curvature == 0:
        return new
    r = max(1 - np.sqrt(np.sum(step**2) / curvature), -5.0)
    moving = ok & (new != old)  # held parameters stay bit-for-bit
    return np.where(moving, (1 - r) * new + r * old, new)


def _merge(start: ItemParameters, fixed: ItemParameters | None, held: NDArray[np.bool_]) -> ItemParameters:
    if fixed is None:
        raise ValueError("fixed_mask given without fixed item parameters")
    width = start.d.shape[1]
    fixed_d = np.full((fixed.n_items, width), np.nan)
    columns = min(width, fixed.d.shape[1])
    fixed_d[:, :columns] = fixed.d[:, :columns]
    return ItemParameters(
        np.where(held, fixed.a, start.a),
        np.where(held[:, None], fixed_d, start.d),
        np.where(held, fixed.c, start.c),
    )


def _m_step(
    step: EStep,
    nodes: FloatArray,
    items: ItemParameters,
    free: NDArray[np.bool_],
    model: str,
    guessing_prior: tuple[float, float],
) -> ItemParameters:
    if model == "3pl":
        a, d, c = three_pl_m_step(step.expected, nodes, items.a, items.d[:, 0], items.c, free, guessing_prior)
        return ItemParameters(a, d[:, None], c)
    a, d = gpcm_m_step(step.expected, nodes, items.a, items.d, free, SLOPES[model])
    return ItemParameters(a, d, items.c)


def _population(
    step: EStep, nodes: FloatArray, weights: FloatArray, mean: float, estimate_mean: bool, estimate_sd: bool
) -> tuple[float, float]:
    """Mean and SD of the ability distribution from posterior moments (Mislevy, 1984)."""
    if not estimate_sd:
        return mean, 1.0
    mass = weights @ step.posterior  # (Q,)
    new_mean = float(mass @ nodes / mass.sum()) if estimate_mean else 0.0
    variance = float(mass @ (nodes - new_mean) ** 2 / mass.sum())
    return new_mean, float(np.sqrt(variance))


def _max_change(old: ItemParameters, new: ItemParameters) -> float:
    diffs = [np.abs(new.a - old.a), np.abs(new.d - old.d), np.abs(new.c - old.c)]
    return float(max(np.nanmax(x) if x.size else 0.0 for x in diffs))
