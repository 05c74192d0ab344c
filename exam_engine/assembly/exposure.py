"""Exposure control by conditional item eligibility (van der Linden & Veldkamp, 2004, 2007).

Why this rather than classic Sympson-Hetter: Sympson-Hetter filters items *after*
selection and needs its control parameters tuned by iterated simulations before going
live; with shadow tests it can also leave no admissible item. Item eligibility decides,
before a learner's test, which items may be used at all, and sets the probabilities
from the running counts of live operation, so it holds the target from the first day
and keeps adapting as the population drifts. For learner ``j + 1`` in ability class
``g``, item ``i`` is eligible with probability::

    P(E_i | g) = min(1, r_ig * eps_ig / alpha_ig)

where ``alpha_ig`` counts administrations of item ``i`` and ``eps_ig`` the learners for
whom it was eligible, both among learners whose final ability estimate fell in class
``g`` (vdL & Veldkamp 2007, eq. 9), and ``r_ig`` is the item's target in the class. With
one class every target is ``r_max``. With several, a uniform ``r_max`` per class would
be needlessly strict (the overall exposure is an average over classes), so the targets
come from `allocation.exposure_targets`, which spends each item's ``r_max`` on the
classes it serves best; an item with no share in a class is not eligible there. During
a test, eligibility is drawn (once per class) for the class of the current ability
estimate. Ineligible items are avoided; if the rules cannot be met without them, the
assembly may still use them, at a penalty (vdL & Veldkamp, 2004).

The ratio above only settles after many sittings; early on, and on a new bank, it lets
popular items overshoot. So an item is also held back while giving it once more would
take its running exposure over the target, ``alpha_i + 1 > max(1, r_max (n + 1))``
(a running ceiling in the spirit of Chen, Lei & Liao's, 2008, "progressive restricted"
method). Items at the ceiling come last of all: when the rules cannot be met from the
eligible items, the assembly first lets in items that were merely not drawn, and items at
the ceiling only if nothing else will do; so the exposure to date stays at or under the
target once ``n >= 1 / r_max`` unless the bank cannot otherwise meet the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


@dataclass
class ExposureControl:
    """Running counts of one unit's live operation (the state to keep between sittings)."""

    max_rate: float
    edges: tuple[float, ...]
    targets: NDArray[np.float64]  # (G, m) r_ig, see `allocation.exposure_targets`
    eligible: NDArray[np.float64] = field(init=False)  # (G, m) eps
    administered: NDArray[np.float64] = field(init=False)  # (G, m) alpha
    learners: NDArray[np.float64] = field(init=False)  # (G,)

    def __post_init__(self) -> None:
        if self.targets.shape[0] != len(self.edges) + 1:
            raise ValueError(f"{len(self.edges) + 1} ability classes need as many rows of targets, "
                             f"not {self.targets.shape[0]}")
        self.eligible = np.zeros_like(self.targets)
        self.administered = np.zeros_like(self.targets)
        self.learners = np.zeros(self.targets.shape[0])

    def ability_class(self, theta: float) -> int:
        """Index of the class holding ``theta`` (classes split at ``edges``)."""
        return int(np.searchsorted(self.edges, theta, side="right"))

    def probabilities(self) -> NDArray[np.float64]:
        """``(G, m)`` eligibility probabilities ``min(1, r eps / alpha)`` (1 while unused), 0 for
        items with no target in the class."""
        ratio: NDArray[np.float64] = np.divide(self.targets * self.eligible, self.administered,
                                               out=(self.targets > 0).astype(float), where=self.administered > 0)
        return np.minimum(ratio, 1.0)

    def capped(self) -> NDArray[np.bool_]:
        """``(m,)`` items at the running ceiling: once more would take them over ``r_max``."""
        counts: NDArray[np.float64] = self.administered.sum(axis=0)
        return counts + 1 > max(1.0, self.max_rate * (float(self.learners.sum()) + 1))

    def sitting(self, rng: np.random.Generator) -> Eligibility:
        """Eligibility for one learner's sitting, drawn as the test reaches each class."""
        return Eligibility(self.edges, self.probabilities(), rng, capped=self.capped())

    def record(self, eligibility: Eligibility, theta: float, administered: NDArray[np.int64]) -> None:
        """Count a finished sitting in the class of ``theta``: the final estimate of an adaptive
        test, the prior mean of a linear one (whose eligibility was drawn there)."""
        g = self.ability_class(theta)
        self.learners[g] += 1
        self.eligible[g] += eligibility.mask(theta)
        self.administered[g, administered] += 1

    def exposure_rates(self) -> NDArray[np.float64]:
        """Share of all sittings so far in which each item appeared, ``(m,)``."""
        counts: NDArray[np.float64] = self.administered.sum(axis=0)
        return counts / max(float(self.learners.sum()), 1.0)


@dataclass
class Eligibility:
    """Which items one sitting may use, per ability class; drawn lazily, or given (replay).

    ``draws`` hold each class's draw; ``capped`` the items at the running ceiling when the
    sitting began, which are not eligible in any class whatever the draw.
    """

    edges: tuple[float, ...]
    probabilities: NDArray[np.float64] | None  # (G, m); None when replaying given draws
    rng: np.random.Generator | None
    draws: dict[int, NDArray[np.bool_]] = field(default_factory=dict)
    capped: NDArray[np.bool_] | None = None  # (m,); None: no item capped

    @classmethod
    def everything(cls, n_items: int) -> Eligibility:
        """No exposure control: every item eligible."""
        return cls((), np.ones((1, n_items)), None)

    @classmethod
    def given(cls, edges: tuple[float, ...], draws: dict[int, NDArray[np.bool_]],
              capped: NDArray[np.bool_] | None = None) -> Eligibility:
        """Eligibility as recorded in a sitting's record (for replay)."""
        return cls(edges, None, None, dict(draws), capped)

    @classmethod
    def recorded(cls, ids: tuple[str, ...], edges: list[float], ineligible: dict[str, list[str]],
                 capped: list[str]) -> Eligibility:
        """From a record's or snapshot's lists of item ids (``ids`` is the pool's order)."""
        pool = np.array(ids)
        draws = {int(g): ~np.isin(pool, items) for g, items in ineligible.items()}
        return cls.given(tuple(edges), draws, np.isin(pool, capped))

    def ceiling(self, n_items: int) -> NDArray[np.bool_]:
        """``(m,)`` items at the running ceiling for this sitting."""
        return np.zeros(n_items, bool) if self.capped is None else self.capped

    def ability_class(self, theta: float) -> int:
        return int(np.searchsorted(self.edges, theta, side="right"))

    def mask(self, theta: float) -> NDArray[np.bool_]:
        """``(m,)`` eligible items for the class of ``theta``: drawn and not at the ceiling."""
        g = self.ability_class(theta)
        if g not in self.draws:
            if self.probabilities is None:
                raise KeyError(f"the record holds no eligibility draw for ability class {g}")
            p = self.probabilities[g]
            self.draws[g] = np.ones_like(p, bool) if self.rng is None else self.rng.random(p.size) < p
        return self.draws[g] & ~self.ceiling(self.draws[g].size)

    def probability(self, theta: float, item: int) -> float | None:
        """The probability with which ``item`` was made eligible (None when replaying)."""
        return None if self.probabilities is None else float(self.probabilities[self.ability_class(theta), item])
