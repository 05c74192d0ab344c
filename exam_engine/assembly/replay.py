"""Replaying a sitting from its record: the same items, in the same order, and why.

`replay` re-runs the engine with the record's seed, exclusions and exposure draws,
feeding back the marks the learner earned, and compares each choice with the record.
An appeal can then be answered with the engine's own explanation of every item.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from exam_engine.assembly import ENGINE_VERSION
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.exposure import Eligibility
from exam_engine.assembly.record import SittingRecord, Step
from exam_engine.assembly.sitting import sit
from exam_engine.assembly.solver import Infeasible


class _Diverged(Exception):
    pass


@dataclass
class ReplayReport:
    """Whether the replay matched the record, where it first differed, and each step explained."""

    reproduced: bool
    problems: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)


def replay(engine: Engine, record: SittingRecord) -> ReplayReport:
    """Re-run ``record``'s sitting on ``engine`` and check it reproduces the recorded items."""
    problems = []
    if record.engine_version != ENGINE_VERSION:
        problems.append(f"recorded by engine {record.engine_version}, replayed by {ENGINE_VERSION}")
    if record.bank_digest != engine.bank_digest:
        problems.append("the bank differs from the one the sitting used (digest mismatch)")
    if record.blueprint_digest != engine.blueprint_digest:
        problems.append("the blueprint's rules differ from those the sitting used (digest mismatch)")
    marks = {step.item: step.score for step in record.steps}
    position = engine.pool.index()
    expected = iter(record.items)

    def respond(item: str) -> float:
        recorded = next(expected, None)
        if item != recorded:
            raise _Diverged(f"item {len(problems_seen) + 1}: engine chose {item}, record has {recorded}")
        problems_seen.append(item)
        earned = marks[item]
        if earned is None:
            raise _Diverged(f"item {len(problems_seen)}: the record holds no marks for {item}")
        return earned

    problems_seen: list[str] = []
    if any(item not in position for item in record.scored_items):
        problems.append("the record holds items that are not in the bank")
        return ReplayReport(False, problems)
    try:
        again = sit(engine, record.mode, respond, record.seed,
                    Eligibility.recorded(engine.pool.ids, record.exposure_edges, record.eligibility, record.capped),
                    record.seen)
    except (_Diverged, Infeasible, KeyError) as error:
        problems.append(str(error))
        return ReplayReport(False, problems)
    if again.items != record.items:
        problems.append(f"the replay gave {len(again.items)} items, the record {len(record.items)}")
    if not _same_score(again.score, record.score):
        problems.append(f"score differs: replay {again.score}, record {record.score}")
    return ReplayReport(not problems, problems, [explain(step) for step in again.steps])


def _same_score(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] if isinstance(a[k], bool) else math.isclose(a[k], b[k], rel_tol=1e-9, abs_tol=1e-12) for k in a)


def explain(step: Step) -> str:
    """One line saying what was given at a step and why."""
    if step.pretest:
        return f"{step.position}. {step.item}: {step.reason}; marks {step.score:g}"
    parts = [f"{step.position}. {step.item}: {step.reason}",
             f"ability {step.theta:+.2f} (SE {step.se:.2f})", f"{step.eligible_pool} eligible items"]
    if step.information is not None:
        parts.append(f"information {step.information:.3f}")
    if step.eligibility_probability is not None:
        parts.append(f"eligible with probability {step.eligibility_probability:.2f} in ability class "
                     f"{step.ability_class}")
    if step.fallback:
        parts.append("ineligible items allowed to meet the rules")
    if step.binding:
        parts.append("rules at a bound: " + "; ".join(step.binding))
    parts.append(f"marks {step.score:g}")
    return ", ".join(parts)
