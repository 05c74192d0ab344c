"""Default blueprints for knowledge units that have none yet, from the taxonomy.

The specification gives a unit's learning outcomes and criteria and, for some units, the
test's time and marks. The defaults follow Pearson's onscreen tests, which are the only
ones the documents define (45 minutes for 30 marks, 35 for 25, i.e. about 1.5 minutes a
mark): a unit's marks are 1.5 per criterion, rounded up to a multiple of 5, within 20-40
unless the document sets them; each learning outcome gets between 0.75 and 1.3 times its
share of the criteria in marks (at least 1, so every outcome is assessed); at most
``ceil(marks / criteria) + 1`` items per criterion. They are written as files for review
(`exam-engine blueprint-defaults`), never used unreviewed.
"""

from __future__ import annotations

import math

from exam_engine.assembly.blueprint import Blueprint, ItemTypeRule, Mode, OutcomeRule

MINUTES_PER_MARK = 1.5
PRETEST_SLOTS = 2
MAX_EXPOSURE = 0.25
# Ability classes for exposure control: half-logit steps over the middle of the scale, where
# the allocation of each item's exposure between learners pays (`exam_engine.assembly.allocation`).
EXPOSURE_EDGES = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)


def default_blueprint(unit: str, title: str, outcomes: list[tuple[str, list[str]]],
                      minutes: int | None = None, marks: int | None = None) -> Blueprint:
    """A blueprint for ``unit`` from its outcomes ``[(number, [criterion numbers])]``."""
    criteria = sum(len(acs) for _, acs in outcomes)
    if criteria == 0:
        raise ValueError(f"unit {unit} has no assessment criteria to build a blueprint from")
    total = marks or min(40, max(20, 5 * math.ceil(1.5 * criteria / 5)))
    rules = []
    for number, acs in outcomes:
        share = total * len(acs) / criteria
        rules.append(OutcomeRule(number, max(1, math.floor(0.75 * share)),
                                 min(total, math.ceil(1.3 * share) + 1), tuple(acs)))
    return Blueprint(
        unit=unit, title=title, minutes=minutes or math.ceil(MINUTES_PER_MARK * total), total_marks=total,
        cut_theta=0.0, outcomes=tuple(rules), max_items_per_criterion=math.ceil(total / criteria) + 1,
        item_types=(ItemTypeRule("single_best_answer", 0, total, 60),
                    ItemTypeRule("multiple_response", 0, total // 5, 120),
                    ItemTypeRule("ordering", 0, total // 8, 90),
                    ItemTypeRule("matching", 0, total // 8, 120)),
        max_exposure=MAX_EXPOSURE, mode=Mode.CAT, pretest_slots=PRETEST_SLOTS, exposure_edges=EXPOSURE_EDGES,
    )
