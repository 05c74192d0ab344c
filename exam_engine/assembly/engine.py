"""One unit's assembly engine: the blueprint's constraint model over a pool, and its tests.

`Engine` holds what every sitting shares - the rule layout, the target information
curve of linear tests, the reference form and the fixed forms - and assembles:

* `shadow_test` - the most informative full test at an ability that meets every rule
  and contains the items already given (van der Linden & Reese, 1998);
* `linear_test` - a whole test with the least shortfall below the target information
  curve, ties broken by the given weights (fixed forms and linear-on-the-fly);
* `fixed_forms` - item-disjoint parallel forms, one more than ``1 / max exposure`` so
  that chance in drawing a form per sitting stays under the target, if the bank allows;
* `exposure_control` - fresh exposure counts with each item's target per ability class.
"""

from __future__ import annotations

import hashlib
import math
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from exam_engine.assembly.allocation import exposure_targets
from exam_engine.assembly.blueprint import Blueprint, Mode
from exam_engine.assembly.constraints import RuleLayout
from exam_engine.assembly.exposure import ExposureControl
from exam_engine.assembly.pool import ItemPool
from exam_engine.assembly.solver import Infeasible, Solution, maximise, meet_target

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
NO_ITEMS = np.empty(0, np.int64)


class Engine:
    """Assembly for one blueprint over one pool of scored items (and optional pretest items)."""

    def __init__(self, blueprint: Blueprint, pool: ItemPool, pretest: ItemPool | None = None) -> None:
        self.blueprint = blueprint
        self.pool = pool
        self.pretest = pretest
        self.layout = RuleLayout.build(blueprint, pool)

    @cached_property
    def bank_digest(self) -> str:
        """Digest of the scored pool, recorded with each sitting so a replay can check its bank."""
        return self.pool.digest

    @cached_property
    def blueprint_digest(self) -> str:
        """Digest of the blueprint's rules (not where its file lives)."""
        return hashlib.sha256(repr(self.blueprint).encode()).hexdigest()

    @property
    def target_thetas(self) -> NDArray[np.float64]:
        return self.blueprint.cut_theta + np.asarray(self.blueprint.information_offsets, float)

    def shadow_test(self, allowed: BoolArray, given: IntArray, weights: NDArray[np.float64]) -> Solution:
        """The full test maximising ``sum weights`` among ``allowed`` items, containing ``given``."""
        candidates = self.layout.candidates(allowed, given, weights)
        try:
            return maximise(self.layout.model(candidates, given), weights[candidates])
        except Infeasible:  # diagnose on every allowed item: pruning alone can hide the way out
            every = np.union1d(np.flatnonzero(allowed & self.layout.usable), given)
            raise Infeasible(model=self.layout.model(every, given)) from None

    def linear_test(self, allowed: BoolArray, tie_break: NDArray[np.float64]) -> Solution:
        """The test closest to the target information curve (shortfall), among ``allowed`` items."""
        candidates = np.flatnonzero(allowed & self.layout.usable)
        information = self.pool.information(self.target_thetas)[:, candidates]
        return meet_target(self.layout.model(candidates), information, self.target, tie_break[candidates])

    @cached_property
    def maximum_information(self) -> NDArray[np.float64]:
        """Information of the most informative test the bank allows at each target ability."""
        every = self.layout.usable
        best = []
        for theta in self.target_thetas:
            info = self.pool.information(theta)[0]
            best.append(info[self.shadow_test(every, NO_ITEMS, info).items].sum())
        return np.array(best)

    @cached_property
    def target(self) -> NDArray[np.float64]:
        """Target test information at `target_thetas`: a share of the best the bank allows."""
        return self.blueprint.target_fraction * self.maximum_information

    @cached_property
    def reference_form(self) -> IntArray:
        """Positions of the reference form: the blueprint's, or the most informative test at the cut."""
        if self.blueprint.reference_form:
            where = self.pool.index()
            missing = [item for item in self.blueprint.reference_form if item not in where]
            if missing:
                raise Infeasible([f"reference form items not in the bank: {', '.join(missing)}"])
            return np.array([where[item] for item in self.blueprint.reference_form], np.int64)
        info = self.pool.information(self.blueprint.cut_theta)[0]
        return self.shadow_test(self.layout.usable, NO_ITEMS, info).items

    @cached_property
    def fixed_forms(self) -> list[IntArray]:
        """Item-disjoint forms, ``ceil(1 / max exposure) + 1`` of them or as many as the bank allows."""
        wanted = math.ceil(1.0 / self.blueprint.max_exposure - 1e-9) + 1
        tie_break = self.pool.information(self.blueprint.cut_theta)[0]
        allowed = self.layout.usable.copy()
        forms: list[IntArray] = []
        while len(forms) < wanted:
            try:
                form = self.linear_test(allowed, tie_break).items
            except Infeasible:
                if not forms:
                    raise
                break
            forms.append(self.in_test_order(form))
            allowed[form] = False
        return forms

    @cached_property
    def exposure_targets(self) -> NDArray[np.float64]:
        """``(G, m)`` target exposure of each item per ability class (`allocation`), solved once."""
        return exposure_targets(self.layout, tuple(self.blueprint.exposure_edges), self.blueprint.max_exposure)

    def exposure_control(self, mode: Mode) -> ExposureControl:
        """Empty exposure counts for sittings in ``mode``, with this bank's targets. A linear test is
        assembled before any answer, at the prior mean, so it cannot be steered to the class of
        its learner: every class keeps the uniform target there."""
        edges, rate = tuple(self.blueprint.exposure_edges), self.blueprint.max_exposure
        targets = self.exposure_targets if mode is Mode.CAT else np.full((len(edges) + 1, self.pool.size), rate)
        return ExposureControl(rate, edges, targets)

    def in_test_order(self, items: IntArray) -> IntArray:
        """Linear tests present items by learning outcome and criterion, as centres expect."""
        key = [(self.layout.outcome[i], self.layout.criterion[i], self.pool.ids[i]) for i in items]
        return items[sorted(range(items.size), key=key.__getitem__)]

    def enemies_of(self, pretest_items: list[str]) -> BoolArray:
        """Scored items that share an enemy label with any of the given pretest items."""
        labels: set[str] = set()
        if self.pretest is not None:
            where = self.pretest.index()
            for item in pretest_items:
                labels |= self.pretest.enemies[where[item]]
        return np.array([bool(labels & enemy) for enemy in self.pool.enemies], bool)
