"""A whole invigilated session run through the real services with simulated candidates.

For centres rehearsing and for checks: set-up, booking, check-in, authorisation (by the
invigilator and by session key), then each candidate sits the test through delivery
(`exam_engine.rehearsal.learners`: the test assembled from the unit's blueprint and
live bank, every item given answered at the candidate's simulated ability, then
submitted, or closed by the time-out path for the slow), while the invigilator handles a
technical failure (pause, move to the spare workstation, resume with extra time), a
learner's alert turned into an incident and a pause of the whole room; then the end,
sign-off and the report, with the event log verified at the end.
Times are simulated: the session is placed in the recent past so that it ends now, and
every step, the candidates' answers among them, runs at its simulated time in time
order, so answers are stored only while a candidate's clock is running.
"""

import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.services import engine
from exam_engine.rehearsal.learners import AnswerFigures, SimulatedLearner, Timeline, answer_figures
from invigilation.models.centres import Candidate, Centre, CentreStaff, Room, Workstation
from invigilation.models.sessions import Alert, IdentityDocument, IncidentCategory, PauseReason, TestSession
from invigilation.services import conduct
from invigilation.services.event_log import Verification, verify_log
from invigilation.services.incidents import alert_to_incident
from invigilation.services.report import report_rows
from invigilation.services.sessions import UnitRequest, book_candidate, create_session
from invigilation.states import SittingState
from item_bank.taxonomy.services import unit_test_minutes

CENTRE_NUMBER = "REHEARSAL"
SUBMITTING = 0.85  # the share of candidates quick enough to submit; the rest run out of time


@dataclass
class RehearsalSummary:
    session: TestSession
    outcomes: Counter[str]
    pauses: int
    incidents: int
    answers: AnswerFigures
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


def _check_test(unit_reference: str) -> None:
    """Refuse before setting anything up when no test of the unit can be assembled now."""
    try:
        engine.plan(unit_reference, [], secrets.randbelow(2**31), live=False)
    except DeliveryError as error:
        raise ValueError(f"no test of unit {unit_reference} can be assembled: {error}") from error


@dataclass
class _Invigilation:
    """The invigilator's side of the rehearsal: one chain of incidents through the sitting."""

    session: TestSession
    invigilator: User
    spare: Workstation
    learners: list[SimulatedLearner]
    minutes: int
    rng: random.Random
    timeline: Timeline
    progress: Callable[[str], None]

    def _later(self, when: datetime, step: Callable[[datetime], None],
               minutes: tuple[float, float] | None = None) -> None:
        """Schedule the next incident: `minutes` later, or a tenth of the test (give or take) later."""
        low, high = minutes or (self.minutes * 0.05, self.minutes * 0.15)
        self.timeline.at(when + timedelta(minutes=self.rng.uniform(low, high)), step)

    def _working(self) -> list[SimulatedLearner]:
        return [learner for learner in self.learners if learner.sitting.state is SittingState.IN_PROGRESS]

    def technical_failure(self, when: datetime) -> None:
        working = self._working()
        if not working:
            self.progress("Technical failure: not simulated, nobody was working by then.")
            return self._later(when, self.alert)
        failing = self.rng.choice(working)
        conduct.move_workstation(failing.sitting, self.invigilator, self.spare, "screen froze (simulated)", now=when)
        self._later(when, partial(self.resume_moved, failing), minutes=(1, 3))

    def resume_moved(self, failing: SimulatedLearner, when: datetime) -> None:
        conduct.resume(failing.sitting, self.invigilator, now=when)
        conduct.grant_extra_time(failing.sitting, self.invigilator, 5, "lost time to the technical failure", now=when)
        self.progress(f"Technical failure: {failing.name} paused, moved to the spare, resumed with 5 minutes extra.")
        self._later(when, self.alert)

    def alert(self, when: datetime) -> None:
        working = self._working()
        if not working:
            return self._later(when, self.pause_all)
        alerting = self.rng.choice(working)
        alert = alerting.raise_alert("A diagram does not load (simulated)", when)
        self.progress(f"{alerting.name} raised an alert about item {alerting.position}.")
        self._later(when, partial(self.record_alert, alert), minutes=(0.5, 2))

    def record_alert(self, alert: Alert, when: datetime) -> None:
        alert_to_incident(alert, self.invigilator, IncidentCategory.TECHNICAL, now=when)
        self.progress("The invigilator recorded the alert as an incident.")
        self._later(when, self.pause_all)

    def pause_all(self, when: datetime) -> None:
        paused = conduct.pause_all(self.session, self.invigilator, PauseReason.OTHER,
                                   "noise outside the room (simulated)", now=when)
        self.progress(f"Noise outside the room: {len(paused)} working candidates paused.")
        self._later(when, self.resume_all, minutes=(1, 2))

    def resume_all(self, when: datetime) -> None:
        resumed = conduct.resume_all(self.session, self.invigilator, now=when)
        self.progress(f"{len(resumed)} candidates resumed.")


def rehearse(unit_reference: str, candidates: int, seed: int | None = None, minutes: int | None = None,
             progress: Callable[[str], None] = lambda _message: None) -> RehearsalSummary:
    if candidates < 1:
        raise ValueError("rehearse at least one candidate")
    minutes = minutes or unit_test_minutes(unit_reference)
    if not minutes:
        raise ValueError(f"no test length is recorded for unit {unit_reference}; give --minutes")
    _check_test(unit_reference)
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
    db.session.flush()
    progress(f"Set up {room.centre.name}, {room.name} with {len(stations)} workstations (1 spare), "
             f"{candidates} simulated candidates.")

    # the session ends once every clock has run out (unit minutes x 1.5 + pauses); it ends about now
    end = utcnow().replace(microsecond=0) - timedelta(minutes=2)
    start = end - timedelta(minutes=minutes * 1.5 + 30)
    session = create_session(room, start.date(), start, [UnitRequest(unit_reference, minutes)], [invigilator], admin,
                             now=start - timedelta(days=31), rehearsal=True)
    sittings = [book_candidate(session, person, unit_reference, admin, stations[i], now=start - timedelta(days=30))
                for i, person in enumerate(people)]
    step = timedelta(minutes=2 / candidates)  # between one candidate and the next at each desk-by-desk step
    arrival = start - timedelta(minutes=15)
    for sitting in sittings:  # candidates arrive in the quarter hour before the start
        arrival += step * rng.uniform(0, 5)
        conduct.check_in(sitting, invigilator, rng.choice(list(IdentityDocument)[:4]), now=arrival)
    conduct.start_session(session, invigilator, now=start)
    progress(f"Session {session.id}: {candidates} checked in; each is authorised and starts the test through delivery.")

    timeline = Timeline()
    learners = [SimulatedLearner(sitting, rng.gauss(0.0, 1.0),
                                 rng.uniform(0.3, 0.95) if rng.random() < SUBMITTING else rng.uniform(1.1, 1.5),
                                 random.Random(rng.random()), timeline) for sitting in sittings]
    for i, simulated in enumerate(learners):
        authorised = start + step * (i + 0.5)
        if i % 2:
            timeline.at(authorised, partial(conduct.authorise_with_key, simulated.sitting, session.session_key,
                                            simulated.sitting.candidate.user))
        else:
            timeline.at(authorised, partial(conduct.authorise, simulated.sitting, invigilator))
        timeline.at(authorised + step / 2, simulated.start)
    invigilation = _Invigilation(session, invigilator, stations[-1], learners, minutes, rng, timeline, progress)
    timeline.at(start + step * candidates + timedelta(minutes=minutes * rng.uniform(0.1, 0.2)),
                invigilation.technical_failure)
    timeline.run_until(end)

    conduct.end_session(session, invigilator, now=end)
    conduct.sign_register(session, invigilator, "Rehearsal; simulated candidates", now=end + timedelta(minutes=1))
    rows = report_rows(session)
    return RehearsalSummary(session, Counter(row.sitting.state.label for row in rows),
                            sum(len(row.pauses) for row in rows), len(session.incidents), answer_figures(session.id),
                            verify_log(session.id))
