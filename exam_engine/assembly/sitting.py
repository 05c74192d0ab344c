"""Running one sitting in any mode, recording every choice.

`sit` takes the learner's answers through ``respond(item id) -> marks`` so the same code
serves delivery, simulation and replay. Randomness (which fixed form, linear-test tie
breaks, pretest items and their places) comes only from ``seed``; the exposure draws
come from the given `Eligibility`, so a record reproduces the sitting exactly.

Adaptive tests are forward only: an item is chosen after the previous answer is in,
from a shadow test that contains every item given so far. Fixed and linear-on-the-fly
tests are whole at the start, so learners may review and change answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from exam_engine.assembly import ENGINE_VERSION
from exam_engine.assembly.blueprint import Mode
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.exposure import Eligibility
from exam_engine.assembly.record import SittingRecord, Step
from exam_engine.assembly.scoring import score
from exam_engine.assembly.solver import Infeasible, Solution
from exam_engine.psychometrics.ability import eap

INELIGIBLE_PENALTY = 1000.0  # information units: an ineligible item only when the rules need it
PRIOR = (0.0, 1.0)

Respond = Callable[[str], float]


def sit(engine: Engine, mode: Mode, respond: Respond, seed: int, eligibility: Eligibility,
        seen: Iterable[str] = ()) -> SittingRecord:
    """Administer and score one sitting; ``seen`` are items of the learner's earlier sittings."""
    mode = Mode(mode)
    pool, rng = engine.pool, np.random.default_rng(seed)
    seen = sorted(set(seen))
    pretest, available = start(engine, rng, seen)
    record = SittingRecord(ENGINE_VERSION, mode, engine.blueprint.unit, engine.bank_digest, engine.blueprint_digest,
                           seed, seen, list(eligibility.edges), {}, pretest)
    scores = np.full(pool.size, np.nan)
    runner = {Mode.FIXED: _fixed, Mode.LOFT: _loft, Mode.CAT: _adaptive, Mode.MAXINFO: _maximum_information}[mode]
    runner(engine, record, available, eligibility, rng, _Administer(engine, record, respond, scores))
    return _scored(engine, record, eligibility)


def recorded(engine: Engine, mode: Mode, seed: int, eligibility: Eligibility, seen: Iterable[str],
             steps: list[Step]) -> SittingRecord:
    """The record of a sitting whose steps were made one at a time (each `shadow_step` or
    `pretest_step`, its ``score`` set to the marks earned): what `sit` gives for the same
    choices and marks, without choosing again."""
    seen = sorted(set(seen))
    pretest, _ = start(engine, np.random.default_rng(seed), seen)
    record = SittingRecord(ENGINE_VERSION, mode, engine.blueprint.unit, engine.bank_digest, engine.blueprint_digest,
                           seed, seen, list(eligibility.edges), {}, pretest, steps=list(steps))
    return _scored(engine, record, eligibility)


def _scored(engine: Engine, record: SittingRecord, eligibility: Eligibility) -> SittingRecord:
    """The record completed with the eligibility it used and the score of its scored items."""
    pool = engine.pool
    record.eligibility = {str(g): [pool.ids[i] for i in np.flatnonzero(~mask)]
                          for g, mask in sorted(eligibility.draws.items())}
    record.capped = [pool.ids[i] for i in np.flatnonzero(eligibility.ceiling(pool.size))]
    position = pool.index()
    scored = [(position[step.item], step.score) for step in record.steps if not step.pretest]
    index = np.array([i for i, _ in scored], np.int64)
    reference = pool.parameters.subset(engine.reference_form)
    record.score = score(np.array([m for _, m in scored], float), pool.parameters.subset(index), reference,
                         engine.blueprint.cut_theta).as_dict()
    return record


def start(engine: Engine, rng: np.random.Generator, seen: list[str]) -> tuple[list[dict[str, Any]], np.ndarray]:
    """What a sitting fixes before its first item: the pretest slots (the only random numbers an
    adaptive test draws from its seed) and the scored items it may use (not seen, no pretest enemy)."""
    pretest = _choose_pretest(engine, rng, set(seen))
    available = ~np.isin(np.array(engine.pool.ids), seen) & ~engine.enemies_of([p["item"] for p in pretest])
    return pretest, available


class _Administer:
    """Gives an item (pretest items falling due first) and stores the learner's marks."""

    def __init__(self, engine: Engine, record: SittingRecord, respond: Respond, scores: np.ndarray) -> None:
        self.engine, self.record, self.respond, self.scores = engine, record, respond, scores
        self.scored = 0

    def pretest_due(self, final: bool = False) -> None:
        for slot in self.record.pretest:
            done = any(step.item == slot["item"] for step in self.record.steps)
            if not done and (slot["after"] <= self.scored or final):
                step = pretest_step(len(self.record.steps) + 1, slot["item"])
                step.score = float(self.respond(slot["item"]))
                self.record.steps.append(step)

    def scored_item(self, index: int, step: Step) -> None:
        self.pretest_due()
        step.position = len(self.record.steps) + 1
        step.score = float(self.respond(step.item))
        self.scores[index] = step.score
        self.record.steps.append(step)
        self.scored += 1


def pretest_step(position: int, item: str) -> Step:
    """A pretest item given in its slot (chosen at the start, so there is nothing more to record)."""
    return Step(position, item, True, None, None, 0, "pretest item, unscored, in its seeded place")


def _choose_pretest(engine: Engine, rng: np.random.Generator, seen: set[str]) -> list[dict[str, Any]]:
    """Random pretest items for the slots (no two enemies), each placed after a random scored item."""
    slots, bank = engine.blueprint.pretest_slots, engine.pretest
    if not slots or bank is None:
        return []
    chosen: list[str] = []
    labels: set[str] = set()
    for i in rng.permutation(bank.size):
        if bank.ids[i] not in seen and not (bank.enemies[i] & labels) and len(chosen) < slots:
            chosen.append(bank.ids[i])
            labels |= bank.enemies[i]
    shortest = max(2, engine.blueprint.total_marks // int(engine.pool.marks.max(initial=1)))
    return [{"item": item, "after": int(rng.integers(1, shortest))} for item in chosen]


def _linear(engine: Engine, record: SittingRecord, items: np.ndarray, administer: _Administer, reason: str) -> None:
    info = engine.pool.information(PRIOR[0])[0]
    for index in items:
        administer.scored_item(int(index), Step(0, engine.pool.ids[index], False, PRIOR[0], PRIOR[1], int(items.size),
                                                reason, information=float(info[index])))
    administer.pretest_due(final=True)


def _fixed(engine: Engine, record: SittingRecord, available: np.ndarray, eligibility: Eligibility,
           rng: np.random.Generator, administer: _Administer) -> None:
    """One of the parallel forms at random, among those holding nothing the learner has seen."""
    forms = engine.fixed_forms
    usable = [k for k, form in enumerate(forms) if available[form].all()]
    if not usable:
        raise Infeasible(["every fixed form holds an item the learner has already seen or a pretest enemy"])
    record.form = int(usable[rng.integers(len(usable))])
    _linear(engine, record, forms[record.form], administer, f"fixed form {record.form + 1} of {len(forms)}")


def _loft(engine: Engine, record: SittingRecord, available: np.ndarray, eligibility: Eligibility,
          rng: np.random.Generator, administer: _Administer) -> None:
    """A whole test to the target information curve from the eligible items, assembled now."""
    start = time.perf_counter()
    mask = eligibility.mask(PRIOR[0])
    tie_break = rng.random(engine.pool.size)
    solution, fallback = _with_fallback(lambda allowed, penalty: engine.linear_test(allowed, tie_break - penalty),
                                        available, mask, eligibility.ceiling(engine.pool.size))
    record.assembly = {"eligible_pool": int((available & mask & engine.layout.usable).sum()),
                       "binding": solution.binding, "shortfall": solution.shortfall.round(4).tolist(),
                       "target": engine.target.round(4).tolist(), "fallback": fallback,
                       "select_ms": 1000 * (time.perf_counter() - start)}
    _linear(engine, record, engine.in_test_order(solution.items), administer, "linear-on-the-fly test to target")


def _adaptive(engine: Engine, record: SittingRecord, available: np.ndarray, eligibility: Eligibility,
              rng: np.random.Generator, administer: _Administer) -> None:
    """Shadow-test CAT: before each item, a full rule-abiding test containing the items given."""
    given: list[int] = []
    marks = 0
    while marks < engine.blueprint.total_marks:
        administer.pretest_due()
        chosen, step = shadow_step(engine, available, eligibility, administer.scores, given)
        administer.scored_item(chosen, step)
        given.append(chosen)
        marks += int(engine.pool.marks[chosen])
    administer.pretest_due(final=True)


def shadow_step(engine: Engine, available: np.ndarray, eligibility: Eligibility, scores: np.ndarray,
                given: list[int]) -> tuple[int, Step]:
    """One adaptive choice: the most informative free item of the shadow test at the EAP ability.

    It depends only on the items given (in order), their marks (``scores``, NaN where not given),
    the items available and the eligibility draws - no earlier step's work - so a delivery can
    make it alone for each request (`stepwise.next_item`) and still agree with a whole `sit`.
    """
    pool = engine.pool
    start_time = time.perf_counter()
    theta, se = _estimate(scores, engine)
    mask = eligibility.mask(theta)
    info = pool.information(theta)[0]
    done = np.array(given, np.int64)
    capped = eligibility.ceiling(pool.size)
    solution, fallback = _with_fallback(lambda allowed, penalty: engine.shadow_test(allowed, done, info - penalty),
                                        available, mask, capped)
    free = np.setdiff1d(solution.items, done)
    weights = info[free] - INELIGIBLE_PENALTY * (~mask[free] + capped[free].astype(float))
    chosen = int(free[np.argmax(weights)])
    step = Step(0, pool.ids[chosen], False, theta, se, int((available & mask & engine.layout.usable).sum()),
                "most informative free item of the shadow test at the current ability",
                eligibility.ability_class(theta), eligibility.probability(theta, chosen), float(info[chosen]),
                [pool.ids[i] for i in solution.items], solution.binding, None, fallback,
                select_ms=1000 * (time.perf_counter() - start_time))
    return chosen, step


def _maximum_information(engine: Engine, record: SittingRecord, available: np.ndarray, eligibility: Eligibility,
                         rng: np.random.Generator, administer: _Administer) -> None:
    """Yardstick: the most informative unused item that still fits the marks; no other rule."""
    pool, left = engine.pool, engine.blueprint.total_marks
    used = ~available.copy()
    while left > 0:
        start = time.perf_counter()
        theta, se = _estimate(administer.scores, engine)
        info = np.where(used | (pool.marks > left), -np.inf, pool.information(theta)[0])
        chosen = int(np.argmax(info))
        if not np.isfinite(info[chosen]):
            raise Infeasible(["the bank has too few items to reach the total marks"])
        administer.scored_item(chosen, Step(0, pool.ids[chosen], False, theta, se, int((~used).sum()),
                                            "most informative unused item (no rules)", information=float(info[chosen]),
                                            select_ms=1000 * (time.perf_counter() - start)))
        used[chosen] = True
        left -= int(pool.marks[chosen])
    administer.pretest_due(final=True)


def _estimate(scores: np.ndarray, engine: Engine) -> tuple[float, float]:
    """Interim EAP ability and SE from the scored items so far (the prior before any)."""
    answered = ~np.isnan(scores)
    if not answered.any():
        return PRIOR
    theta, se = eap(scores[answered], engine.pool.parameters.subset(answered))
    return float(theta), float(se)


def _with_fallback(assemble: Callable[[np.ndarray, np.ndarray], Solution], available: np.ndarray,
                   eligible: np.ndarray, capped: np.ndarray) -> tuple[Solution, bool]:
    """Assemble from eligible items; if the rules cannot be met so, let ineligible ones in at a
    penalty, those at the exposure ceiling only if the rules cannot be met without them."""
    try:
        return assemble(available & eligible, np.zeros(available.size)), False
    except Infeasible:
        pass
    penalty = INELIGIBLE_PENALTY * ~eligible
    try:
        return assemble(available & ~capped, penalty), True
    except Infeasible:
        return assemble(available, penalty), True
