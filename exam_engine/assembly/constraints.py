"""The 0-1 constraint model of a blueprint, shared by every assembly mode.

Variable ``x_i = 1`` puts item ``i`` in the test. The rows (van der Linden, 2005,
*Linear Models for Optimal Test Design*, ch. 3) are::

    sum_i marks_i x_i                     = total marks
              sum_i x_i                   = test items            (where the blueprint fixes them)
    min_LO <= sum_{i in LO} marks_i x_i  <= max_LO        (every learning outcome)
              sum_{i in AC} x_i          <= max per AC    (every criterion)
    min_T  <= sum_{i of type T} x_i      <= max_T         (item-type mix)
              sum_i seconds_i x_i        <= minutes * 60 - pretest time
              sum_{i in E} x_i           <= 1             (every enemy group E)

with ``x_i = 1`` fixed for items already administered. Items whose criterion or type
the blueprint does not name, and items excluded for the sitting (seen at an earlier
sitting, enemies of its pretest items), are not variables at all.

`candidates` prunes the variables exactly for an objective that is a sum over items:
items with the same outcome, criterion, type and marks are interchangeable in every
row but the enemy rows, so an optimal test never needs more of them than the cell can
hold, and never an enemy-set member that ranks below that many free ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from exam_engine.assembly.blueprint import Blueprint
from exam_engine.assembly.pool import ItemPool, enemy_groups

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class RuleLayout:
    """Which rule rows each item of a pool enters, computed once per blueprint and pool."""

    blueprint: Blueprint
    pool: ItemPool
    outcome: IntArray  # (m,) index into blueprint.outcomes, -1 if not in the blueprint
    criterion: IntArray  # (m,) index into criterion_names, -1 if not in the blueprint
    item_type: IntArray  # (m,) index into blueprint.item_types, -1 if not allowed
    seconds: NDArray[np.float64]  # (m,)
    criterion_names: tuple[str, ...]
    enemy_groups: tuple[tuple[int, ...], ...]
    in_enemy_group: NDArray[np.bool_]  # (m,)
    cell_cap: IntArray  # (m,) most items of this item's cell a test can hold

    @property
    def usable(self) -> NDArray[np.bool_]:
        """Items the blueprint can use at all."""
        return (self.outcome >= 0) & (self.criterion >= 0) & (self.item_type >= 0)

    @classmethod
    def build(cls, blueprint: Blueprint, pool: ItemPool) -> RuleLayout:
        names = tuple(ac for rule in blueprint.outcomes for ac in rule.criteria)
        lo_of = {ac: k for k, rule in enumerate(blueprint.outcomes) for ac in rule.criteria}
        ac_of = {ac: k for k, ac in enumerate(names)}
        type_of = {rule.type: k for k, rule in enumerate(blueprint.item_types)}
        criterion = np.array([ac_of.get(ac, -1) for ac in pool.criteria], dtype=np.int64)
        # An item counts under the outcome its criterion belongs to in the blueprint.
        outcome = np.array([lo_of.get(ac, -1) for ac in pool.criteria], dtype=np.int64)
        item_type = np.array([type_of.get(t, -1) for t in pool.types], dtype=np.int64)
        seconds = np.array([blueprint.item_types[k].seconds if k >= 0 else 0 for k in item_type], float)
        groups = tuple(enemy_groups(pool, blueprint.enemy_sets))
        in_group = np.zeros(pool.size, bool)
        for group in groups:
            in_group[list(group)] = True
        cap = np.zeros(pool.size, np.int64)
        for i in range(pool.size):
            if outcome[i] >= 0 and item_type[i] >= 0:
                marks = max(int(pool.marks[i]), 1)
                cap[i] = min(blueprint.max_items_per_criterion, blueprint.item_types[item_type[i]].max_items,
                             blueprint.outcomes[outcome[i]].max_marks // marks, blueprint.total_marks // marks)
        return cls(blueprint, pool, outcome, criterion, item_type, seconds, names, groups, in_group, cap)

    def candidates(self, available: NDArray[np.bool_], fixed: IntArray, weights: NDArray[np.float64]) -> IntArray:
        """Variables an optimal test under ``max sum weights_i x_i`` can need (see module docstring).

        ``available`` (m,) marks items allowed in this sitting; ``fixed`` items are always kept.
        """
        keep = np.zeros(self.pool.size, bool)
        keep[fixed] = True
        open_items = np.flatnonzero(available & self.usable & ~keep)
        cells = (self.criterion[open_items] * 64 + self.item_type[open_items]) * 8 + self.pool.marks[open_items]
        order = np.lexsort((-weights[open_items], cells))
        ranked, ranked_cells = open_items[order], cells[order]
        starts = np.flatnonzero(np.r_[ranked.size > 0, ranked_cells[1:] != ranked_cells[:-1]])
        ends = np.r_[starts[1:], ranked.size]
        for start, end in zip(starts, ends):
            members = ranked[start:end]
            free_seen = np.cumsum(~self.in_enemy_group[members])
            cap = self.cell_cap[members[0]]
            # keep everything up to and including the cap-th free item of the cell
            last = np.searchsorted(free_seen, cap) if cap > 0 else -1
            keep[members[: last + 1]] = True
        return np.flatnonzero(keep)

    def model(self, candidates: IntArray, fixed: IntArray | None = None) -> ConstraintModel:
        """The constraint rows over the given candidate items, with ``fixed`` items forced in."""
        fixed = np.empty(0, np.int64) if fixed is None else fixed
        bp, pool = self.blueprint, self.pool
        marks = pool.marks[candidates].astype(float)
        rows: list[NDArray[np.float64]] = [marks[None, :]]
        lower, upper = [float(bp.total_marks)], [float(bp.total_marks)]
        names, kinds = ["total marks"], ["total"]
        if bp.test_items:
            rows.append(np.ones((1, candidates.size)))
            lower.append(float(bp.test_items))
            upper.append(float(bp.test_items))
            names.append("test items")
            kinds.append("length")
        lo = self.outcome[candidates]
        for k, rule in enumerate(bp.outcomes):
            rows.append((marks * (lo == k))[None, :])
            lower.append(rule.min_marks)
            upper.append(rule.max_marks)
            names.append(f"LO{rule.number} marks")
            kinds.append("outcome")
        ac = self.criterion[candidates]
        for k, name in enumerate(self.criterion_names):
            rows.append((ac == k).astype(float)[None, :])
            lower.append(0.0)
            upper.append(bp.max_items_per_criterion)
            names.append(f"AC{name} items")
            kinds.append("criterion")
        types = self.item_type[candidates]
        for k, type_rule in enumerate(bp.item_types):
            rows.append((types == k).astype(float)[None, :])
            lower.append(type_rule.min_items)
            upper.append(type_rule.max_items)
            names.append(f"{type_rule.type} items")
            kinds.append("type")
        rows.append(self.seconds[candidates][None, :])
        lower.append(0.0)
        upper.append(float(bp.seconds - bp.pretest_seconds))
        names.append("time (seconds)")
        kinds.append("time")
        column = {item: j for j, item in enumerate(candidates.tolist())}
        for group in self.enemy_groups:
            present = [column[i] for i in group if i in column]
            if len(present) > 1:
                row = np.zeros(candidates.size)
                row[present] = 1.0
                rows.append(row[None, :])
                lower.append(0.0)
                upper.append(1.0)
                names.append("enemies " + ", ".join(pool.ids[i] for i in group))
                kinds.append("enemy")
        forced = np.isin(candidates, fixed)
        return ConstraintModel(candidates, np.vstack(rows), np.array(lower), np.array(upper),
                               tuple(names), tuple(kinds), forced)


@dataclass(frozen=True)
class ConstraintModel:
    """``lower <= matrix @ x <= upper`` over the candidate items; ``forced`` columns are 1."""

    candidates: IntArray
    matrix: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    forced: NDArray[np.bool_]

    def without(self, kind: str) -> ConstraintModel:
        """The model with one kind of rule dropped (used to find why a blueprint is infeasible)."""
        keep = np.array([k != kind for k in self.kinds])
        return ConstraintModel(self.candidates, self.matrix[keep], self.lower[keep], self.upper[keep],
                               tuple(n for n, k in zip(self.names, keep) if k),
                               tuple(k for k in self.kinds if k != kind), self.forced)

    def needed(self) -> NDArray[np.bool_]:
        """Rows that some 0-1 choice could break; the others cannot bind and need not reach the solver."""
        low_x = self.forced.astype(float)
        lowest: NDArray[np.float64] = np.minimum(self.matrix * low_x, self.matrix).sum(axis=1)
        highest: NDArray[np.float64] = np.maximum(self.matrix * low_x, self.matrix).sum(axis=1)
        return (lowest < self.lower - 1e-9) | (highest > self.upper + 1e-9)

    def binding(self, chosen: NDArray[np.bool_]) -> list[str]:
        """Rules at a bound in the test ``chosen`` (over candidates), e.g. ``LO2 marks = 7 (max)``."""
        activity = self.matrix @ chosen.astype(float)
        at_max = np.isclose(activity, self.upper) & (self.lower != self.upper)
        at_min = np.isclose(activity, self.lower) & (self.lower > 0) & (self.lower != self.upper) & ~at_max
        found = []
        for r in np.flatnonzero(at_max | at_min):
            name, kind, value = self.names[r], self.kinds[r], activity[r]
            if kind == "enemy":
                found.append(f"{name}: one used")
            else:
                found.append(f"{name} = {value:g} ({'max' if at_max[r] else 'min'})")
        return found
