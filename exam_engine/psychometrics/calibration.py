"""Item calibration by marginal maximum likelihood (Bock-Aitkin EM).

`calibrate` fits one model family to a sparse response matrix (NaN = not
administered):

``"2pl"``   slope and intercept per item;
``"1pl"``   one slope shared by all items, ability N(0, 1);
``"rasch"`` slopes fixed at 1, ability N(0, sigma^2) with sigma estimated (as mirt's ``Rasch``);
``"3pl"``   2PL plus a lower asymptote with a Beta prior (MAP for ``c`` only);
``"4pl"``   3PL plus an upper asymptote ``u`` with a Beta prior (Barton & Lord, 1981);
``"gpcm"``  generalised partial credit, slope and K intercepts per item;
``"pcm"``   partial credit: GPCM with slopes fixed at 1 and sigma estimated;
``"grm"``   graded response (Samejima, 1969), slope and K decreasing intercepts per item, as
            mirt's ``graded``;
``"grm-equal"`` graded response with one slope shared by all items (ltm's ``grm(constrained = TRUE)``);
``"rasch-fixed"`` slopes fixed at 1 and ability N(0, 1): the variance is not estimated
            (ltm's ``rasch(data, constraint = cbind(m + 1, 1))``).

``model`` may also be a list with one of ``"2pl"``, ``"3pl"``, ``"4pl"``, ``"gpcm"``, ``"grm"`` per item,
so that one-mark and multi-mark items are calibrated together on one scale (e.g. 3PL for the
one-mark items and GPCM for the others); the fit's ``model`` is then ``"mixed"``.

Single parameters of any item can be held at given values (``fix``, e.g.
``{(4, "c"): 0.1}``); their standard errors are NaN.

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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from exam_engine.psychometrics.estep import EStep, ResponseMatrix, e_step
from exam_engine.psychometrics.models import ItemParameters
from exam_engine.psychometrics.mstep import SLOPES, four_pl_m_step, gpcm_m_step, grm_m_step, three_pl_m_step
from exam_engine.psychometrics.quadrature import Quadrature, normal_grid, rescale
from exam_engine.psychometrics.standard_errors import cross_product_standard_errors

FloatArray = NDArray[np.float64]
Progress = Callable[[int, float, float], None]
FixedValues = Mapping[tuple[int, str], float]
"""Single parameters to hold: ``{(item index, name): value}`` with name ``a``, ``d`` (= ``d1``),
``d1``..``dK``, ``c`` or ``u``."""

MODELS = ("rasch", "rasch-fixed", "1pl", "2pl", "3pl", "4pl", "gpcm", "pcm", "grm", "grm-equal")
MULTI_MARK_MODELS = ("gpcm", "pcm", "grm", "grm-equal")
GRADED_MODELS = ("grm", "grm-equal")
ITEM_MODELS = ("2pl", "3pl", "4pl", "gpcm", "grm")
"""The models that can be chosen item by item (each item's own slope)."""
SD_ESTIMATED_MODELS = ("rasch", "pcm")  # slopes fixed at 1, so the ability SD carries the common slope
DEFAULT_GUESSING_PRIOR = (5.0, 17.0)
"""Beta(5, 17): mode 0.2, BILOG's default for five-option items (20 p + 1, 20 (1 - p) + 1)."""
DEFAULT_UPPER_PRIOR = (20.0, 2.0)
"""Beta(20, 2) on the 4PL's upper asymptote: mode 0.95, mean 0.91 (slips by able candidates are rare)."""


@dataclass(frozen=True)
class Calibration:
    """Result of `calibrate`.

    Attributes
    ----------
    items : estimated (and fixed) item parameters.
    se_a, se_d, se_c : standard errors, shaped like ``items.a``, ``items.d``, ``items.c``;
        NaN for parameters that were not estimated (``se_u`` likewise for the 4PL's ``u``).
    mean, sd : mean and SD of the ability distribution (estimated for Rasch / PCM
        and when items were fixed, otherwise 0 and 1).
    se_sd : standard error of ``sd`` where it was estimated as the Rasch slope.
    log_likelihood : marginal log-likelihood at the estimates (without the priors on ``c`` and ``u``).
    iterations, converged : EM cycles used and whether the largest parameter
        change fell below the tolerance.
    item_models : the model of each item (all ``model`` unless it was ``"mixed"``).
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
    item_models: tuple[str, ...] = ()
    se_u: FloatArray | None = None


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


def starting_values(data: ResponseMatrix, model: str | Sequence[str]) -> ItemParameters:
    """Slopes 1, intercepts ``log(n_k / n_0)`` from the score frequencies (graded items: the logits
    of ``P(X >= k)``), ``c`` at the prior mode.

    Scores above an item's highest observed score do not exist for that item (NaN intercepts).
    """
    models = np.array([model] * data.n_items if isinstance(model, str) else list(model))
    graded = np.isin(models, GRADED_MODELS)
    counts = data.counts()
    top = (counts > 0).cumsum(axis=1).argmax(axis=1)  # highest observed score of each item
    smoothed = counts + 0.5
    at_least = smoothed[:, ::-1].cumsum(axis=1)[:, ::-1]  # n(X >= k), k = 0..K
    d = np.where(graded[:, None], np.log(at_least[:, 1:] / (at_least[:, :1] - at_least[:, 1:])),
                 np.log(smoothed[:, 1:] / smoothed[:, :1]))
    d[np.arange(1, d.shape[1] + 1)[None, :] > top[:, None]] = np.nan
    c = np.where(np.isin(models, ("3pl", "4pl")), 0.2, 0.0)
    four = models == "4pl"
    return ItemParameters(np.ones(data.n_items), d, c, graded if graded.any() else None,
                          np.where(four, 0.95, 1.0) if four.any() else None)


def calibrate(
    responses: ArrayLike | ResponseMatrix,
    model: str | Sequence[str] = "2pl",
    *,
    fixed: ItemParameters | None = None,
    fixed_mask: ArrayLike | None = None,
    quadrature: Quadrature | None = None,
    guessing_prior: tuple[float, float] = DEFAULT_GUESSING_PRIOR,
    upper_prior: tuple[float, float] = DEFAULT_UPPER_PRIOR,
    tolerance: float = 1e-5,
    max_iterations: int = 2000,
    progress: Progress | None = None,
    fix: FixedValues | None = None,
) -> Calibration:
    """Estimate item parameters by MML-EM (Bock & Aitkin, 1981).

    Parameters
    ----------
    responses : (n, m) integer scores, NaN where not administered, or a `ResponseMatrix`
        (which also carries pattern frequencies).
    model : one of `MODELS`, or one of `ITEM_MODELS` per item (a mixed calibration).
    fixed, fixed_mask : item parameters and an (m,) mask of the items to hold at
        those values; the others are estimated on their scale.
    quadrature : standard-normal rule for the integration (default 61 nodes on [-6, 6], as mirt;
        `gauss_hermite` reproduces ltm).
    guessing_prior : Beta(alpha, beta) prior on the 3PL / 4PL lower asymptote; ``(1, 1)`` is no prior.
    upper_prior : Beta(alpha, beta) prior on the 4PL upper asymptote; ``(1, 1)`` is no prior.
    fix : single parameters held at given values, ``{(item, name): value}`` (see `FixedValues`);
        ``c`` only for 3PL / 4PL items, ``u`` only for 4PL items, ``a`` only where slopes are
        estimated per item.
    tolerance : stop when no parameter changes by more than this in a cycle.
    progress : called as ``progress(iteration, log_likelihood, max_change)`` each cycle.
    """
    if isinstance(model, str) and model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    data = responses if isinstance(responses, ResponseMatrix) else ResponseMatrix.from_dense(responses)
    answered_any = np.diff(data.indicator.indptr) > 0  # persons with no responses tell nothing
    data = ResponseMatrix(data.indicator, data.weights * answered_any, data.n_items, data.max_score)
    item_models = _item_models(model, data)
    run_model = model if isinstance(model, str) else "mixed"
    grid = quadrature or normal_grid()
    items = starting_values(data, item_models)
    held = np.zeros(data.n_items, bool) if fixed_mask is None else np.asarray(fixed_mask, bool)
    if held.any():
        items = _merge(items, fixed, held)
    free = ~held
    _check_graded_scores(data, items, free)
    slopes = SLOPES.get(run_model, "free")
    guessing = np.isin(item_models, ("3pl", "4pl"))
    upper = np.array(item_models) == "4pl"
    priors = (guessing_prior, upper_prior)
    pinned, items = _pin(items, fix or {}, run_model, slopes, guessing, upper, free)
    estimate_mean = bool(held.any())
    estimate_sd = estimate_mean or run_model in SD_ESTIMATED_MODELS
    mean, sd = 0.0, 1.0

    converged = False
    iteration = 0
    history: list[FloatArray] = []
    for iteration in range(1, max_iterations + 1):
        step = e_step(data, items, rescale(grid, mean, sd))
        new_items = _m_step(step, grid.nodes, items, free, slopes, guessing, upper, priors, pinned)
        history = (history + [_flatten(new_items)])[-3:]
        if len(history) == 3 and iteration % 3 == 0:
            accelerated = _repin(_unflatten(_ramsay(*history), new_items), items, pinned)
            new_items = accelerated if _ordered(accelerated) else new_items
        new_mean, new_sd = _population(step, grid.nodes, data.weights, mean, estimate_mean, estimate_sd)
        change = max(_max_change(items, new_items), abs(new_mean - mean), abs(new_sd - sd))
        items, mean, sd = new_items, new_mean, new_sd
        if progress is not None:
            progress(iteration, step.log_likelihood, change)
        if change < tolerance:
            converged = True
            break

    final = e_step(data, items, rescale(grid, mean, sd))
    errors = cross_product_standard_errors(data, final, items, grid.nodes, free, run_model if run_model in SLOPES
                                           else "2pl", sd, guessing_prior, estimate_sd and not estimate_mean, pinned,
                                           guessing, upper, upper_prior)
    return Calibration(
        run_model, items, errors.a, errors.d, errors.c, mean, sd, errors.sd,
        final.log_likelihood, iteration, converged, tuple(item_models), errors.u,
    )


def _check_graded_scores(data: ResponseMatrix, items: ItemParameters, free: NDArray[np.bool_]) -> None:
    """A graded item with a score below its highest that no one obtained has no MLE inside the
    model (its two intercepts meet): refuse it, as mirt would need the scores recoded."""
    counts = data.counts()
    top = (counts > 0).cumsum(axis=1).argmax(axis=1)
    for j in np.flatnonzero(items.is_graded & free):
        empty = [k for k in range(int(top[j])) if counts[j, k] == 0]
        if empty:
            raise ValueError(f"item {j}: no one scored {', '.join(map(str, empty))} (below its highest score "
                             f"{top[j]}); a graded item needs every score observed: merge the empty score with "
                             f"its neighbour")


def _ordered(items: ItemParameters) -> bool:
    """Whether every graded item's intercepts still decrease (acceleration can break the order)."""
    graded = items.is_graded
    if not graded.any():
        return True
    d = np.where(np.isnan(items.d[graded]), -np.inf, items.d[graded])
    with np.errstate(invalid="ignore"):  # -inf - -inf past an item's last score
        gaps = np.diff(d, axis=1)
    return bool(np.all((gaps < 0) | np.isnan(gaps)))


def _item_models(model: str | Sequence[str], data: ResponseMatrix) -> list[str]:
    """Each item's model, checked against its scores: one-mark models need 0/1 scores."""
    if isinstance(model, str):
        if model not in MULTI_MARK_MODELS and data.max_score > 1:
            raise ValueError(f"model {model!r} needs 0/1 scores; use {', '.join(MULTI_MARK_MODELS)} "
                             f"for multi-mark items")
        return [model] * data.n_items
    models = [str(name) for name in model]
    if len(models) != data.n_items:
        raise ValueError(f"{len(models)} item models given for {data.n_items} items")
    unknown = sorted({name for name in models if name not in ITEM_MODELS})
    if unknown:
        raise ValueError(f"unknown item model(s) {', '.join(map(repr, unknown))}; per item choose one of "
                         f"{', '.join(ITEM_MODELS)}")
    top = (data.counts() > 0).cumsum(axis=1).argmax(axis=1)
    for j, name in enumerate(models):
        if name in ("2pl", "3pl", "4pl") and top[j] > 1:
            raise ValueError(f"item {j} has scores up to {top[j]}; model {name!r} needs 0/1 scores (use gpcm or grm)")
    return models


PARAMETER_NAMES = ("a", "d", "c")


def _pin(
    items: ItemParameters, fix: FixedValues, model: str, slopes: str, guessing: NDArray[np.bool_],
    upper: NDArray[np.bool_], free: NDArray[np.bool_],
) -> tuple[NDArray[np.bool_], ItemParameters]:
    """Check ``fix`` and apply it: the ``(m, K + 3)`` mask of held single parameters in the order
    ``(a, d_1..d_K, c, u)`` and the items with those values set."""
    m, width = items.d.shape
    pinned = np.zeros((m, width + 3), bool)
    a, d, c, u = items.a.copy(), items.d.copy(), items.c.copy(), items.upper.copy()
    for (j, name), value in fix.items():
        if not 0 <= j < m:
            raise ValueError(f"cannot fix {name!r} of item {j}: there are {m} items (0..{m - 1})")
        if not np.isfinite(value):
            raise ValueError(f"cannot fix {name!r} of item {j} at {value}: give a finite number")
        if not free[j]:
            raise ValueError(f"item {j} is already held whole (fixed); do not also fix its {name!r}")
        if name == "a":
            if slopes != "free":
                raise ValueError(f"model {model!r} does not estimate a slope per item, so no slope can be fixed")
            if value <= 0:
                raise ValueError(f"cannot fix the slope of item {j} at {value}: a slope must be above 0")
            a[j], pinned[j, 0] = value, True
        elif name == "c":
            if not guessing[j]:
                raise ValueError(f"guessing c can only be fixed for 3pl items (item {j} is {model!r})")
            if not 0 <= value < 1:
                raise ValueError(f"cannot fix c of item {j} at {value}: c must be from 0 up to (not including) 1")
            c[j], pinned[j, width + 1] = value, True
        elif name == "u":
            if not upper[j]:
                raise ValueError(f"the upper asymptote u can only be fixed for 4pl items (item {j} is {model!r})")
            if not 0 < value <= 1:
                raise ValueError(f"cannot fix u of item {j} at {value}: u must be above 0 and at most 1")
            u[j], pinned[j, width + 2] = value, True
        elif name == "d" or (name[:1] == "d" and name[1:].isdigit() and 1 <= int(name[1:]) <= width):
            k = 1 if name == "d" else int(name[1:])
            if np.isnan(d[j, k - 1]):
                raise ValueError(f"item {j} has no score {k} in the data, so it has no intercept d{k} to fix")
            d[j, k - 1], pinned[j, k] = value, True
        else:
            names = ", ".join(["a", "d", *(f"d{k}" for k in range(1, width + 1)), "c", "u"])
            raise ValueError(f"cannot fix {name!r} of item {j}: the parameters are {names}")
    for row in np.flatnonzero(items.is_graded & pinned[:, 1 : width + 1].any(axis=1)):
        d[row] = _ordered_start(d[row], pinned[row, 1 : width + 1], int(row))
    if np.any(upper & (u - c < 0.05)):
        raise ValueError(f"item {int(np.argmax(upper & (u - c < 0.05)))}: the upper asymptote u must stay at least "
                         f"0.05 above c")
    return pinned, items.replace(a, d, c, u if upper.any() else None)


def _ordered_start(d: FloatArray, pinned: NDArray[np.bool_], row: int) -> FloatArray:
    """A graded item's intercepts with some held: the held ones must decrease; if the starting
    values of the others break the order, they are spread between (or beyond) the held ones."""
    count = int((~np.isnan(d)).sum())
    values, held = d[:count].copy(), pinned[:count]
    anchors = np.flatnonzero(held)
    if np.any(np.diff(values[anchors]) >= 0):
        raise ValueError(f"item {row}: a graded item's intercepts must decrease (d1 > d2 > ...), "
                         f"and the fixed ones do not")
    if np.all(np.diff(values) < 0):
        return d
    positions = np.arange(count)
    spread = np.interp(positions, anchors, values[anchors])
    spread = np.where(positions < anchors[0], values[anchors[0]] + (anchors[0] - positions), spread)
    spread = np.where(positions > anchors[-1], values[anchors[-1]] - (positions - anchors[-1]), spread)
    result = d.copy()
    result[:count] = np.where(held, values, spread)
    return result


def _repin(items: ItemParameters, pinned_from: ItemParameters, pinned: NDArray[np.bool_]) -> ItemParameters:
    """Restore the held single parameters exactly (acceleration and logit round trips move the last bit)."""
    if not pinned.any():
        return items
    width = items.d.shape[1]
    return items.replace(
        np.where(pinned[:, 0], pinned_from.a, items.a),
        np.where(pinned[:, 1 : width + 1], pinned_from.d, items.d),
        np.where(pinned[:, width + 1], pinned_from.c, items.c),
        None if items.u is None else np.where(pinned[:, width + 2], pinned_from.upper, items.upper),
    )


def _flatten(items: ItemParameters) -> FloatArray:
    """Slopes, intercepts, logit(c) and logit(u) as one vector (NaN intercepts kept in place)."""
    logit_c = np.log(np.clip(items.c, 1e-12, None) / (1 - items.c))
    upper = np.clip(items.upper, None, 1 - 1e-12)
    return np.concatenate([items.a, items.d.ravel(), logit_c, np.log(upper / (1 - upper))])


def _unflatten(vector: FloatArray, like: ItemParameters) -> ItemParameters:
    m, width = like.d.shape
    start = m + m * width
    c = np.where(like.c > 0, 1 / (1 + np.exp(-vector[start : start + m])), 0.0)
    u = None if like.u is None else np.where(like.upper < 1, 1 / (1 + np.exp(-vector[start + m :])), 1.0)
    return like.replace(vector[:m], vector[m:start].reshape(m, width), c, u)


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
    graded = np.where(held, fixed.is_graded, start.is_graded)
    upper = np.where(held, fixed.upper, start.upper)
    return ItemParameters(
        np.where(held, fixed.a, start.a),
        np.where(held[:, None], fixed_d, start.d),
        np.where(held, fixed.c, start.c),
        graded if graded.any() else None,
        upper if np.any(upper < 1) else None,
    )


def _m_step(
    step: EStep,
    nodes: FloatArray,
    items: ItemParameters,
    free: NDArray[np.bool_],
    slopes: str,
    guessing: NDArray[np.bool_],
    upper: NDArray[np.bool_],
    priors: tuple[tuple[float, float], tuple[float, float]],
    pinned: NDArray[np.bool_],
) -> ItemParameters:
    """One M-step for each family of items: 3PL (``guessing``), 4PL (``upper``), graded, and the GPCM family."""
    width = items.d.shape[1]
    a, d, c, u = items.a, items.d, items.c, items.upper
    graded = items.is_graded
    gpcm = ~guessing & ~graded
    three = guessing & ~upper
    if np.any(three & free):
        a, d1, c = three_pl_m_step(step.expected, nodes, a, d[:, 0], c, free & three, priors[0],
                                   held=pinned[:, [0, 1, width + 1]])
        d = d.copy()
        d[:, 0] = d1
    if np.any(upper & free):
        a, d1, c, u = four_pl_m_step(step.expected, nodes, a, d[:, 0], c, u, free & upper, *priors,
                                     held=pinned[:, [0, 1, width + 1, width + 2]])
        d = d.copy()
        d[:, 0] = d1
    if np.any(graded & free):
        a, d = grm_m_step(step.expected, nodes, a, d, free & graded, slopes, held=pinned[:, : width + 1])
    if np.any(gpcm & free):
        a, d = gpcm_m_step(step.expected, nodes, a, d, free & gpcm, slopes, held=pinned[:, : width + 1])
    return _repin(items.replace(a, d, c, u if items.u is not None else None), items, pinned)


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
    diffs = [np.abs(new.a - old.a), np.abs(new.d - old.d), np.abs(new.c - old.c), np.abs(new.upper - old.upper)]
    return float(max(np.nanmax(x) if x.size else 0.0 for x in diffs))
