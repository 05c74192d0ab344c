"""Checking an assembled test against its blueprint, independently of the solver.

Plain counting over item ids, sharing no code with the constraint model, so a fault
in the model cannot hide its own breaches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from exam_engine.assembly.blueprint import Blueprint
from exam_engine.assembly.pool import ItemPool


def breaches(blueprint: Blueprint, pool: ItemPool, scored: Sequence[str], pretest: Sequence[str] = (),
             pretest_pool: ItemPool | None = None) -> list[str]:
    """Every rule of ``blueprint`` that the test breaks: ``scored`` items of ``pool`` and
    ``pretest`` items of ``pretest_pool``."""
    where = pool.index()
    found: list[str] = []
    unknown = [item for item in scored if item not in where]
    unknown += [item for item in pretest if pretest_pool is None or item not in pretest_pool.index()]
    if unknown:
        return [f"items not in the pool: {', '.join(unknown)}"]
    if len(set(scored) | set(pretest)) != len(scored) + len(pretest):
        found.append("an item appears twice")
    marks = {item: int(pool.marks[where[item]]) for item in scored}
    total = sum(marks.values())
    if total != blueprint.total_marks:
        found.append(f"total marks {total}, blueprint sets {blueprint.total_marks}")
    if blueprint.test_items and len(scored) != blueprint.test_items:
        found.append(f"{len(scored)} scored items, blueprint sets {blueprint.test_items}")
    lo_of = blueprint.criteria
    per_lo: Counter[str] = Counter()
    per_ac: Counter[str] = Counter()
    per_type: Counter[str] = Counter()
    for item in scored:
        ac = pool.criteria[where[item]]
        if ac not in lo_of:
            found.append(f"{item}: criterion {ac} is not in the blueprint")
            continue
        per_lo[lo_of[ac]] += marks[item]
        per_ac[ac] += 1
        per_type[pool.types[where[item]]] += 1
    for rule in blueprint.outcomes:
        if not rule.min_marks <= per_lo[rule.number] <= rule.max_marks:
            found.append(f"LO{rule.number} has {per_lo[rule.number]} marks, "
                         f"blueprint sets {rule.min_marks}-{rule.max_marks}")
    for ac, count in per_ac.items():
        if count > blueprint.max_items_per_criterion:
            found.append(f"AC{ac} has {count} items, at most {blueprint.max_items_per_criterion} allowed")
    seconds = 0
    for item_type in set(per_type) | {rule.type for rule in blueprint.item_types}:
        type_rule = blueprint.type_rule(item_type)
        if type_rule is None:
            found.append(f"{per_type[item_type]} items of type {item_type}, which the blueprint does not allow")
            continue
        if not type_rule.min_items <= per_type[item_type] <= type_rule.max_items:
            found.append(f"{per_type[item_type]} {item_type} items, "
                         f"blueprint sets {type_rule.min_items}-{type_rule.max_items}")
        seconds += type_rule.seconds * per_type[item_type]
    if seconds + blueprint.pretest_seconds > blueprint.seconds:
        found.append(f"expected time {seconds + blueprint.pretest_seconds} s exceeds {blueprint.seconds} s")
    if len(pretest) > blueprint.pretest_slots:
        found.append(f"{len(pretest)} pretest items in {blueprint.pretest_slots} slots")
    labels = {item: pool.enemies[where[item]] for item in scored}
    if pretest_pool is not None:
        labels |= {item: pretest_pool.enemies[pretest_pool.index()[item]] for item in pretest}
    found += _enemy_breaches(blueprint, labels)
    return found


def _enemy_breaches(blueprint: Blueprint, labels: dict[str, frozenset[str]]) -> list[str]:
    found = []
    holders: dict[str, list[str]] = {}
    for item, item_labels in labels.items():
        for label in item_labels:
            holders.setdefault(label, []).append(item)
    for label, members in holders.items():
        if len(members) > 1:
            found.append(f"enemies together ({label}): {', '.join(members)}")
    chosen = set(labels)
    for group in blueprint.enemy_sets:
        together = [item for item in group if item in chosen]
        if len(together) > 1:
            found.append(f"blueprint enemies together: {', '.join(together)}")
    return found
