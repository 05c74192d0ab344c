"""Demo data for invigilation: a centre, a room with workstations (one spare), the demo
learner as a candidate with 25% extra time, and a session of Unit 2 today."""

from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.models.centres import AccessArrangement, Candidate, Centre, CentreStaff, Room, Workstation
from invigilation.models.sessions import SessionState, SessionUnit, TestSession
from invigilation.services.report import CENTRE_TIME_ZONE
from invigilation.services.sessions import UnitRequest, book_candidate, create_session

DEMO_CENTRE_NUMBER = "DEMO01"
DEMO_UNIT = "Y/506/2152"  # Unit 2: Understand the Customer Service Environment, 45 minutes
DEMO_UNIT_MINUTES = 45


def load_invigilation_demo(users: dict[str, User], progress: Callable[[str], None], fresh: bool = False) -> TestSession:
    """Idempotent: the centre and candidate are made once; a session for today is added if there is none
    the demo learner can still sit (none today, today's has ended, or the learner's test there is over),
    or when asked for a `fresh` one. Earlier sessions stay as they are: their records are the centre's."""
    centre = db.session.scalar(select(Centre).where(Centre.number == DEMO_CENTRE_NUMBER))
    if centre is None:
        centre = Centre(number=DEMO_CENTRE_NUMBER, name="Demo Training Centre")
        room = Room(centre=centre, name="IT Suite 1")
        db.session.add_all([centre, room] + [
            Workstation(room=room, label=f"WS-{i:02d}", seat=f"A{i}", spare=(i == 6)) for i in range(1, 7)])
        db.session.add_all([CentreStaff(centre=centre, user=users["demo-invigilator"]),
                            CentreStaff(centre=centre, user=users["demo-centre-admin"])])
        candidate = Candidate(centre=centre, user=users["demo-learner"], candidate_number="0001")
        candidate.arrangements = AccessArrangement(extra_time_percent=25, rest_breaks=True,
                                                   colour_scheme="black on cream")
        db.session.add(candidate)
        db.session.flush()
    room = centre.rooms[0]
    today = datetime.now(CENTRE_TIME_ZONE).date()
    existing = db.session.scalar(select(TestSession).join(SessionUnit).where(
        TestSession.centre_id == centre.id, TestSession.session_date == today, SessionUnit.unit_reference == DEMO_UNIT,
        TestSession.state != SessionState.ENDED)
        .order_by(TestSession.scheduled_start.desc(), TestSession.id.desc()).limit(1))
    learner_sitting = next((sitting for sitting in existing.sittings
                            if sitting.candidate.user_id == users["demo-learner"].id), None) if existing else None
    if existing is not None and not fresh and learner_sitting is not None and not learner_sitting.state.is_final:
        progress(f"Demo session {existing.id} ({DEMO_UNIT} today) already there.")
        return existing
    start = max(datetime.combine(today, time(9, 30), CENTRE_TIME_ZONE),
                (utcnow() + timedelta(minutes=15)).astimezone(CENTRE_TIME_ZONE).replace(second=0, microsecond=0))
    if start.date() != today:
        start = datetime.combine(today, time(23, 30), CENTRE_TIME_ZONE)
    session = create_session(room, today, start, [UnitRequest(DEMO_UNIT, DEMO_UNIT_MINUTES)],
                             [users["demo-invigilator"]], users["demo-centre-admin"])
    candidate = db.session.scalars(select(Candidate).where(Candidate.centre_id == centre.id,
                                                           Candidate.user_id == users["demo-learner"].id)).one()
    book_candidate(session, candidate, DEMO_UNIT, users["demo-centre-admin"], room.workstations[0],
                   now=start - timedelta(days=1))
    progress(f"Demo session {session.id}: {DEMO_UNIT} today at {start:%H:%M} in {room.name}, "
             f"{centre.name}; the demo learner is candidate 0001 with 25% extra time.")
    return session
