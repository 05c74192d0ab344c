"""The port between delivery and invigilation: the sitting's state, clock and alerts.

Delivery never changes a sitting's state itself: it calls invigilation's conduct services,
which check the state machine, record the transition and append it to the session's
hash-chained event log, in the caller's transaction: delivery's own rows (the attempt, its
score) are written together with the transition that goes with them.
"""

from datetime import datetime

from sqlalchemy import select

from exam_engine.core.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models.centres import Candidate
from invigilation.models.sessions import SessionState, Sitting, TestSession
from invigilation.services import conduct, incidents
from invigilation.services.timing import is_accepting_answers, timing
from invigilation.states import SittingState

__all__ = [
    "InvigilationError",
    "authorise_with_key",
    "cancel_before_start",
    "finish",
    "is_accepting_answers",
    "raise_alert",
    "sitting_for_key",
    "start_clock",
    "time_out",
    "timing",
]

SIGN_IN_STATES = (SittingState.PRESENT, SittingState.AUTHORISED, SittingState.IN_PROGRESS, SittingState.PAUSED)

authorise_with_key = conduct.authorise_with_key
cancel_before_start = conduct.cancel_before_start
start_clock = conduct.start_clock
finish = conduct.finish
raise_alert = incidents.raise_alert


def time_out(sitting: Sitting, now: datetime) -> None:
    """Time out the session's sittings whose clock has run out (this one among them)."""
    conduct.expire_overdue(sitting.session, now)


def sitting_for_key(candidate_number: str, key: str) -> Sitting | None:
    """The candidate's sitting in a started session whose key was released to them, if any."""
    return db.session.scalar(
        select(Sitting).join(TestSession).join(Candidate, Candidate.id == Sitting.candidate_id)
        .where(Candidate.candidate_number == candidate_number.strip(),
               TestSession.session_key == key.strip().upper(), TestSession.state == SessionState.STARTED,
               Sitting.state.in_(SIGN_IN_STATES))
        .order_by(Sitting.id).limit(1))
