"""A whole invigilated session run through the real services with simulated candidates.

For centres rehearsing and for checks: set-up, booking, check-in, authorisation (by the
invigilator and by session key), clock start, a technical failure (pause, move to the
spare workstation, resume), a learner's alert turned into an incident, extra time,
submission, end, sign-off and the report, with the event log verified at the end.
The answers step is left to delivery (issue 7): until its answer hook exists, simulated
candidates answer nothing rather than the log holding made-up answer events.
Times are simulated: the session is placed in the recent past so that it ends now.
"""

import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.database import utcnow
from exam_engine.extensions import db
from invigilation.event_log import Verification, verify_log
from invigilation.models import Candidate, Centre, CentreStaff, Room, Workstation
from invigilation.services import conduct
from invigilation.services.incidents import alert_to_incident, raise_alert
from invigilation.services.report import report_rows
from invigilation.services.timing import remaining_time
from invigilation.services.sessions import UnitRequest, book_candidate, create_session
from invigilation.session_models import IdentityDocument, IncidentCategory, PauseReason, TestSession
from invigilation.units import unit_test_minutes

CENTRE_NUMBER = "REHEARSAL"


@dataclass
class RehearsalSummary:
    session: TestSession
    outcomes: Counter[str]
    pauses: int
    incidents: int
    verification: Verification


def _account(role: Role, username: str, name: str, password_hash: str) -> User:
    user = User(username=username, display_name=name, role=role, password_hash=password_hash)
    db.session.add(user)
    return user


def _rehearsal_room(candidates: int, run: str, password_hash: str) -> tuple[Room, list[Workstation], User]:
    centre = db.session.scalar(select(Centre).where(Centre.number == CENTRE_NUMBER))
    if centre is None:
        centre = Centre(number=CENTRE_NUMBER, name="Rehearsal centre (simulated)")
    room = Room(centre=centre, name=f"Rehearsal room {run}")
    stations = [Workstation(room=room, label=f"WS-{i:02d}", seat=f"S{i}", spare=i > candidates)
                for i in range(1, candidates + 2)]
    invigilator = _account(Role.INVIGILATOR, f"rehearsal-{run}-invigilator", "Rehearsal invigilator", password_hash)
    db.session.add_all([centre, room, *stations, CentreStaff(centre=centre, user=invigilator)])
    return room, stations, invigilator


def rehearse(unit_reference: str, candidates: int, seed: int | None = None, minutes: int | None = None,
             progress: Callable[[str], None] = lambda _message: None) -> RehearsalSummary:
    if candidates < 1:
        raise ValueError("rehearse at least one candidate")
    minutes = minutes or unit_test_minutes(unit_reference)
    if not minutes:
        raise ValueError(f"no test length is recorded for unit {unit_reference}; give --minutes")
    rng = random.Random(seed)
    run = secrets.token_hex(3)
    password_hash = generate_password_hash(secrets.token_urlsafe(24))  # nobody signs in as a simulated person
    room, stations, invigilator = _rehearsal_room(candidates, run, password_hash)
    admin = _account(Role.CENTRE_ADMIN, f"rehearsal-{run}-admin", "Rehearsal centre administrator", password_hash)
    db.session.add(CentreStaff(centre=room.centre, user=admin))
    people = []
    for i in range(1, candidates + 1):
        learner = _account(Role.LEARNER, f"rehearsal-{run}-candidate-{i}", f"Simulated candidate {i}", password_hash)
        people.append(Candidate(centre=room.centre, user=learner, candidate_number=f"{run}-{i:04d}"))
    db.session.add_all(people)
    db.session.commit()
    progress(f"Set up {room.centre.name}, {room.name} with {len(stations)} workstations (1 spare), "
             f"{candidates} simulated candidates.")

    # the session ends once every clock has run out (unit minutes x 1.5 + pauses); it ends about now
    end = utcnow().replace(microsecond=0) - timedelta(minutes=2)
    start = end - timedelta(minutes=minutes * 1.5 + 30)
    clock = [start - timedelta(minutes=15)]

    def at(step_minutes: float = 0.0) -> datetime:
        clock[0] += timedelta(minutes=step_minutes)
        return clock[0]

    session = create_session(room, start.date(), start, [UnitRequest(unit_reference, minutes)], [invigilator], admin)
    sittings = [book_candidate(session, person, unit_reference, admin, stations[i], now=start - timedelta(days=30))
                for i, person in enumerate(people)]
    step = 2 / candidates  # minutes between one candidate and the next at each desk-by-desk step
    for sitting in sittings:  # candidates arrive in the quarter hour before the start
        conduct.check_in(sitting, invigilator, rng.choice(list(IdentityDocument)[:4]), now=at(rng.uniform(0, 5 * step)))
    clock[0] = start
    conduct.start_session(session, invigilator, now=start)
    for i, sitting in enumerate(sittings):
        if i % 2:
            conduct.authorise_with_key(sitting, session.session_key, sitting.candidate.user, now=at(step / 2))
        else:
            conduct.authorise(sitting, invigilator, now=at(step / 2))
        conduct.start_clock(sitting, sitting.candidate.user, now=at(step / 2))
    progress(f"Session {session.id}: {candidates} checked in, authorised and started.")

    failing = rng.choice(sittings)
    conduct.move_workstation(failing, invigilator, stations[-1], "screen froze (simulated)", now=at(rng.uniform(5, 10)))
    conduct.resume(failing, invigilator, now=at(rng.uniform(1, 3)))
    conduct.grant_extra_time(failing, invigilator, 5, "lost time to the technical failure", now=at(0.2))
    progress(f"Technical failure: {failing.candidate.name} paused, moved to the spare, resumed with 5 minutes extra.")

    alerting = rng.choice(sittings)
    alert = raise_alert(alerting, None, "A diagram does not load (simulated)", now=at(rng.uniform(2, 5)))
    alert_to_incident(alert, invigilator, IncidentCategory.TECHNICAL)
    progress(f"{alerting.candidate.name} raised an alert; recorded as an incident.")
    conduct.pause_all(session, invigilator, PauseReason.OTHER, "noise outside the room (simulated)", now=at(rng.uniform(5, 10)))
    conduct.resume_all(session, invigilator, now=at(rng.uniform(1, 2)))

    now = at(0)
    submissions = sorted((now + remaining_time(s, now) * rng.uniform(0.3, 0.95), s.id, s)
                         for s in sittings if rng.random() < 0.85)  # the rest run out of time
    for when, _, sitting in submissions:
        conduct.finish(sitting, sitting.candidate.user, now=when)
    conduct.end_session(session, invigilator, now=end)
    conduct.sign_register(session, invigilator, "Rehearsal; simulated candidates", now=end + timedelta(minutes=1))
    rows = report_rows(session)
    summary = RehearsalSummary(session, Counter(row.sitting.state.label for row in rows),
                               sum(len(row.pauses) for row in rows), len(session.incidents), verify_log(session.id))
    progress("Answers: not simulated (delivery's answer step is not built yet).")
    return summary
