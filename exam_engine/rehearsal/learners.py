"""The rehearsal's simulated learners: each sits the test through the delivery services.

A learner starts the attempt the way the runner does (the test is assembled from the
unit's blueprint and live bank), answers each item given, moves on (an adaptive test
chooses the next item after each answer) and submits. For one too slow for the clock,
the runner page's timer reaches zero at the deadline and asks for the status, and the
time-out path closes the attempt there. Answers are drawn
from the learner's simulated ability with the item version's parameters (calibrated, or
provisional from the writer's rating: those the engine selects and scores with), so the
engine's score and pass or fail follow the ability.

Every step runs at its simulated time on a shared timeline, in time order with the
invigilation events, so the services see the sitting as it is at that moment: a step
refused because the sitting is paused waits and tries again, as the runner page does.
Each step is one unit of work, as a request is.
"""

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select

from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.models import AnswerEvent, Attempt
from exam_engine.delivery.services import answers, attempts, submission
from exam_engine.delivery.services.grading import grade
from exam_engine.psychometrics.models import ItemParameters, category_probability
from invigilation.models.sessions import Alert, Sitting
from invigilation.services.timing import timing
from item_bank.items.models import ItemVersion
from item_bank.items.scoring import ItemType, score

PAUSE_RETRY = timedelta(seconds=30)  # how often a paused learner's page tries again
WRONG_ANSWER_TRIES = 200

Step = Callable[[datetime], None]


class Timeline:
    """Simulated steps run in time order (steps due at the same time in the order they were added)."""

    def __init__(self) -> None:
        self._steps: list[tuple[datetime, int, Step]] = []
        self._order = itertools.count()

    def at(self, when: datetime, step: Step) -> None:
        heapq.heappush(self._steps, (when, next(self._order), step))

    def run_until(self, end: datetime) -> None:
        """Run every step due before `end`, including those the steps add; later ones are dropped.

        Each step is one unit of work, as each request is on a server."""
        while self._steps and self._steps[0][0] < end:
            when, _, step = heapq.heappop(self._steps)
            with unit_of_work():
                step(when)
        self._steps.clear()


def _random_answer(version: ItemVersion, rng: random.Random) -> Any:
    ids = [option["id"] for option in version.options]
    if version.type is ItemType.SINGLE_BEST_ANSWER:
        return rng.choice(ids)
    if version.type is ItemType.MULTIPLE_RESPONSE:
        return rng.sample(ids, rng.randint(1, version.select or 1))
    return rng.sample(ids, len(version.key))  # an order of every option, or an option for each premise


def answer_earning(version: ItemVersion, marks: int, rng: random.Random) -> Any:
    """A well-formed answer to the item that earns `marks` (the closest random answer the item
    allows, when no answer earns them: a one-option multiple response earns at least 1)."""
    if marks >= version.marks:
        return list(version.key) if isinstance(version.key, list) else version.key
    answer = _random_answer(version, rng)
    for _ in range(WRONG_ANSWER_TRIES):
        if score(version.type, version.key, answer) == marks:
            break
        answer = _random_answer(version, rng)
    return answer


def simulated_answer(version: ItemVersion, ability: float, rng: random.Random) -> Any:
    """An answer drawn at `ability`: the marks from the item's response model, then an answer earning them."""
    parameters = ItemParameters(np.array([version.irt_a], float), np.array([version.irt_d], float),
                                np.array([version.irt_c], float))
    chances = category_probability(ability, parameters)[0, 0]
    marks = rng.choices(range(len(chances)), weights=chances.tolist())[0]
    return answer_earning(version, marks, rng)


@dataclass
class SimulatedLearner:
    """One candidate at the keyboard: the steps a learner's runner page sends, at simulated times."""

    sitting: Sitting
    ability: float  # on the engine's ability scale
    working_share: float  # share of the allowed time the whole test would take this learner
    rng: random.Random
    timeline: Timeline
    attempt_id: int | None = None
    position: int = 0  # the item on screen
    pace: timedelta = timedelta(0)  # one item's working time, set at the start

    @property
    def name(self) -> str:
        return self.sitting.candidate.name

    def _attempt(self) -> Attempt:
        assert self.attempt_id is not None, "the learner has not started"
        return attempts.own_attempt(self.sitting.candidate.user, self.attempt_id)

    def _after(self, when: datetime, step: Step, seconds: tuple[float, float] | None = None) -> None:
        """Schedule the learner's next step: about one item's working time later, or `seconds` later."""
        delay = timedelta(seconds=self.rng.uniform(*seconds)) if seconds else self.pace * self.rng.uniform(0.5, 1.5)
        self.timeline.at(when + delay, step)

    def _refused(self, refusal: DeliveryError, when: datetime, step: Step) -> None:
        """Paused: try again shortly. Time up: the time-out path has closed the attempt; stop."""
        db.session.rollback()
        if refusal.code == "paused":
            self.timeline.at(when + PAUSE_RETRY, step)
        elif refusal.code != "attempt_ended":
            raise RuntimeError(f"{self.name}, item {self.position}: {refusal} ({refusal.code})") from refusal

    def start(self, when: datetime) -> None:
        """Accept the declaration: the clock starts and the test is assembled."""
        attempt = attempts.start(self.sitting.candidate.user, self.sitting.id, declaration_accepted=True, now=when)
        self.attempt_id, self.position = attempt.id, 1
        clock = timing(self.sitting, when)
        self.pace = clock.allowed * self.working_share / attempt.planned_items
        self._after(when, self.answer)
        self.timeline.at(clock.deadline or when, self.timer)

    def timer(self, when: datetime) -> None:
        """The page's timer: at zero it asks for the status, which closes an attempt whose time is up;
        a pause or extra time moves the deadline on, and the timer with it."""
        attempt = self._attempt()
        if not attempt.is_open or submission.close_if_time_up(attempt, when):
            return
        clock = timing(self.sitting, when)
        self.timeline.at(when + PAUSE_RETRY if clock.is_paused or not clock.deadline else clock.deadline, self.timer)

    def answer(self, when: datetime) -> None:
        attempt = self._attempt()
        entry = next(e for e in attempt.items if e.position == self.position)
        chosen = simulated_answer(entry.item_version, self.ability, self.rng)
        try:
            answers.save_answer(self.sitting.candidate.user, attempt.id, self.position, chosen,
                                f"rehearsal-{self.position}", client_time=when.isoformat(), now=when)
        except DeliveryError as refusal:
            return self._refused(refusal, when, self.answer)
        self._after(when, self.move_on, seconds=(2, 10))

    def move_on(self, when: datetime) -> None:
        """Next item (chosen now in an adaptive test), or submit after the last."""
        attempt = self._attempt()
        if attempt.mode.allows_review:
            if self.position < len(attempt.items):
                self.position += 1
                return self._after(when, self.answer)
            return self._after(when, self.submit, seconds=(10, 60))
        try:
            self.position = answers.next_item(self.sitting.candidate.user, attempt.id, self.position, now=when)
        except DeliveryError as refusal:
            if refusal.code == "no_more_items":
                return self._after(when, self.submit, seconds=(5, 20))
            return self._refused(refusal, when, self.move_on)
        self._after(when, self.answer)

    def submit(self, when: datetime) -> None:
        try:
            submission.submit(self.sitting.candidate.user, self._attempt().id, now=when)
        except DeliveryError as refusal:
            self._refused(refusal, when, self.submit)

    def raise_alert(self, message: str, when: datetime) -> Alert:
        """The learner asks the invigilator for help with the item on screen."""
        return answers.alert(self.sitting.candidate.user, self._attempt().id, self.position, message, now=when)


@dataclass(frozen=True)
class AnswerFigures:
    """What the simulated learners did, from the stored attempts and answers."""

    started: int
    answers_stored: int
    items_given: int
    ends: Counter[str]  # submitted, timed_out, ended_by_invigilator
    results: Counter[str]  # pass, fail, no result (no standard applies), under the standard in force

    def describe(self) -> list[str]:
        ends = ", ".join(f"{count} {end.replace('_', ' ')}" for end, count in sorted(self.ends.items()))
        return [f"Answers: {self.answers_stored} stored for {self.items_given} items given to "
                f"{self.started} candidates who started",
                f"Attempts: {ends or 'none ended'}",
                f"Results under the standard in force: {self.results['pass']} pass, {self.results['fail']} fail, "
                f"{self.results['no result']} without a pass mark"]


def answer_figures(session_id: int) -> AnswerFigures:
    found = db.session.scalars(select(Attempt).join(Sitting, Sitting.id == Attempt.sitting_id)
                               .where(Sitting.session_id == session_id)).all()
    stored = db.session.scalar(select(func.count(AnswerEvent.id))
                               .where(AnswerEvent.attempt_id.in_([a.id for a in found]))) if found else 0
    return AnswerFigures(len(found), stored or 0, sum(len(a.items) for a in found),
                         Counter(a.end.value for a in found if a.end),
                         Counter(grade(a).verdict for a in found if a.score))
