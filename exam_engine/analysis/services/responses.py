"""The response matrix of a unit, assembled from delivery's stored attempts.

Everything the item statistics and calibration need comes from here: one row per
finished attempt (a resit is another row), one column per item version, with NaN
where the version was not given. Items given but left unanswered score 0 (an omit is
wrong). Response time is the seconds from when the learner could first answer the item
(its assignment, or the attempt's previous answer if later) to their first answer to it;
NaN if never answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exam_engine.assembly.blueprint import Mode
from exam_engine.core.extensions import db
from exam_engine.delivery.models import AnswerEvent, Attempt, AttemptItem
from invigilation.models.centres import AccessArrangement, Candidate
from invigilation.models.sessions import Sitting
from item_bank.items.models import Item, ItemVersion
from item_bank.items.scoring import score

GROUP_NAMES = ("sex", "age band", "centre", "access arrangement")
ADAPTIVE_MODES = (Mode.CAT, Mode.MAXINFO)  # the next item depends on the answers so far
NOT_RECORDED = "not recorded"


@dataclass
class ResponseMatrix:
    """Persons x item versions. ``choices`` holds the raw answers (None: omitted or not given)."""

    version_ids: list[int]
    scores: NDArray[np.float64]  # (n, m), NaN where not given
    pretest: NDArray[np.bool_]  # (n, m) given unscored (seeded pretest)
    choices: list[list[object]]  # (n, m)
    seconds: NDArray[np.float64]  # (n, m)
    started: list[datetime] = field(default_factory=list)  # (n,) when each attempt began
    groups: dict[str, list[str]] = field(default_factory=dict)  # group name -> (n,) labels
    simulated: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))  # (n,) rehearsal candidates
    adaptive: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))  # (n,) items chosen from answers

    def fixed_rows(self) -> NDArray[np.bool_]:
        """``(n,)`` attempts whose items were set before the sitting (fixed forms, LOFT): not adaptive."""
        if self.adaptive.size != self.n_persons:
            return np.ones(self.n_persons, bool)
        return ~self.adaptive

    @property
    def n_persons(self) -> int:
        return self.scores.shape[0]

    def column(self, version_id: int) -> int:
        return self.version_ids.index(version_id)


def age_band(born: date | None, on: date) -> str:
    """16-18, 19-24 or 25+ at the attempt (the bands of FE funding), or not recorded."""
    if born is None:
        return NOT_RECORDED
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return "16-18" if years < 19 else "19-24" if years < 25 else "25+"


def unit_response_matrix(unit_reference: str, since: datetime | None = None,
                         until: datetime | None = None) -> ResponseMatrix:
    """Every finished attempt at `unit_reference` (begun within [since, until) if given)."""
    query = (
        select(Attempt)
        .where(Attempt.unit_reference == unit_reference, Attempt.ended_at.is_not(None))
        .order_by(Attempt.id)
        .options(
            selectinload(Attempt.items).selectinload(AttemptItem.response),
            selectinload(Attempt.items).selectinload(AttemptItem.item_version),
            selectinload(Attempt.sitting).selectinload(Sitting.candidate).selectinload(Candidate.centre),
            selectinload(Attempt.sitting).selectinload(Sitting.candidate).selectinload(Candidate.arrangements),
            selectinload(Attempt.sitting).selectinload(Sitting.session),
        )
    )
    if since is not None:
        query = query.where(Attempt.created_at >= since)
    if until is not None:
        query = query.where(Attempt.created_at < until)
    attempts = db.session.scalars(query).all()
    version_ids = _unit_version_ids(unit_reference)
    first_answers = _first_answers([a.id for a in attempts])
    n, m = len(attempts), len(version_ids)
    column = {vid: j for j, vid in enumerate(version_ids)}
    matrix = ResponseMatrix(version_ids, np.full((n, m), np.nan), np.zeros((n, m), bool),
                            [[None] * m for _ in range(n)], np.full((n, m), np.nan),
                            groups={name: [] for name in GROUP_NAMES},
                            simulated=np.array([a.sitting.session.rehearsal for a in attempts], bool),
                            adaptive=np.array([a.mode in ADAPTIVE_MODES for a in attempts], bool))
    for i, attempt in enumerate(attempts):
        _fill_row(matrix, i, attempt, column, first_answers)
    matrix.groups.update(membership_groups(
        [arrangement_kinds(a.sitting.candidate.arrangements) for a in attempts], "access arrangement: "))
    matrix.groups.update(membership_groups(
        [recorded_groups(a.sitting.candidate.groups) for a in attempts], "recorded group: "))
    return matrix


def arrangement_kinds(arrangement: AccessArrangement | None) -> set[str]:
    """The kinds of access arrangement a candidate's profile holds (empty: none in force)."""
    if arrangement is None:
        return set()
    kinds = {"extra time": arrangement.extra_time_percent > 0, "rest breaks": arrangement.rest_breaks,
             "reader": arrangement.reader, "separate invigilation": arrangement.separate_invigilation,
             "modified presentation": bool(arrangement.colour_scheme) or (arrangement.font_size_percent or 100) > 100}
    return {kind for kind, held in kinds.items() if held}


def recorded_groups(text: str | None) -> set[str]:
    """The groups recorded for a candidate (free text, several separated by ';' or ','), lower-cased."""
    return {part.strip().lower() for part in (text or "").replace(";", ",").split(",") if part.strip()}


def membership_groups(members: list[set[str]], prefix: str) -> dict[str, list[str]]:
    """One yes/no grouping per label anyone holds: ``prefix + label`` -> (n,) "yes" or "no".

    A learner without the label is in the reference ("no") group, whether or not anything was
    recorded for them: these records are optional, so "no" means "not recorded as".
    """
    labels = sorted(set().union(*members)) if members else []
    return {prefix + label: ["yes" if label in held else "no" for held in members] for label in labels}


def _unit_version_ids(unit_reference: str) -> list[int]:
    return list(db.session.scalars(
        select(ItemVersion.id).join(Item).where(Item.unit_reference == unit_reference)
        .order_by(Item.code, ItemVersion.number)
    ))


def _first_answers(attempt_ids: list[int]) -> dict[int, list[tuple[datetime, int]]]:
    """Per attempt, (received at, attempt item id) of every answer event, in order."""
    events: dict[int, list[tuple[datetime, int]]] = {}
    if not attempt_ids:
        return events
    rows = db.session.execute(
        select(AnswerEvent.attempt_id, AnswerEvent.received_at, AnswerEvent.attempt_item_id)
        .where(AnswerEvent.attempt_id.in_(attempt_ids)).order_by(AnswerEvent.attempt_id, AnswerEvent.sequence)
    )
    for attempt_id, received_at, entry_id in rows:
        events.setdefault(attempt_id, []).append((received_at, entry_id))
    return events


def _fill_row(matrix: ResponseMatrix, i: int, attempt: Attempt, column: dict[int, int],
              first_answers: dict[int, list[tuple[datetime, int]]]) -> None:
    seconds = _seconds_to_first_answer(attempt, first_answers.get(attempt.id, []))
    for entry in attempt.items:
        j = column.get(entry.item_version_id)
        if j is None:
            continue
        version = entry.item_version
        answer = entry.response.answer if entry.response else None
        matrix.scores[i, j] = score(version.type, version.key, answer)
        matrix.pretest[i, j] = entry.pretest
        matrix.choices[i][j] = answer
        matrix.seconds[i, j] = seconds.get(entry.id, np.nan)
    candidate = attempt.sitting.candidate
    matrix.started.append(attempt.created_at)
    arrangements = candidate.arrangements
    matrix.groups["sex"].append(candidate.sex or NOT_RECORDED)
    matrix.groups["age band"].append(age_band(candidate.date_of_birth, attempt.created_at.date()))
    matrix.groups["centre"].append(candidate.centre.number)
    matrix.groups["access arrangement"].append("yes" if arrangement_kinds(arrangements) else "no")


def _seconds_to_first_answer(attempt: Attempt, events: list[tuple[datetime, int]]) -> dict[int, float]:
    assigned = {entry.id: entry.assigned_at for entry in attempt.items}
    seconds: dict[int, float] = {}
    previous = attempt.created_at
    for received_at, entry_id in events:
        if entry_id not in seconds:
            start = max(previous, assigned.get(entry_id, previous))
            seconds[entry_id] = max((received_at - start).total_seconds(), 0.0)
        previous = received_at
    return seconds
