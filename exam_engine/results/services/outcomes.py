"""Each candidate's result as the standard in force gives it (`delivery.services.grading`),
and what holds its release.

Holds (`holds`): no standard in force, or one that does not cover the form; an incident in
the sitting's session that names the candidate or nobody, until the awarding body has
reviewed it; malpractice found (the result is withheld); a special-consideration request
not yet decided; a voided sitting. Rehearsal sessions have no results.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt, AttemptItem
from exam_engine.delivery.services.grading import Grade, grade
from exam_engine.results.models import (
    ConsiderationState,
    IncidentFinding,
    IncidentReview,
    ResultRelease,
    SpecialConsideration,
)
from invigilation.models.centres import Candidate
from invigilation.models.sessions import Incident, IncidentCandidate, Sitting, TestSession
from invigilation.states import SittingState
from item_bank.standards.models import StandardStudy
from item_bank.standards.services import standard_in_force


@dataclass(frozen=True)
class Outcome:
    """One candidate's result: who, which unit, the marks and the grade under the standard."""

    attempt: int
    centre: str
    candidate_number: str
    name: str
    uln: str | None
    unit: str
    mode: str
    sat_on: str  # ISO date of the sitting's end
    marks: int
    available: int
    adjustment: int  # marks granted by special consideration
    grade: Grade

    @property
    def verdict(self) -> str:
        return self.grade.verdict

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(**{**data, "grade": Grade(**data["grade"])})


@dataclass(frozen=True)
class ResultLine:
    """A result with its state: released (as released), held (with the reasons), or awaiting release."""

    outcome: Outcome
    holds: tuple[str, ...]
    release: ResultRelease | None

    @property
    def state(self) -> str:
        if self.release is not None:
            return "released"
        return "held" if self.holds else "awaiting release"


def outcome(attempt: Attempt, study: StandardStudy | None = None) -> Outcome:
    """The attempt's result under `study` (by default the unit's standard in force)."""
    sitting = attempt.sitting
    candidate = sitting.candidate
    score = attempt.score or {}
    adjustment = granted_marks(attempt)
    return Outcome(attempt=attempt.id, centre=sitting.session.centre.number,
                   candidate_number=candidate.candidate_number, name=candidate.name, uln=candidate.uln,
                   unit=attempt.unit_reference, mode=attempt.mode.value,
                   sat_on=(attempt.ended_at or attempt.created_at).date().isoformat(),
                   marks=int(score.get("marks", 0)), available=int(score.get("available_marks", 0)),
                   adjustment=adjustment, grade=grade(attempt, study, adjustment))


def granted_marks(attempt: Attempt) -> int:
    return sum(db.session.scalars(select(SpecialConsideration.adjustment_marks).where(
        SpecialConsideration.attempt_id == attempt.id, SpecialConsideration.state == ConsiderationState.GRANTED)))


def incidents_touching(sitting: Sitting) -> list[Incident]:
    """Incidents of the sitting's session that name the candidate or name nobody (the whole room)."""
    names_someone = exists().where(IncidentCandidate.incident_id == Incident.id)
    names_this = exists().where(IncidentCandidate.incident_id == Incident.id,
                                IncidentCandidate.sitting_id == sitting.id)
    return list(db.session.scalars(select(Incident).where(Incident.session_id == sitting.session_id,
                                                          or_(names_this, ~names_someone))
                                   .order_by(Incident.occurred_at)))


def holds(attempt: Attempt, result: Outcome) -> tuple[str, ...]:
    """Why the result may not be released yet (empty: it may)."""
    reasons = []
    if result.grade.passed is None:
        reasons.append(f"no pass mark: {result.grade.basis}")
    if attempt.sitting.state is SittingState.VOIDED:
        reasons.append("the sitting was voided")
    for incident in incidents_touching(attempt.sitting):
        review = db.session.scalar(select(IncidentReview).where(IncidentReview.incident_id == incident.id))
        if review is None:
            reasons.append(f"incident {incident.id} ({incident.category.label}) awaits the awarding body's review")
        elif review.finding is IncidentFinding.MALPRACTICE_FOUND:
            reasons.append(f"withheld: malpractice found (incident {incident.id})")
    pending = db.session.scalars(select(SpecialConsideration.id).where(
        SpecialConsideration.attempt_id == attempt.id,
        SpecialConsideration.state == ConsiderationState.REQUESTED)).all()
    reasons += [f"special consideration request {n} awaits a decision" for n in pending]
    return tuple(reasons)


def result_line(attempt: Attempt, study: StandardStudy | None = None) -> ResultLine:
    """The attempt's result as released, or as `study` (by default the unit's standard in force) gives it now."""
    release = db.session.scalar(select(ResultRelease).where(ResultRelease.attempt_id == attempt.id))
    if release is not None:
        return ResultLine(Outcome.from_dict(release.outcome), (), release)
    result = outcome(attempt, study)
    return ResultLine(result, holds(attempt, result), None)


def ended_attempts(centre_id: int | None = None, unit: str | None = None, learner_id: int | None = None,
                   session_id: int | None = None) -> list[Attempt]:
    """Ended attempts of live (not rehearsal) sessions, newest first, optionally of one centre, unit, learner
    or session."""
    query = (select(Attempt).join(Sitting, Sitting.id == Attempt.sitting_id)
             .join(TestSession, TestSession.id == Sitting.session_id)
             .where(Attempt.ended_at.is_not(None), TestSession.rehearsal.is_(False))
             .options(selectinload(Attempt.items).selectinload(AttemptItem.item_version))
             .order_by(Attempt.ended_at.desc(), Attempt.id.desc()))
    if centre_id is not None:
        query = query.where(TestSession.centre_id == centre_id)
    if unit is not None:
        query = query.where(Attempt.unit_reference == unit)
    if session_id is not None:
        query = query.where(TestSession.id == session_id)
    if learner_id is not None:
        query = query.join(Candidate, Candidate.id == Sitting.candidate_id).where(Candidate.user_id == learner_id)
    return list(db.session.scalars(query))


def result_lines(centre_id: int | None = None, unit: str | None = None) -> list[ResultLine]:
    """Results of ended live attempts, each unit's standard in force looked up once for all of them."""
    attempts = ended_attempts(centre_id, unit)
    standards = {reference: standard_in_force(reference) for reference in {a.unit_reference for a in attempts}}
    return [result_line(attempt, standards[attempt.unit_reference]) for attempt in attempts]
