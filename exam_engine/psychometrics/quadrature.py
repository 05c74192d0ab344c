"""Quadrature rules for integrating over the ability distribution.

Marginal quantities are approximated by sums over nodes ``theta_q`` with
weights ``w_q`` (Bock & Aitkin, 1981, eq. 5)::

    integral f(theta) g(theta) dtheta  ~=  sum_q f(theta_q) w_q

The default rule matches mirt: 61 equally spaced nodes on [-6, 6] with weights
proportional to the normal density.  Gauss-Hermite nodes (as used by ltm) are
available for comparisons.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

FloatArray = NDArray[np.float64]


class Quadrature(NamedTuple):
    """Nodes (logits) and weights (summing to 1) of a quadrature rule."""

    nodes: FloatArray
    weights: FloatArray


def normal_grid(n_nodes: int = 61, limit: float = 6.0, mean: float = 0.0, sd: float = 1.0) -> Quadrature:
    """Equally spaced nodes on ``[-limit, limit]`` weighted by the N(mean, sd^2) density.

    Parameters
    ----------
    n_nodes : number of nodes (mirt's default for one dimension is 61).
    limit : half-width of the grid in logits.
    mean, sd : the normal ability distribution; the grid itself stays fixed.
    """
    nodes = np.linspace(-limit, limit, n_nodes)
    return Quadrature(nodes, normal_weights(nodes, mean, sd))


def normal_weights(nodes: FloatArray, mean: float = 0.0, sd: float = 1.0) -> FloatArray:
    """Weights proportional to the N(mean, sd^2) density at ``nodes``, normalised to sum 1."""
    log_density = norm.logpdf(nodes, loc=mean, scale=sd)
    weights = np.exp(log_density - log_density.max())
    normalised: FloatArray = weights / weights.sum()
    return normalised


def gauss_hermite(n_nodes: int = 21) -> Quadrature:
    """Gauss-Hermite rule for a standard normal ability (ltm uses 21 nodes).

    Nodes ``sqrt(2) x_i`` and weights ``w_i / sqrt(pi)`` from the physicists'
    Hermite rule (Abramowitz & Stegun, 25.4.46).
    """
    x, w = np.polynomial.hermite.hermgauss(n_nodes)
    return Quadrature(np.sqrt(2.0) * x, w / np.sqrt(np.pi))


def rescale(rule: Quadrature, mean: float, sd: float) -> Quadrature:
    """Re-weight a standard-normal rule for a N(mean, sd^2) ability on the same nodes.

    ``w'_q ~ w_q N(theta_q; mean, sd) / N(theta_q; 0, 1)``, normalised; for the
    equally spaced grid this is exactly `normal_weights`.
    """
    log_ratio = norm.logpdf(rule.nodes, loc=mean, scale=sd) - norm.logpdf(rule.nodes)
    weights = rule.weights * np.exp(log_ratio - log_ratio.max())
    return Quadrature(rule.nodes, weights / weights.sum())
