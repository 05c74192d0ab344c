"""Ability estimation for one learner or many.

Responses are scores with NaN for items not administered (or any values plus
an ``administered`` mask), so any subset of a bank can be scored.  All estimators return finite values:

* `eap` - posterior mean and SD on a quadrature grid (Bock & Mislevy, 1982).
  Always finite; with all-correct / all-wrong patterns it is pulled in by the
  prior.
* `map_estimate` - posterior mode with a normal prior; SE ``1 / sqrt(I(theta) + 1 / sd^2)``.
* `ml_estimate` - maximum likelihood within ``bounds``.  For all-correct
  (all-wrong) patterns the likelihood increases without limit, so the upper
  (lower) bound is returned; the SE is then ``1 / sqrt(I(bound))``.
* `wle` - Warm's (1989) weighted likelihood, the maximiser of
  ``log L(theta) + log sqrt(I(theta))``.  For the GPCM family (Rasch, 1PL, 2PL,
  GPCM, PCM) this is exactly Warm's estimator (his ``J = dI/dtheta`` there);
  for 3PL and graded response items it is the Jeffreys-prior variant (Firth, 1993).

Every estimator takes banks of any mix of item types, graded response items included
(`ItemParameters.graded`): likelihoods and information dispatch on the item type.  Finite for
  extreme patterns, but still clipped to ``bounds``.

`eap_many` scores many learners at once with the sparse E-step machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize_scalar

from exam_engine.psychometrics.estep import ResponseMatrix, person_log_likelihood
from exam_engine.psychometrics.models import ItemParameters, log_likelihood, total_information
from exam_engine.psychometrics.quadrature import Quadrature, normal_grid

FloatArray = NDArray[np.float64]

DEFAULT_GRID = normal_grid()
DEFAULT_BOUNDS = (-6.0, 6.0)


class AbilityEstimate(NamedTuple):
    """Ability in logits and its standard error (posterior SD for EAP)."""

    theta: float
    se: float


def _answered(
    responses: ArrayLike, items: ItemParameters, administered: ArrayLike | None
) -> tuple[FloatArray, ItemParameters]:
    """The scores and items that count: ``administered`` if given, else the non-NaN responses."""
    responses = np.asarray(responses, dtype=float)
    mask = ~np.isnan(responses) if administered is None else np.asarray(administered, bool)
    return responses[mask], items.subset(mask)


def eap(
    responses: ArrayLike, items: ItemParameters, grid: Quadrature = DEFAULT_GRID, administered: ArrayLike | None = None
) -> AbilityEstimate:
    """Expected a posteriori ability of one learner (Bock & Mislevy, 1982).

    ``theta = sum_q theta_q L(theta_q) w_q / sum_q L(theta_q) w_q`` and the
    posterior SD likewise.  The prior is the grid's weights (default N(0, 1)
    on 61 nodes in [-6, 6], as mirt's ``fscores``).

    Parameters
    ----------
    responses : (m,) scores, NaN where not administered.
    items : the m items.
    administered : optional (m,) mask of the items given (instead of NaN marking).
    """
    scores, taken = _answered(responses, items, administered)
    log_post = log_likelihood(grid.nodes, scores, taken) + np.log(grid.weights)
    post = _normalise(log_post)
    mean = float(post @ grid.nodes)
    return AbilityEstimate(mean, float(np.sqrt(max(float(post @ (grid.nodes - mean) ** 2), 0.0))))


def eap_many(
    responses: ArrayLike, items: ItemParameters, grid: Quadrature = DEFAULT_GRID
) -> tuple[FloatArray, FloatArray]:
    """EAP abilities and posterior SDs of many learners, ``(n,)`` each (see `eap`)."""
    data = ResponseMatrix.from_dense(responses)
    log_post = person_log_likelihood(data, items, grid.nodes) + np.log(grid.weights)
    post = _normalise(log_post)
    mean = post @ grid.nodes
    variance = post @ grid.nodes**2 - mean**2
    return mean, np.sqrt(np.clip(variance, 0.0, None))


def _normalise(log_weights: FloatArray) -> FloatArray:
    """Exponentiate and normalise along the last axis (a fast, safe softmax)."""
    weights = np.exp(log_weights - log_weights.max(axis=-1, keepdims=True))
    normalised: FloatArray = weights / weights.sum(axis=-1, keepdims=True)
    return normalised


def _maximise(objective: Callable[[FloatArray], FloatArray], bounds: tuple[float, float]) -> float:
    """Maximise a smooth function of theta: grid search, then Brent's method around the best node."""
    grid = np.linspace(bounds[0], bounds[1], 121)
    values = objective(grid)
    best = int(np.argmax(values))
    if best in (0, grid.size - 1):
        return float(grid[best])
    low, high = grid[best - 1], grid[best + 1]
    result = minimize_scalar(lambda t: -objective(np.array([t]))[0], bounds=(low, high),
                             method="bounded", options={"xatol": 1e-7})
    return float(result.x)


def map_estimate(
    responses: ArrayLike, items: ItemParameters, prior_mean: float = 0.0, prior_sd: float = 1.0,
    bounds: tuple[float, float] = DEFAULT_BOUNDS, administered: ArrayLike | None = None,
) -> AbilityEstimate:
    """Maximum a posteriori ability with a N(prior_mean, prior_sd^2) prior.

    Maximises ``log L(theta) - (theta - mu)^2 / (2 sd^2)``; the SE is
    ``1 / sqrt(I(theta) + 1 / sd^2)`` with the test information ``I``.
    """
    scores, taken = _answered(responses, items, administered)
    theta = _maximise(
        lambda t: log_likelihood(t, scores, taken) - 0.5 * ((t - prior_mean) / prior_sd) ** 2, bounds
    )
    info = total_information(theta, taken)[0] + prior_sd**-2
    return AbilityEstimate(theta, float(1.0 / np.sqrt(info)))


def ml_estimate(
    responses: ArrayLike, items: ItemParameters, bounds: tuple[float, float] = DEFAULT_BOUNDS,
    administered: ArrayLike | None = None,
) -> AbilityEstimate:
    """Maximum likelihood ability within ``bounds``; SE ``1 / sqrt(I(theta))``.

    All-correct and all-wrong patterns return the upper and lower bound.
    """
    scores, taken = _answered(responses, items, administered)
    theta = _maximise(lambda t: log_likelihood(t, scores, taken), bounds)
    return AbilityEstimate(theta, _information_se(theta, taken))


def wle(
    responses: ArrayLike, items: ItemParameters, bounds: tuple[float, float] = DEFAULT_BOUNDS,
    administered: ArrayLike | None = None,
) -> AbilityEstimate:
    """Weighted likelihood ability (Warm, 1989): maximises ``log L + 0.5 log I``; SE ``1 / sqrt(I)``."""
    scores, taken = _answered(responses, items, administered)
    theta = _maximise(
        lambda t: log_likelihood(t, scores, taken) + 0.5 * np.log(total_information(t, taken)), bounds
    )
    return AbilityEstimate(theta, _information_se(theta, taken))


def _information_se(theta: float, items: ItemParameters) -> float:
    info = total_information(theta, items)[0]
    return float(1.0 / np.sqrt(info)) if info > 0 else float("inf")
