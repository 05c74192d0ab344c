"""Centres and their records: approving a centre and attaching its staff (the awarding body),
and its candidates, rooms and workstations, invigilators (the centre)."""

import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models.centres import Candidate, Centre, CentreStaff, Room, Workstation
from invigilation.services.setup_log import record_change

CANDIDATE_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,20}$")
CENTRE_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$")
CENTRE_STAFF_ROLES = (Role.CENTRE_ADMIN, Role.INVIGILATOR)


def _account(username: str, *roles: Role) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or user.role not in roles:
        wanted = " or ".join(role.label.lower() for role in roles)
        raise InvigilationError(f"username: there is no {wanted} account {username.strip()!r}")
    return user


def valid_uln(uln: str) -> bool:
    """A Unique Learner Number: ten digits, the first not 0, whose digits weighted 10, 9, ..., 1
    sum to 10 modulo 11 (the Learning Records Service's check, as HESA's ULN field states it)."""
    return (len(uln) == 10 and uln.isascii() and uln.isdigit() and uln[0] != "0"
            and sum(int(d) * w for d, w in zip(uln, range(10, 0, -1))) % 11 == 10)


def register_candidate(centre: Centre, username: str, candidate_number: str, date_of_birth: date | None = None,
                       sex: str | None = None, groups: str | None = None, uln: str | None = None) -> Candidate:
    """Register a learner account as a candidate of the centre (number unique in the centre).
    The Unique Learner Number is optional and goes with the candidate's results; date of birth,
    sex and groups are optional, kept only for DIF analysis."""
    learner = _account(username, Role.LEARNER)
    number = candidate_number.strip()
    if not CANDIDATE_NUMBER.match(number):
        raise InvigilationError("a candidate number is 1 to 20 letters, digits or hyphens")
    uln = (uln or "").replace(" ", "") or None
    if uln is not None and not valid_uln(uln):
        raise InvigilationError(f"{uln[:20]!r} is not a Unique Learner Number: ten digits, the first not 0, "
                                "and the last a check digit that does not match the others")
    for existing in db.session.scalars(select(Candidate).where(Candidate.centre_id == centre.id)):
        if existing.candidate_number == number:
            raise InvigilationError(f"candidate number {number} is already {existing.name}'s")
        if existing.user_id == learner.id:
            raise InvigilationError(f"{learner.display_name} is already candidate {existing.candidate_number}")
    candidate = Candidate(centre=centre, user=learner, candidate_number=number, uln=uln, date_of_birth=date_of_birth,
                          sex=(sex or "").strip() or None, groups=(groups or "").strip() or None)
    db.session.add(candidate)
    db.session.flush()
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
    db.session.flush()
    return room


def create_centre(number: str, name: str, actor: User) -> Centre:
    """Approve a centre under the awarding body's centre number (unique, kept in capitals)."""
    number, name = number.strip().upper(), " ".join(name.split())
    if not CENTRE_NUMBER.match(number):
        raise InvigilationError(f"centre number: {number!r} is not 3 to 20 letters, digits or hyphens "
                                "starting with a letter or digit")
    if not name or len(name) > 200:
        raise InvigilationError("centre name: give a name of up to 200 characters")
    existing = db.session.scalar(select(Centre).where(func.upper(Centre.number) == number))
    if existing is not None:
        raise InvigilationError(f"centre number: {number} is already {existing.name}'s")
    centre = Centre(number=number, name=name)
    db.session.add(centre)
    record_change("centre.created", number, {"name": name}, actor)
    try:
        db.session.flush()
    except IntegrityError:  # approved at the same moment by someone else
        db.session.rollback()
        raise InvigilationError(f"centre number: {number} has just been given to another centre") from None
    return centre


def attach_staff(centre: Centre, username: str, actor: User,
                 roles: tuple[Role, ...] = CENTRE_STAFF_ROLES) -> User:
    """Make an existing centre administrator or invigilator account staff of the centre."""
    user = _account(username, *roles)
    exists = db.session.scalar(select(CentreStaff).where(CentreStaff.centre_id == centre.id,
                                                         CentreStaff.user_id == user.id))
    if exists is not None:
        raise InvigilationError(f"username: {user.display_name} already works at {centre.name}")
    db.session.add(CentreStaff(centre=centre, user=user))
    record_change("centre.staff_added", centre.number, {"username": user.username, "role": user.role.value}, actor)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvigilationError(f"username: {user.display_name} has just been added to {centre.name}") from None
    return user


def add_invigilator(centre: Centre, username: str, actor: User) -> User:
    """The centre administrator's way to add an invigilator account to their centre."""
    return attach_staff(centre, username, actor, (Role.INVIGILATOR,))


def centre_staff(centre: Centre) -> list[User]:
    return list(db.session.scalars(select(User).join(CentreStaff, CentreStaff.user_id == User.id)
                                   .where(CentreStaff.centre_id == centre.id).order_by(User.role, User.display_name)))


def candidate_counts() -> dict[int, int]:
    """How many candidates each centre has registered, by centre id (absent: none)."""
    rows = db.session.execute(select(Candidate.centre_id, func.count()).group_by(Candidate.centre_id))
    return {centre_id: count for centre_id, count in rows}
