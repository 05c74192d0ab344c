"""One request at a time: the next item of a sitting from what has been answered so far.

A web delivery cannot hold a running `sit` between requests, and need not. An adaptive
choice depends only on the items given so far and their marks, the items the sitting may
use (not seen before, no enemy of its pretest items: fixed by the seed before the first
item) and the stored eligibility draws - not on any work of the earlier steps. So
`next_item` takes the answers so far as given (they are forced into the shadow test
anyway) and makes only the new choice: one shadow test and one EAP per request, the
same choice `sit` makes at that step (`sitting.shadow_step` serves both). It checks the
answers cheaply (known items, usable, pretest items in their slots). `next_step` also
gives the record of the choice; a delivery that keeps those completes the sitting's record
from them (`kept_record`) without choosing again, while `finish` re-runs the whole
sitting, checking that each earlier item was the engine's choice, as `replay` does.

The caller keeps, per sitting: the mode, the seed, the seen items, the eligibility draws
(`Eligibility.draws`; draw every class once, at the start, and store them - with draws
made lazily as classes are reached, the order of drawing is the sitting's own, so
`next_item` then re-runs the sitting from its start) and the ``(item, marks)`` answers in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from exam_engine.assembly.blueprint import Mode
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.exposure import Eligibility
from exam_engine.assembly.record import SittingRecord, Step
from exam_engine.assembly.sitting import pretest_step, recorded, shadow_step, sit, start


class _Asked(Exception):
    def __init__(self, item: str) -> None:
        super().__init__(item)
        self.item = item


class AnswersDoNotMatch(ValueError):
    """The answers given are not for the items the engine chooses (tampering, or another bank)."""


def _run(engine: Engine, mode: Mode, seed: int, eligibility: Eligibility, seen: Iterable[str],
         answered: Sequence[tuple[str, float]], stop_at_new: bool) -> SittingRecord:
    queue = iter(answered)

    def respond(item: str) -> float:
        given = next(queue, None)
        if given is None:
            if stop_at_new:
                raise _Asked(item)
            return 0.0  # linear tests: answers do not change which items are chosen
        if given[0] != item:
            raise AnswersDoNotMatch(f"answer {given[0]} given where the engine chose {item}")
        return given[1]

    return sit(engine, mode, respond, seed, eligibility, seen)


def linear_items(engine: Engine, mode: Mode, seed: int, eligibility: Eligibility,
                 seen: Iterable[str] = ()) -> list[str]:
    """All items of a fixed or linear-on-the-fly test, in order (shown together; review allowed)."""
    if not Mode(mode).is_linear:
        raise ValueError(f"{mode} tests are adaptive: ask for one item at a time with next_item")
    return _run(engine, mode, seed, eligibility, seen, [], stop_at_new=False).items


def next_item(engine: Engine, mode: Mode, seed: int, eligibility: Eligibility, seen: Iterable[str],
              answered: Sequence[tuple[str, float]]) -> str | None:
    """The next item of an adaptive sitting after ``answered``; None when the test is complete."""
    if mode is not Mode.CAT or eligibility.rng is not None:
        try:  # the yardstick mode (no solver) and lazily drawn eligibility: run the sitting again
            _run(engine, mode, seed, eligibility, seen, answered, stop_at_new=True)
        except _Asked as asked:
            return asked.item
        return None
    step = next_step(engine, seed, eligibility, seen, answered)
    return None if step is None else step.item


def next_step(engine: Engine, seed: int, eligibility: Eligibility, seen: Iterable[str],
              answered: Sequence[tuple[str, float]]) -> Step | None:
    """The next step of an adaptive (``cat``) sitting with stored eligibility draws after
    ``answered``: the item and the record of its choice; None when the test is complete."""
    if eligibility.rng is not None:
        raise ValueError("draw every ability class's eligibility at the start and give the draws")
    progress = _progress(engine, seed, seen, answered)
    place = len(answered) + 1
    if progress.due_pretest is not None:
        return pretest_step(place, progress.due_pretest)
    if progress.complete:
        return None
    _, step = shadow_step(engine, progress.available, eligibility, progress.scores, progress.given)
    step.position = place
    return step


def kept_record(engine: Engine, seed: int, eligibility: Eligibility, seen: Iterable[str],
                steps: Sequence[Step]) -> SittingRecord | None:
    """The record of an adaptive sitting from the steps `next_step` gave (each ``score`` set to
    the marks earned), without choosing again; None if the sitting is not complete."""
    progress = _progress(engine, seed, seen, [(step.item, step.score or 0.0) for step in steps])
    if progress.due_pretest is not None or not progress.complete:
        return None
    return recorded(engine, Mode.CAT, seed, eligibility, seen, list(steps))


@dataclass
class _Progress:
    available: np.ndarray  # (m,) items the sitting may use
    scores: np.ndarray  # (m,) marks of the scored items given, NaN elsewhere
    given: list[int]  # scored items given, in order
    due_pretest: str | None  # a pretest item whose slot has come
    complete: bool  # the scored items reach the total marks


def _progress(engine: Engine, seed: int, seen: Iterable[str], answered: Sequence[tuple[str, float]]) -> _Progress:
    """Where an adaptive sitting stands after ``answered``, checked cheaply (no solve)."""
    pool = engine.pool
    pretest, available = start(engine, np.random.default_rng(seed), sorted(set(seen)))
    slots = {slot["item"]: slot["after"] for slot in pretest}
    position = pool.index()
    scores = np.full(pool.size, np.nan)
    given: list[int] = []
    pretested: set[str] = set()
    for n, (item, marks) in enumerate(answered, 1):
        if item in slots:
            if item in pretested or slots[item] > len(given):
                raise AnswersDoNotMatch(f"answer {n}: pretest item {item} is not due there")
            pretested.add(item)
        elif item not in position or not available[position[item]] or position[item] in given:
            raise AnswersDoNotMatch(f"answer {n}: {item} is not an item this sitting may give there")
        elif any(slot not in pretested and after <= len(given) for slot, after in slots.items()):
            raise AnswersDoNotMatch(f"answer {n}: {item} given where a pretest item was due")
        else:
            given.append(position[item])
            scores[position[item]] = marks
    complete = int(pool.marks[given].sum()) >= engine.blueprint.total_marks
    due = next((slot["item"] for slot in pretest  # pretest items fall due after their scored item, the rest at the end
                if slot["item"] not in pretested and (slot["after"] <= len(given) or complete)), None)
    return _Progress(available, scores, given, due, complete)


def finish(engine: Engine, mode: Mode, seed: int, eligibility: Eligibility, seen: Iterable[str],
           answered: Sequence[tuple[str, float]]) -> SittingRecord:
    """The scored record of a completed sitting (every item answered, in the order given), by
    running it again: each earlier item is checked to be the engine's choice. A delivery that
    kept each `next_step` may instead complete the record from them (`kept_record`)."""
    try:
        record = _run(engine, mode, seed, eligibility, seen, answered, stop_at_new=True)
    except _Asked as asked:
        raise AnswersDoNotMatch(f"the sitting is not complete: {asked.item} has not been answered") from None
    if len(record.steps) != len(answered):
        raise AnswersDoNotMatch(f"{len(answered)} answers for a test of {len(record.steps)} items")
    return record
