"""The port between delivery and invigilation: the sitting's state, clock and alerts.

Delivery never changes a sitting's state by itself: every change passes invigilation's
state machine (`check_transition`), is recorded as a `SittingTransition` and appended to
the session's hash-chained event log, in the caller's transaction. These functions do not
commit; the delivery service that calls them does.

Stand-in note: the invigilation branch's conduct services (authorise, start, finish,
raise_alert) were not merged when this was written; these functions follow the same
models and rules and are the one place to switch over when they are.
"""

from datetime import datetime

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.database import utcnow
from exam_engine.extensions import db
from invigilation.clock import Timing, compute_timing
from invigilation.event_log import append_event
from invigilation.models import Candidate
from invigilation.session_models import Alert, SessionState, Sitting, SittingTransition, TestSession
from invigilation.states import SittingState, check_transition

SIGN_IN_STATES = (SittingState.PRESENT, SittingState.AUTHORISED, SittingState.IN_PROGRESS, SittingState.PAUSED)


def timing(sitting: Sitting, now: datetime | None = None) -> Timing:
    """The sitting's clock: allowed time with access-arrangement and granted extra time, minus working time."""
    return compute_timing(sitting.test_minutes, sitting.extra_time_percent, sitting.extra_minutes,
                          sitting.started_at, [(p.started_at, p.ended_at) for p in sitting.pauses], now or utcnow())


def is_accepting_answers(sitting: Sitting, now: datetime | None = None) -> bool:
    """True only while the test is in progress, not paused, and time remains."""
    return sitting.state is SittingState.IN_PROGRESS and timing(sitting, now).remaining.total_seconds() > 0


def sitting_for_key(candidate_number: str, key: str) -> Sitting | None:
    """The candidate's sitting in a started session whose key was released to them, if any."""
    return db.session.scalar(
        select(Sitting).join(TestSession).join(Candidate, Candidate.id == Sitting.candidate_id)
        .where(Candidate.candidate_number == candidate_number.strip(),
               TestSession.session_key == key.strip().upper(), TestSession.state == SessionState.STARTED,
               Sitting.state.in_(SIGN_IN_STATES))
        .order_by(Sitting.id).limit(1))


def move(sitting: Sitting, target: SittingState, actor: User | None, reason: str, now: datetime) -> None:
    """Change the sitting's state through invigilation's rules, recorded and logged."""
    check_transition(sitting.state, target)
    db.session.add(SittingTransition(sitting_id=sitting.id, from_state=sitting.state, to_state=target,
                                     actor_id=actor.id if actor else None, at=now, reason=reason))
    append_event(sitting.session_id, f"sitting.{target.value}",
                 {"sitting": sitting.id, "from": sitting.state.value, "reason": reason}, actor, at=now)
    sitting.state = target


def authorise_with_key(sitting: Sitting, learner: User, now: datetime) -> None:
    """A present candidate who typed the released session key is authorised to start."""
    move(sitting, SittingState.AUTHORISED, learner, "candidate entered the session key released by the invigilator",
         now)
    sitting.authorised_at = now
    sitting.authorised_with_key = True


def raise_alert(sitting: Sitting, item_ref: str | None, message: str, learner: User, now: datetime) -> Alert:
    """The learner's alert about an item, for the invigilator's dashboard."""
    alert = Alert(sitting_id=sitting.id, item_ref=item_ref, message=message, raised_at=now)
    db.session.add(alert)
    db.session.flush()
    append_event(sitting.session_id, "alert.raised",
                 {"sitting": sitting.id, "alert": alert.id, "item": item_ref, "message": message}, learner, at=now)
    return alert
