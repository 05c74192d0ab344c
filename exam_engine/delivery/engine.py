"""The port between delivery and test assembly: what a sitting is given, item by item.

Delivery asks three things of assembly: the plan of a new attempt (mode, blueprint
snapshot, seed, and for fixed and linear-on-the-fly tests every item in order), the next
item of an adaptive test given the answers so far, and, for `exam-engine replay`, the
same choices again from the recorded seed and responses. Every choice comes with a
selection record saying why it was made.

Until the assembly branch's blueprints and shadow-test engine are merged, the choices
here are made by a small stand-in with the same contract: a fixed form (criteria in
turn, items in code order), a seeded linear-on-the-fly draw (criteria in turn, items
drawn at random), and an adaptive maximum-information selection at the EAP ability with
content balancing over criteria and randomesque exposure control (one of the three most
informative items, Kingsbury & Zara, 1989). The pure selection works on plain data.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import current_app

from exam_engine.psychometrics.ability import eap
from exam_engine.psychometrics.models import ItemParameters, item_information

RANDOMESQUE = 3  # choose among this many most informative items
DEFAULT_DESIGN = {"mode": "cat", "items": 20, "cut_theta": 0.0}
BLUEPRINT_VERSION = "provisional-1"


@dataclass(frozen=True)
class PoolItem:
    """What selection knows of an item version."""

    id: int
    code: str
    criterion: str
    marks: int
    a: float
    d: tuple[float, ...]
    c: float
    pretest: bool = False


@dataclass(frozen=True)
class Choice:
    item_id: int
    pretest: bool
    record: dict[str, Any]


def design_for(unit_reference: str) -> dict[str, Any]:
    """The mode, length and cut of a unit's test (config `DELIVERY_TEST_DESIGNS` per unit)."""
    design = dict(DEFAULT_DESIGN)
    design.update(current_app.config.get("DELIVERY_TEST_DESIGNS", {}).get(unit_reference, {}))
    if design["mode"] not in ("fixed", "loft", "cat"):
        raise ValueError(f"unit {unit_reference}: test mode must be fixed, loft or cat, not {design['mode']!r}")
    if int(design["items"]) < 1:
        raise ValueError(f"unit {unit_reference}: a test needs at least one item")
    return design


def parameters(items: Sequence[PoolItem]) -> ItemParameters:
    """The items' IRT parameters (slope-intercept form; NaN pads one-mark items' second step)."""
    width = max((len(item.d) for item in items), default=1)
    d = np.full((len(items), width), np.nan)
    for row, item in enumerate(items):
        d[row, : len(item.d)] = item.d
    return ItemParameters(np.array([i.a for i in items], float), d, np.array([i.c for i in items], float))


def _in_turn(pool: Sequence[PoolItem], count: int, rng: random.Random | None) -> list[PoolItem]:
    """`count` items taking the criteria in turn, in code order or drawn with `rng`."""
    by_criterion: dict[str, list[PoolItem]] = {}
    for item in sorted(pool, key=lambda i: i.code):
        by_criterion.setdefault(item.criterion, []).append(item)
    if rng is not None:
        for items in by_criterion.values():
            rng.shuffle(items)
    chosen: list[PoolItem] = []
    queues = [by_criterion[c] for c in sorted(by_criterion)]
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen


def linear_form(mode: str, pool: Sequence[PoolItem], count: int, seed: int) -> list[Choice]:
    """A fixed form (the same for every sitting) or a seeded linear-on-the-fly test."""
    if len(pool) < count:
        raise ValueError(f"the pool holds {len(pool)} items; the test needs {count}")
    rng = None if mode == "fixed" else random.Random(seed)
    rule = "fixed form: criteria in turn, items in code order" if rng is None else \
        "linear on the fly: criteria in turn, items drawn with the attempt's seed"
    return [Choice(item.id, item.pretest, {"step": step, "rule": rule, "item": item.code,
                                           "criterion": item.criterion})
            for step, item in enumerate(_in_turn(pool, count, rng), start=1)]


def adaptive_choice(pool: Sequence[PoolItem], given: Sequence[int], scores: Sequence[float | None],
                    seed: int) -> Choice:
    """The next adaptive item after the items `given` (ids, in order) scored `scores` (None: unanswered, pretest)."""
    by_id = {item.id: item for item in pool}
    taken = [by_id[i] for i in given]
    scored = [(item, s) for item, s in zip(taken, scores, strict=True) if not item.pretest]
    if scored:
        estimate = eap(np.array([np.nan if s is None else s for _, s in scored]), parameters([i for i, _ in scored]))
        theta, se = estimate.theta, estimate.se
    else:
        theta, se = 0.0, 1.0
    remaining = [item for item in pool if item.id not in set(given)]
    if not remaining:
        raise ValueError("the pool has no items left to give")
    counts = {item.criterion: 0 for item in pool}
    for item in taken:
        counts[item.criterion] += 1
    least = min(counts[item.criterion] for item in remaining)
    eligible = sorted((item for item in remaining if counts[item.criterion] == least), key=lambda i: i.code)
    information = item_information(np.array([theta]), parameters(eligible))[0]
    ranked = sorted(zip(information.tolist(), eligible), key=lambda pair: (-pair[0], pair[1].code))[:RANDOMESQUE]
    rng = random.Random(seed * 1000 + len(given) + 1)
    info, chosen = ranked[rng.randrange(len(ranked))]
    return Choice(chosen.id, chosen.pretest, {
        "step": len(given) + 1, "rule": "maximum information at the EAP ability among the least-covered "
        f"criteria; randomesque choice among the {len(ranked)} most informative",
        "theta": round(theta, 4), "se": round(se, 4), "criterion": chosen.criterion, "item": chosen.code,
        "candidates": [{"item": item.code, "information": round(value, 4)} for value, item in ranked],
        "information": round(info, 4),
    })


def score(items: Sequence[PoolItem], marks: Sequence[int], cut_theta: float) -> dict[str, Any]:
    """Marks on the scored items, EAP ability and SE, and pass or fail at the cut (pretest items unscored)."""
    scored = [(item, mark) for item, mark in zip(items, marks, strict=True) if not item.pretest]
    total = sum(mark for _, mark in scored)
    available = sum(item.marks for item, _ in scored)
    if scored:
        estimate = eap(np.array([float(m) for _, m in scored]), parameters([i for i, _ in scored]))
        theta, se = estimate.theta, estimate.se
    else:
        theta, se = 0.0, 1.0
    return {"marks": total, "available_marks": available, "theta": round(theta, 4), "se": round(se, 4),
            "cut_theta": cut_theta, "passed": theta >= cut_theta, "scored_items": len(scored),
            "pretest_items": len(items) - len(scored)}
