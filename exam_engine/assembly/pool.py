"""The items a test is assembled from, as arrays.

An `ItemPool` is what the assembly engine knows of a bank: ids, IRT parameters (via
`exam_engine.psychometrics.models.ItemParameters`), marks, the learning outcome and
criterion each item counts under, its type and its enemy labels (enemy set, scenario:
items sharing a label must not appear together).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from exam_engine.psychometrics.models import ItemParameters, item_information


@dataclass(frozen=True)
class ItemPool:
    """A bank of ``m`` items.

    Attributes
    ----------
    ids : (m,) item ids (unique).
    parameters : IRT parameters (slope-intercept form, D = 1).
    marks : (m,) maximum marks.
    outcomes : (m,) learning outcome numbers ("1").
    criteria : (m,) criterion numbers ("1.3"); an item counts under its primary criterion.
    types : (m,) item types ("single_best_answer", ...).
    enemies : (m,) enemy labels per item; two items sharing a label are enemies.
    """

    ids: tuple[str, ...]
    parameters: ItemParameters
    marks: NDArray[np.int64]
    outcomes: tuple[str, ...]
    criteria: tuple[str, ...]
    types: tuple[str, ...]
    enemies: tuple[frozenset[str], ...]

    def __post_init__(self) -> None:
        m = len(self.ids)
        if len(set(self.ids)) != m:
            raise ValueError("item ids in a pool must be unique")
        sizes = {len(self.outcomes), len(self.criteria), len(self.types), len(self.enemies),
                 self.marks.shape[0], self.parameters.n_items}
        if sizes != {m}:
            raise ValueError(f"pool arrays disagree in length: {sorted(sizes)} for {m} ids")
        if self.parameters.is_graded.any() or np.any(self.parameters.upper < 1):
            raise ValueError("a pool holds GPCM / 3PL items only: graded response and 4PL items cannot be stored "
                             "in the bank or drawn into tests yet")

    @property
    def size(self) -> int:
        return len(self.ids)

    def index(self) -> dict[str, int]:
        """Item id -> position."""
        return {item: i for i, item in enumerate(self.ids)}

    def content_only(self) -> ItemPool:
        """The pool with every item given the same neutral parameters (slope 1, intercepts 0, no
        guessing): tests drawn from it follow the content rules alone, and a score on it rests on
        the marks alone (under a partial credit model with equal slopes the total is sufficient)."""
        d = self.parameters.d
        neutral = ItemParameters(np.ones(self.size), np.where(np.isnan(d), np.nan, 0.0), np.zeros(self.size))
        return replace(self, parameters=neutral)

    def information(self, theta: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """Fisher information of every item at each ability, ``(len(theta), m)``."""
        return item_information(np.atleast_1d(theta), self.parameters)

    @cached_property
    def digest(self) -> str:
        """SHA-256 of everything selection depends on, to check a replay uses the same bank (a pool
        never changes, so it is worked out once)."""
        content = {
            "ids": self.ids, "a": self.parameters.a.round(10).tolist(),
            "d": np.nan_to_num(self.parameters.d, nan=-999.0).round(10).tolist(),
            "c": self.parameters.c.round(10).tolist(), "marks": self.marks.tolist(),
            "outcomes": self.outcomes, "criteria": self.criteria, "types": self.types,
            "enemies": [sorted(e) for e in self.enemies],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def enemy_groups(pool: ItemPool, extra: tuple[tuple[str, ...], ...] = ()) -> list[tuple[int, ...]]:
    """Groups of item positions of which at most one may be in a test (two or more members).

    From the pool's enemy labels plus ``extra`` groups of item ids (the blueprint's).
    """
    by_label: dict[str, list[int]] = {}
    for i, labels in enumerate(pool.enemies):
        for label in labels:
            by_label.setdefault(label, []).append(i)
    position = pool.index()
    groups = [tuple(members) for members in by_label.values()]
    groups += [tuple(position[item] for item in group if item in position) for group in extra]
    return sorted({group for group in groups if len(group) > 1})
