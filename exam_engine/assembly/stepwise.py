"""One request at a time: the next item of a sitting from what has been answered so far.

A web delivery cannot hold a running `sit` between requests, and need not: the engine is
deterministic given the seed, the exposure draws, the items seen before and the answers,
so the next item is found by re-running the sitting on the answers so far until it asks
for one more (a re-run costs one shadow test per item already given). At the end,
`finish` gives the full record, identical to what `replay` checks.

The caller keeps, per sitting: the mode, the seed, the seen items, the eligibility draws
(`Eligibility.draws`; draw them once, at the start or as classes are reached, and store
them) and the ``(item, marks)`` answers in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from exam_engine.assembly.engine import Engine
from exam_engine.assembly.exposure import Eligibility
from exam_engine.assembly.record import SittingRecord
from exam_engine.assembly.sitting import sit


class _Asked(Exception):
    def __init__(self, item: str) -> None:
        super().__init__(item)
        self.item = item


class AnswersDoNotMatch(ValueError):
    """The answers given are not for the items the engine chooses (tampering, or another bank)."""


def _run(engine: Engine, mode: str, seed: int, eligibility: Eligibility, seen: Iterable[str],
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


def linear_items(engine: Engine, mode: str, seed: int, eligibility: Eligibility, seen: Iterable[str] = ()) -> list[str]:
    """All items of a fixed or linear-on-the-fly test, in order (shown together; review allowed)."""
    if mode not in ("fixed", "loft"):
        raise ValueError(f"{mode} tests are adaptive: ask for one item at a time with next_item")
    return _run(engine, mode, seed, eligibility, seen, [], stop_at_new=False).items


def next_item(engine: Engine, mode: str, seed: int, eligibility: Eligibility, seen: Iterable[str],
              answered: Sequence[tuple[str, float]]) -> str | None:
    """The next item of an adaptive sitting after ``answered``; None when the test is complete."""
    try:
        _run(engine, mode, seed, eligibility, seen, answered, stop_at_new=True)
    except _Asked as asked:
        return asked.item
    return None


def finish(engine: Engine, mode: str, seed: int, eligibility: Eligibility, seen: Iterable[str],
           answered: Sequence[tuple[str, float]]) -> SittingRecord:
    """The scored record of a completed sitting (every item answered, in the order given)."""
    try:
        record = _run(engine, mode, seed, eligibility, seen, answered, stop_at_new=True)
    except _Asked as asked:
        raise AnswersDoNotMatch(f"the sitting is not complete: {asked.item} has not been answered") from None
    if len(record.steps) != len(answered):
        raise AnswersDoNotMatch(f"{len(answered)} answers for a test of {len(record.steps)} items")
    return record
