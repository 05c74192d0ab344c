"""Before a blueprint goes live: does the bank hold a test, where is it thin, how far does it stretch?

* feasibility - solve the 0-1 program once (the most informative test at the cut); if
  there is none, say which kinds of rule conflict (`solver.why_infeasible`);
* per learning outcome - marks available against the minimum (slack, or what is
  missing), and the exposure margin ``available marks * max exposure / min marks``:
  below 1, the outcome cannot be covered in every test without some item exceeding the
  exposure target;
* per criterion - items available (none: nothing can assess it);
* distinct tests - how many item-disjoint tests the bank holds (assembled one after
  another, each from what is left); rotating ``k`` of them gives exposure ``1 / k``, so
  the bank supports the exposure target if ``k >= 1 / max exposure``; when the count stops
  short of that, which kinds of rule the next test breaks on what is left.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from exam_engine.assembly.engine import NO_ITEMS, Engine
from exam_engine.assembly.scoring import pass_marks
from exam_engine.assembly.solver import Infeasible

MAX_FORMS_COUNTED = 25


@dataclass
class OutcomeCoverage:
    number: str
    min_marks: int
    max_marks: int
    available_items: int
    available_marks: int
    slack: int  # available marks beyond the minimum (negative: missing)
    exposure_margin: float


@dataclass
class CriterionCoverage:
    number: str
    outcome: str
    available_items: int
    max_items: int


@dataclass
class FeasibilityReport:
    unit: str
    feasible: bool
    reasons: list[str]
    missing: list[str]
    outcomes: list[OutcomeCoverage]
    criteria: list[CriterionCoverage]
    unusable_items: list[str]
    disjoint_tests: int
    tests_needed: int
    example_test: list[str] = field(default_factory=list)
    reference_form: list[str] = field(default_factory=list)
    pass_marks: float | None = None
    disjoint_limit: list[str] = field(default_factory=list)  # why no further item-disjoint test exists

    @property
    def supports_exposure_target(self) -> bool:
        return self.disjoint_tests >= self.tests_needed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"supports_exposure_target": self.supports_exposure_target}


def feasibility(engine: Engine) -> FeasibilityReport:
    """Prove a test exists in ``engine``'s pool and report coverage, slack and capacity."""
    bp, pool, layout = engine.blueprint, engine.pool, engine.layout
    usable = layout.usable
    missing = []
    outcomes = []
    for k, rule in enumerate(bp.outcomes):
        members = usable & (layout.outcome == k)
        marks = int(pool.marks[members].sum())
        outcomes.append(OutcomeCoverage(rule.number, rule.min_marks, rule.max_marks, int(members.sum()), marks,
                                        marks - rule.min_marks, round(marks * bp.max_exposure / rule.min_marks, 3)))
        if marks < rule.min_marks:
            missing.append(f"LO{rule.number}: {rule.min_marks - marks} more marks of items needed")
    criteria = []
    for k, name in enumerate(layout.criterion_names):
        count = int((usable & (layout.criterion == k)).sum())
        criteria.append(CriterionCoverage(name, bp.criteria[name], count, bp.max_items_per_criterion))
        if count == 0:
            missing.append(f"AC{name}: no items")
    for type_rule in bp.item_types:
        count = int((usable & (np.array(pool.types) == type_rule.type)).sum())
        if count < type_rule.min_items:
            missing.append(f"{type_rule.type}: {type_rule.min_items - count} more items needed")
    unusable = [f"{pool.ids[i]}: criterion {pool.criteria[i]} or type {pool.types[i]} not in the blueprint"
                for i in np.flatnonzero(~usable)]
    needed = math.ceil(1.0 / bp.max_exposure - 1e-9)
    try:
        info = pool.information(bp.cut_theta)[0]
        example = engine.shadow_test(usable, NO_ITEMS, info).items
    except Infeasible as error:
        return FeasibilityReport(bp.unit, False, error.reasons, missing, outcomes, criteria, unusable, 0, needed)
    reference = engine.reference_form
    disjoint, limit = _disjoint_tests(engine, info, needed)
    return FeasibilityReport(
        bp.unit, True, [], missing, outcomes, criteria, unusable, disjoint, needed,
        [pool.ids[i] for i in engine.in_test_order(example)], [pool.ids[i] for i in reference],
        round(pass_marks(bp.cut_theta, pool.parameters.subset(reference)), 2), limit,
    )


def _disjoint_tests(engine: Engine, weights: np.ndarray, needed: int) -> tuple[int, list[str]]:
    """How many item-disjoint tests the pool holds and, when fewer than ``needed``, why the next fails."""
    allowed = engine.layout.usable.copy()
    for count in range(MAX_FORMS_COUNTED):
        try:
            test = engine.shadow_test(allowed, NO_ITEMS, weights).items
        except Infeasible as error:
            return count, (error.reasons if count < needed else [])
        allowed[test] = False
    return MAX_FORMS_COUNTED, []
