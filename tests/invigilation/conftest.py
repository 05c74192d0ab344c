"""A centre with a room, workstations (one spare), staff, candidates and a session; a small bank for the unit."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.security import generate_password_hash

from exam_engine.auth.models import User, new_session_token
from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.models.centres import AccessArrangement, Candidate, Centre, CentreStaff, Room, Workstation
from invigilation.models.sessions import Sitting, TestSession
from invigilation.services.sessions import UnitRequest, book_candidate, create_session
from tests.conftest import TEST_PASSWORD
from tests.delivery.factory import blueprint, make_items

UNIT = "Y/506/2152"
_HASH = generate_password_hash(TEST_PASSWORD)  # hashed once: hashing per user makes tests slow
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class World:
    centre: Centre
    room: Room
    workstations: list[Workstation]
    invigilator: User
    admin: User
    learners: list[User] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)

    def session(self, minutes: int = 45, start: datetime = START) -> TestSession:
        session = create_session(self.room, start.date(), start, [UnitRequest(UNIT, minutes)], [self.invigilator],
                                 self.admin)
        db.session.commit()
        return session

    def book(self, session: TestSession, index: int = 0) -> Sitting:
        sitting = book_candidate(session, self.candidates[index], UNIT, self.admin, self.workstations[index],
                                 now=START - timedelta(days=7))
        db.session.commit()
        return sitting


def quick_user(role: Role, username: str) -> User:
    """An account that signs in with TEST_PASSWORD, without paying for a fresh hash."""
    user = User(username=username, display_name=f"{role.label} {username}", role=role, password_hash=_HASH,
                session_token=new_session_token())
    db.session.add(user)
    return user


def build_world( name: str = "North College", number: str = "10001", candidates: int = 3,
                extra_percent: int = 25) -> World:
    centre = Centre(number=number, name=name)
    room = Room(centre=centre, name="Room 1")
    workstations = [Workstation(room=room, label=f"WS-{i}", seat=f"A{i}", spare=(i == 4)) for i in range(1, 5)]
    db.session.add_all([centre, room, *workstations])
    invigilator = quick_user(Role.INVIGILATOR, f"invigilator-{number}")
    admin = quick_user(Role.CENTRE_ADMIN, f"admin-{number}")
    db.session.add_all([CentreStaff(centre=centre, user=invigilator), CentreStaff(centre=centre, user=admin)])
    world = World(centre, room, workstations, invigilator, admin)
    for i in range(candidates):
        learner = quick_user(Role.LEARNER, f"learner-{number}-{i + 1}")
        candidate = Candidate(centre=centre, user=learner, candidate_number=f"{number}-{i + 1:04d}")
        if i == 0 and extra_percent:
            candidate.arrangements = AccessArrangement(extra_time_percent=extra_percent, rest_breaks=True)
        db.session.add(candidate)
        world.learners.append(learner)
        world.candidates.append(candidate)
    db.session.commit()
    return world


@pytest.fixture
def world(app) -> World:
    return build_world()


@pytest.fixture
def bank(app):
    """A small live bank for the unit and a blueprint giving six items; call it with a mode to change the mode."""

    def with_mode(mode: str) -> None:
        app.config["DELIVERY_BLUEPRINTS"] = {UNIT: blueprint(mode, 6)}

    make_items(12)
    with_mode("fixed")
    yield with_mode
    app.config["DELIVERY_BLUEPRINTS"] = {}
