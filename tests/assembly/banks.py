"""Small random banks and blueprints for the assembly tests (kept small so the tests are fast)."""

from __future__ import annotations

import dataclasses

import numpy as np

from exam_engine.assembly.blueprint import Blueprint, ItemTypeRule, Mode, OutcomeRule
from exam_engine.assembly.pool import ItemPool
from exam_engine.psychometrics.models import ItemParameters, gpcm_intercepts_from_steps

CRITERIA = {"1": ("1.1", "1.2", "1.3"), "2": ("2.1", "2.2"), "3": ("3.1", "3.2", "3.3")}


def small_blueprint(**changes) -> Blueprint:
    """12 marks over three outcomes; one-mark and two-mark items; two pretest slots."""
    blueprint = Blueprint(
        unit="Y/506/2152", title="Test unit", minutes=20, total_marks=12, cut_theta=0.0,
        outcomes=(OutcomeRule("1", 3, 5, CRITERIA["1"]), OutcomeRule("2", 2, 4, CRITERIA["2"]),
                  OutcomeRule("3", 3, 5, CRITERIA["3"])),
        max_items_per_criterion=2,
        item_types=(ItemTypeRule("single_best_answer", 4, 12, 60), ItemTypeRule("multiple_response", 0, 2, 120),
                    ItemTypeRule("ordering", 0, 2, 90)),
        max_exposure=0.5, mode=Mode.CAT, pretest_slots=2, exposure_edges=(0.0,),
    )
    return dataclasses.replace(blueprint, **changes)


def random_pool(size: int, seed: int, prefix: str = "I", enemy_every: int = 0) -> ItemPool:
    """Items spread over `CRITERIA`: mostly 3PL one-mark, every fifth a two-mark GPCM item,
    every seventh an ordering item; with ``enemy_every``, consecutive pairs share an enemy set."""
    rng = np.random.default_rng(seed)
    criteria = [ac for group in CRITERIA.values() for ac in group]
    ac = [criteria[i % len(criteria)] for i in range(size)]
    marks = np.array([2 if i % 5 == 4 else 1 for i in range(size)], np.int64)
    types = tuple("multiple_response" if m == 2 else ("ordering" if i % 7 == 6 else "single_best_answer")
                  for i, m in enumerate(marks))
    a = rng.lognormal(0.0, 0.3, size)
    b = rng.normal(0.0, 1.0, size)
    d = np.full((size, 2), np.nan)
    d[:, 0] = -a * b
    two = marks == 2
    d[two] = gpcm_intercepts_from_steps(a[two], np.c_[b[two] - 0.5, b[two] + 0.5])
    c = np.where(two, 0.0, rng.uniform(0.0, 0.25, size))
    enemies = tuple(frozenset({f"{prefix}E{i // 2}"}) if enemy_every and (i // 2) % enemy_every == 0 else frozenset()
                    for i in range(size))
    return ItemPool(tuple(f"{prefix}{i:03d}" for i in range(size)), ItemParameters(a, d, c), marks,
                    tuple(x.split(".")[0] for x in ac), tuple(ac), types, enemies)


def answers(pool: ItemPool, seed: int):
    """A deterministic learner: answers depend only on the item id and ``seed``."""
    def respond(item: str) -> float:
        rng = np.random.default_rng([seed, int(item[-3:]), ord(item[0])])
        return float(rng.integers(0, 2))
    return respond
