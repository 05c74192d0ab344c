"""Setting sessions up: creating them, booking candidates (with the unit's on-demand rules),
the seating plan, access-arrangement profiles and the invigilation ratio."""

import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models.centres import (
    DEFAULT_CANDIDATES_PER_INVIGILATOR,
    AccessArrangement,
    Candidate,
    CentreStaff,
    RatioRule,
    Room,
    UnitBookingRule,
    Workstation,
)
from invigilation.models.sessions import SessionState, SessionUnit, Sitting, TestSession
from invigilation.services.event_log import append_event
from invigilation.states import SittingState
from item_bank.taxonomy.services import unit_test_minutes

ATTEMPTED = (SittingState.FINISHED, SittingState.TIMED_OUT, SittingState.IN_PROGRESS, SittingState.PAUSED)
SESSION_KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


@dataclass(frozen=True)
class UnitRequest:
    unit_reference: str
    test_minutes: int | None = None  # None: take it from the taxonomy


def centre_request(reference: str, minutes: int | None) -> UnitRequest:
    """A centre's request for a unit: the test lasts what the unit's specification states (the
    awarding body's duration); a centre gives the length only for a unit whose specification
    states none. Only access arrangements and an invigilator's logged extra time change a
    candidate's time."""
    stated = unit_test_minutes(reference)
    if stated is not None and minutes is not None and minutes != stated:
        raise InvigilationError(f"unit {reference}'s test lasts {stated} minutes, as its specification states; a "
                                f"centre cannot change it (access arrangements and an invigilator's logged extra "
                                f"time change a candidate's time)")
    return UnitRequest(reference, None if stated is not None else minutes)


def new_session_key() -> str:
    return "".join(secrets.choice(SESSION_KEY_ALPHABET) for _ in range(6))


def _is_staff(user: User, centre_id: int) -> bool:
    return db.session.scalar(select(CentreStaff.id).where(CentreStaff.user_id == user.id,
                                                          CentreStaff.centre_id == centre_id)) is not None


def create_session(room: Room, session_date: date, scheduled_start: datetime, units: list[UnitRequest],
                   invigilators: list[User], created_by: User, qualification: str | None = None,
                   now: datetime | None = None, rehearsal: bool = False) -> TestSession:
    """Create a session in `room`; invigilators must be invigilators of the room's centre. A
    rehearsal's candidates are simulated: its tests run as their blueprints say whatever the
    bank's calibration, and its responses never count as real ones."""
    now = now or utcnow()
    if scheduled_start.date() != session_date:
        raise InvigilationError("the scheduled start must fall on the session date")
    if not units:
        raise InvigilationError("a session tests at least one unit")
    if not invigilators:
        raise InvigilationError("name at least one invigilator")
    for person in invigilators:
        if person.role is not Role.INVIGILATOR or not _is_staff(person, room.centre_id):
            raise InvigilationError(f"{person.display_name} is not an invigilator at {room.centre.name}")
    session = TestSession(centre_id=room.centre_id, room=room, session_date=session_date,
                          scheduled_start=scheduled_start, session_key=new_session_key(),
                          qualification=(qualification or "").strip() or None, created_by_id=created_by.id,
                          created_at=now, rehearsal=rehearsal)
    session.invigilators = list(invigilators)
    for request in units:
        reference = request.unit_reference.strip()
        minutes = request.test_minutes or unit_test_minutes(reference)
        if not minutes or minutes <= 0:
            raise InvigilationError(f"unit {reference}: give the test length in minutes (no record holds it)")
        session.units.append(SessionUnit(unit_reference=reference, test_minutes=minutes))
    db.session.add(session)
    db.session.flush()
    append_event(session.id, "session.created", {
        "room": room.name, "scheduled_start": scheduled_start.isoformat(),
        "units": {u.unit_reference: u.test_minutes for u in session.units},
        "invigilators": [person.username for person in invigilators],
    }, created_by, at=now)
    db.session.flush()
    return session


def _check_booking_rules(candidate: Candidate, session: TestSession, unit_reference: str,
                         now: datetime) -> int:
    """Apply the unit's on-demand rules; return the attempt number this booking would be."""
    previous = list(db.session.scalars(
        select(Sitting).join(SessionUnit).where(Sitting.candidate_id == candidate.id,
                                                 SessionUnit.unit_reference == unit_reference,
                                                 Sitting.state.in_(ATTEMPTED))))
    rule = db.session.scalar(select(UnitBookingRule).where(UnitBookingRule.unit_reference == unit_reference))
    if rule is not None:
        if session.scheduled_start - now < timedelta(hours=rule.minimum_notice_hours):
            raise InvigilationError(
                f"unit {unit_reference} needs {rule.minimum_notice_hours} hours' notice; "
                f"this session starts at {session.scheduled_start:%d %b %Y %H:%M}")
        if rule.resit_limit is not None and len(previous) > rule.resit_limit:
            raise InvigilationError(
                f"{candidate.name} has sat unit {unit_reference} {len(previous)} times; "
                f"only {rule.resit_limit} resit(s) are allowed")
        moments = [moment for s in previous if (moment := s.finished_at or s.started_at) is not None]
        last = max(moments, default=None)
        if last is not None and session.scheduled_start < last + timedelta(days=rule.waiting_period_days):
            raise InvigilationError(
                f"a resit of unit {unit_reference} must wait {rule.waiting_period_days} days after the last "
                f"sitting (on {last:%d %b %Y}); the earliest date is "
                f"{(last + timedelta(days=rule.waiting_period_days)):%d %b %Y}")
    return len(previous) + 1


def book_candidate(session: TestSession, candidate: Candidate, unit_reference: str, booked_by: User,
                   workstation: Workstation | None = None, now: datetime | None = None) -> Sitting:
    """Book a candidate of the session's centre into the session for one of its units."""
    now = now or utcnow()
    if candidate.centre_id != session.centre_id:
        raise InvigilationError(f"{candidate.name} is not a candidate of {session.centre.name}")
    if session.state is SessionState.ENDED:
        raise InvigilationError("the session has ended; book another session")
    unit = next((u for u in session.units if u.unit_reference == unit_reference), None)
    if unit is None:
        raise InvigilationError(f"the session does not test unit {unit_reference} (it tests {session.unit_references})")
    if any(s.candidate_id == candidate.id and s.session_unit_id == unit.id for s in session.sittings):
        raise InvigilationError(f"{candidate.name} is already booked for unit {unit_reference} in this session")
    attempt = _check_booking_rules(candidate, session, unit_reference, now)
    arrangements = candidate.arrangements
    sitting = Sitting(session=session, unit=unit, candidate=candidate, attempt_number=attempt, booked_at=now,
                      extra_time_percent=arrangements.extra_time_percent if arrangements else 0)
    db.session.add(sitting)
    if workstation is not None:
        _seat(sitting, workstation)
    db.session.flush()
    append_event(session.id, "sitting.booked", {
        "sitting": sitting.id, "candidate": candidate.candidate_number, "unit": unit_reference,
        "attempt": attempt, "extra_time_percent": sitting.extra_time_percent,
        "workstation": workstation.label if workstation else None}, booked_by, at=now)
    db.session.flush()
    return sitting


def _seat(sitting: Sitting, workstation: Workstation) -> None:
    session = sitting.session
    if workstation.room_id != session.room_id:
        raise InvigilationError(f"workstation {workstation.label} is not in {session.room.name}")
    taken = next((s for s in session.sittings if s is not sitting and s.workstation_id == workstation.id
                  and not s.state.is_final), None)
    if taken is not None:
        raise InvigilationError(f"workstation {workstation.label} is taken by {taken.candidate.name}")
    sitting.workstation = workstation


def assign_workstation(sitting: Sitting, workstation: Workstation, actor: User) -> None:
    """Seat a booked candidate (the seating plan); moves during the test use conduct.move_workstation."""
    if sitting.state is not SittingState.BOOKED:
        raise InvigilationError("seat candidates before check-in; during the test use 'move workstation'")
    _seat(sitting, workstation)
    append_event(sitting.session_id, "sitting.seated",
                 {"sitting": sitting.id, "workstation": workstation.label, "seat": workstation.seat}, actor)
    db.session.flush()


def candidates_per_invigilator(session: TestSession) -> int:
    if session.qualification:
        rule = db.session.scalar(select(RatioRule.candidates_per_invigilator)
                                 .where(RatioRule.qualification == session.qualification))
        if rule:
            return rule
    return DEFAULT_CANDIDATES_PER_INVIGILATOR


def ratio_warning(session: TestSession) -> str | None:
    """A warning when the session has too few invigilators for its candidates, else None."""
    candidates = len({s.candidate_id for s in session.sittings
                      if s.state not in (SittingState.ABSENT, SittingState.VOIDED)})
    per = candidates_per_invigilator(session)
    needed = math.ceil(candidates / per)
    have = len(session.invigilators)
    if needed > have:
        return (f"{candidates} candidates need at least {needed} invigilators at 1 to {per}; "
                f"this session has {have}")
    return None


def spare_workstations(session: TestSession) -> list[Workstation]:
    taken = {s.workstation_id for s in session.sittings if not s.state.is_final}
    return [w for w in session.room.workstations if w.id not in taken]


def save_arrangements(candidate: Candidate, changes: dict[str, object], actor: User) -> AccessArrangement:
    """Create or change a candidate's access-arrangement profile (validated as a whole)."""
    profile = candidate.arrangements or AccessArrangement(candidate=candidate)
    for name, value in changes.items():
        if not hasattr(AccessArrangement, name) or name in ("id", "candidate_id", "updated_at"):
            raise InvigilationError(f"unknown access arrangement {name!r}")
        setattr(profile, name, value)
    problems = profile.problems()
    if problems:
        db.session.rollback()
        raise InvigilationError("; ".join(problems))
    db.session.add(profile)
    not_started = (SittingState.BOOKED, SittingState.PRESENT, SittingState.AUTHORISED)
    for sitting in db.session.scalars(select(Sitting).where(Sitting.candidate_id == candidate.id,
                                                            Sitting.started_at.is_(None),
                                                            Sitting.state.in_(not_started))):
        sitting.extra_time_percent = profile.extra_time_percent
        append_event(sitting.session_id, "sitting.arrangements_applied",
                     {"sitting": sitting.id, "arrangements": profile.summary()}, actor)
    db.session.flush()
    return profile

