"""Object-level access: who may see, conduct, administer or void which session.

- An invigilator sees the sessions of their own centre and conducts those they are named on.
- A centre administrator sees and administers their own centre's sessions only.
- An awarding-body administrator sees every session (malpractice reports, logs).
- Voiding a sitting is for the centre administrator of its centre or the awarding body.
"""

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.models.centres import Centre, CentreStaff
from invigilation.models.sessions import TestSession


def centre_ids_of(user: User) -> set[int]:
    return set(db.session.scalars(select(CentreStaff.centre_id).where(CentreStaff.user_id == user.id)))


def centres_of(user: User) -> list[Centre]:
    return list(db.session.scalars(select(Centre).join(CentreStaff).where(CentreStaff.user_id == user.id)
                                   .order_by(Centre.name)))


def can_view(user: User, session: TestSession) -> bool:
    if user.role is Role.AWARDING_BODY_ADMIN:
        return True
    if user.role in (Role.INVIGILATOR, Role.CENTRE_ADMIN):
        return session.centre_id in centre_ids_of(user)
    return False


def can_conduct(user: User, session: TestSession) -> bool:
    return user.role is Role.INVIGILATOR and can_view(user, session) and user in session.invigilators


def can_administer(user: User, session: TestSession) -> bool:
    return user.role is Role.CENTRE_ADMIN and session.centre_id in centre_ids_of(user)


def can_void(user: User, session: TestSession) -> bool:
    return user.role is Role.AWARDING_BODY_ADMIN or can_administer(user, session)


def visible_sessions(user: User) -> list[TestSession]:
    query = select(TestSession).order_by(TestSession.scheduled_start.desc())
    if user.role is not Role.AWARDING_BODY_ADMIN:
        query = query.where(TestSession.centre_id.in_(centre_ids_of(user) or {-1}))
    return list(db.session.scalars(query))
