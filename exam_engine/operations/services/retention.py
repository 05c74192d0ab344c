"""Retention: erase candidates' personal data once it is no longer needed, keep the records.

Policy (settings in `exam_engine/config.py`):

- A candidate's personal data is kept for `RETENTION_PERSONAL_DATA_DAYS` after their last
  sitting (booking, start or finish, whichever is latest; the account's creation if they
  never sat). After that `purge_expired` erases it: name, date of birth, sex, groups, the
  access-arrangement notes and approval reference, and the account's password, which is
  disabled. The candidate number, sittings, answers, scores and incidents stay: they are the
  records of the qualification, which are pseudonymous once the name is gone.
- Nothing is erased while the candidate has an open record hold (review, appeal or
  malpractice case), or while a suspected-malpractice incident names one of their sittings
  and no malpractice hold for them has been closed; nor while a sitting is under way.
- The hash-chained event log is never rewritten: its records name accounts by username
  (which must not be a person's name: centres use candidate numbers), so after erasure the
  log still verifies and no longer identifies the person without the centre's own files.
- Records themselves (sessions, logs, attempts) are kept for `RETENTION_RECORDS_DAYS`; the
  command lists sessions past that age for the awarding body to archive, and deletes none.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from exam_engine.auth.models import new_session_token
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.operations.models import Erasure, HoldReason, RecordHold
from invigilation.models.centres import AccessArrangement, Candidate
from invigilation.models.sessions import Incident, IncidentCategory, Sitting, TestSession
from invigilation.states import ACTIVE_STATES

ERASED_FIELDS = ("display name", "date of birth", "sex", "groups", "arrangement notes", "approval reference",
                 "password")


@dataclass
class PurgeReport:
    erased: list[str] = field(default_factory=list)  # candidate numbers
    held: list[str] = field(default_factory=list)  # due, but kept because of a hold
    sessions_past_retention: list[int] = field(default_factory=list)


def _last_activity(candidate: Candidate) -> datetime:
    moments = db.session.execute(
        select(func.max(Sitting.booked_at), func.max(Sitting.started_at), func.max(Sitting.finished_at))
        .where(Sitting.candidate_id == candidate.id)).one()
    known = [m for m in moments if m is not None]
    if not known:
        return candidate.user.created_at
    return max(known)


def _held(candidate: Candidate) -> bool:
    if db.session.scalar(select(RecordHold.id).where(RecordHold.candidate_id == candidate.id,
                                                     RecordHold.closed_at.is_(None)).limit(1)):
        return True
    named = db.session.scalar(
        select(Incident.id).join(Incident.sittings)
        .where(Sitting.candidate_id == candidate.id, Incident.category == IncidentCategory.SUSPECTED_MALPRACTICE)
        .limit(1))
    if named is None:
        return False
    closed = db.session.scalar(select(RecordHold.id).where(
        RecordHold.candidate_id == candidate.id, RecordHold.reason == HoldReason.MALPRACTICE,
        RecordHold.closed_at.is_not(None)).limit(1))
    return closed is None


def _sitting_now(candidate: Candidate) -> bool:
    return db.session.scalar(select(Sitting.id).where(Sitting.candidate_id == candidate.id,
                                                      Sitting.state.in_(ACTIVE_STATES)).limit(1)) is not None


def _erase(candidate: Candidate, now: datetime) -> None:
    candidate.date_of_birth = None
    candidate.sex = None
    candidate.groups = None
    arrangement = db.session.scalar(select(AccessArrangement).where(AccessArrangement.candidate_id == candidate.id))
    if arrangement is not None:
        arrangement.notes = None
        arrangement.approval_reference = None
    user = candidate.user
    user.display_name = f"Erased candidate {candidate.candidate_number}"
    user.password_hash = "!"  # matches no password
    user.session_token = new_session_token()
    user.active = False
    db.session.add(Erasure(candidate_id=candidate.id, erased_at=now, fields=", ".join(ERASED_FIELDS)))


def purge_expired(now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Erase the personal data past its retention; `dry_run` only reports."""
    now = now or utcnow()
    config = current_app.config
    personal_cutoff = now - timedelta(days=config["RETENTION_PERSONAL_DATA_DAYS"])
    records_cutoff = now - timedelta(days=config["RETENTION_RECORDS_DAYS"])
    report = PurgeReport()
    erased = select(Erasure.candidate_id)
    for candidate in db.session.scalars(select(Candidate).where(Candidate.id.not_in(erased))
                                        .order_by(Candidate.candidate_number)):
        if _last_activity(candidate) >= personal_cutoff or _sitting_now(candidate):
            continue
        if _held(candidate):
            report.held.append(candidate.candidate_number)
            continue
        report.erased.append(candidate.candidate_number)
        if not dry_run:
            _erase(candidate, now)
    report.sessions_past_retention = list(db.session.scalars(
        select(TestSession.id).where(TestSession.scheduled_start < records_cutoff).order_by(TestSession.id)))
    db.session.flush()
    return report
