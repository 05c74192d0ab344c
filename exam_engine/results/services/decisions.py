"""The awarding body's decisions on results, and the centre's request for special consideration.

Each decision is recorded with who made it and when, and goes into the session's
hash-chained event log, so the record of a released result proves itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from exam_engine.results.models import (
    MAX_ADJUSTMENT_SHARE,
    ConsiderationState,
    IncidentFinding,
    IncidentReview,
    ResultRelease,
    SpecialConsideration,
)
from exam_engine.results.services.outcomes import holds, incidents_touching, outcome
from invigilation.models.sessions import Incident, IncidentCategory
from invigilation.services.access import centre_ids_of
from invigilation.services.event_log import append_event


class ResultsError(ValueError):
    """A decision on results refused, saying why."""


def release(attempts: Iterable[Attempt], actor: User) -> list[ResultRelease]:
    """Release the results of `attempts` (none is released if any is held or already released)."""
    attempts = list(attempts)
    refused, outcomes = [], []
    for attempt in attempts:
        if db.session.scalar(select(ResultRelease.id).where(ResultRelease.attempt_id == attempt.id)):
            refused.append(f"attempt {attempt.id}: already released")
            continue
        result = outcome(attempt)
        reasons = holds(attempt, result)
        if reasons:
            refused.append(f"attempt {attempt.id} (candidate {result.candidate_number}): {'; '.join(reasons)}")
        outcomes.append((attempt, result))
    if refused:
        raise ResultsError("nothing was released: " + " | ".join(refused))
    now = utcnow()
    released = []
    for attempt, result in outcomes:
        entry = ResultRelease(attempt_id=attempt.id, released_by_id=actor.id, released_at=now,
                              outcome=result.as_dict())
        db.session.add(entry)
        append_event(attempt.sitting.session_id, "result.released",
                     {"attempt": attempt.id, "sitting": attempt.sitting_id, "marks": result.marks,
                      "adjustment": result.adjustment, "pass_mark": result.grade.pass_mark,
                      "passed": result.grade.passed, "standard": result.grade.standard}, actor, at=now)
        released.append(entry)
    db.session.flush()
    return released


def review_incident(incident: Incident, actor: User, finding: IncidentFinding, note: str) -> IncidentReview:
    """Record the awarding body's finding on an incident (once)."""
    note = (note or "").strip()
    if not note:
        raise ResultsError("say what the review found")
    if finding is IncidentFinding.MALPRACTICE_FOUND and incident.category is not IncidentCategory.SUSPECTED_MALPRACTICE:
        raise ResultsError(f"incident {incident.id} was not reported as suspected malpractice")
    if db.session.scalar(select(IncidentReview.id).where(IncidentReview.incident_id == incident.id)):
        raise ResultsError(f"incident {incident.id} has already been reviewed")
    review = IncidentReview(incident_id=incident.id, finding=finding, note=note, reviewed_by_id=actor.id)
    db.session.add(review)
    append_event(incident.session_id, "incident.reviewed",
                 {"incident": incident.id, "finding": finding.value, "note": note}, actor)
    db.session.flush()
    return review


def request_consideration(attempt: Attempt, incident: Incident, actor: User, reason: str) -> SpecialConsideration:
    """A centre administrator asks for special consideration for a candidate affected by an incident."""
    reason = (reason or "").strip()
    sitting = attempt.sitting
    if sitting.session.centre_id not in centre_ids_of(actor):
        raise ResultsError("special consideration is requested by the candidate's own centre")
    if not reason:
        raise ResultsError("say how the incident affected the candidate")
    if incident not in incidents_touching(sitting):
        raise ResultsError(f"incident {incident.id} is not one of this candidate's sitting")
    if db.session.scalar(select(ResultRelease.id).where(ResultRelease.attempt_id == attempt.id)):
        raise ResultsError("the result has been released; ask for a review of results instead")
    if db.session.scalar(select(SpecialConsideration.id).where(
            SpecialConsideration.attempt_id == attempt.id,
            SpecialConsideration.state == ConsiderationState.REQUESTED)):
        raise ResultsError("this candidate already has a request awaiting a decision")
    request = SpecialConsideration(attempt_id=attempt.id, incident_id=incident.id, reason=reason,
                                   requested_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    append_event(sitting.session_id, "special_consideration.requested",
                 {"request": request.id, "attempt": attempt.id, "incident": incident.id, "reason": reason}, actor)
    return request


def most_marks(attempt: Attempt) -> int:
    """The most special consideration may add to this attempt (5% of its marks, rounded up)."""
    available = int((attempt.score or {}).get("available_marks", 0))
    return math.ceil(MAX_ADJUSTMENT_SHARE * available)


def decide_consideration(request: SpecialConsideration, actor: User, granted: bool, adjustment_marks: int,
                         note: str) -> SpecialConsideration:
    """The awarding body grants (adding 0 to 5% of the marks) or refuses a request, with its reasons."""
    note = (note or "").strip()
    if request.state is not ConsiderationState.REQUESTED:
        raise ResultsError(f"request {request.id} was already {request.state.value}")
    if not note:
        raise ResultsError("give the reasons for the decision")
    ceiling = most_marks(request.attempt)
    if granted and not 0 <= adjustment_marks <= ceiling:
        raise ResultsError(f"special consideration adds 0 to {ceiling} marks (5% of the test's marks) to this result")
    request.state = ConsiderationState.GRANTED if granted else ConsiderationState.REFUSED
    request.adjustment_marks = adjustment_marks if granted else 0
    request.decision_note, request.decided_by_id, request.decided_at = note, actor.id, utcnow()
    append_event(request.attempt.sitting.session_id, "special_consideration.decided",
                 {"request": request.id, "attempt": request.attempt_id, "state": request.state.value,
                  "adjustment_marks": request.adjustment_marks, "note": note}, actor)
    db.session.flush()
    return request
