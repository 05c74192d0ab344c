"""A centre's own records: its candidates, its rooms and workstations, its invigilators."""

import re
from datetime import date

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models import Candidate, Centre, CentreStaff, Room, Workstation

CANDIDATE_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,20}$")


def _account(username: str, role: Role) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or user.role is not role:
        raise InvigilationError(f"there is no {role.label.lower()} account {username.strip()!r}")
    return user


def register_candidate(centre: Centre, username: str, candidate_number: str, date_of_birth: date | None = None,
                       sex: str | None = None, groups: str | None = None) -> Candidate:
    """Register a learner account as a candidate of the centre (number unique in the centre).
    Date of birth, sex and groups are optional, kept only for DIF analysis."""
    learner = _account(username, Role.LEARNER)
    number = candidate_number.strip()
    if not CANDIDATE_NUMBER.match(number):
        raise InvigilationError("a candidate number is 1 to 20 letters, digits or hyphens")
    for existing in db.session.scalars(select(Candidate).where(Candidate.centre_id == centre.id)):
        if existing.candidate_number == number:
            raise InvigilationError(f"candidate number {number} is already {existing.name}'s")
        if existing.user_id == learner.id:
            raise InvigilationError(f"{learner.display_name} is already candidate {existing.candidate_number}")
    candidate = Candidate(centre=centre, user=learner, candidate_number=number, date_of_birth=date_of_birth,
                          sex=(sex or "").strip() or None, groups=(groups or "").strip() or None)
    db.session.add(candidate)
    db.session.commit()
    return candidate


def add_room(centre: Centre, name: str, workstations: int, spares: int) -> Room:
    """A room with numbered workstations, the last `spares` of them kept spare (JCQ: at least one)."""
    name = name.strip()
    if not name:
        raise InvigilationError("name the room")
    if any(room.name == name for room in centre.rooms):
        raise InvigilationError(f"{centre.name} already has a room called {name}")
    if not 1 <= spares < workstations <= 200:
        raise InvigilationError("a room needs 2 to 200 workstations, at least one of them spare and one not")
    room = Room(centre=centre, name=name)
    for i in range(1, workstations + 1):
        room.workstations.append(Workstation(label=f"WS-{i:02d}", seat=str(i), spare=i > workstations - spares))
    db.session.add(room)
    db.session.commit()
    return room


def add_invigilator(centre: Centre, username: str) -> User:
    invigilator = _account(username, Role.INVIGILATOR)
    exists = db.session.scalar(select(CentreStaff).where(CentreStaff.centre_id == centre.id,
                                                         CentreStaff.user_id == invigilator.id))
    if exists is not None:
        raise InvigilationError(f"{invigilator.display_name} already invigilates at {centre.name}")
    db.session.add(CentreStaff(centre=centre, user=invigilator))
    db.session.commit()
    return invigilator
