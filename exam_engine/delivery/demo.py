"""How to sit the demo test, printed by `exam-engine load-demo` (read from today's demo session)."""

from sqlalchemy import select

from exam_engine.core.extensions import db
from invigilation.demo import DEMO_CENTRE_NUMBER, DEMO_UNIT
from invigilation.models.centres import Centre
from invigilation.models.sessions import SessionUnit, TestSession


def sitting_instructions() -> list[str]:
    """Steps for the demo invigilator and the demo learner, with today's session key."""
    session = db.session.scalar(
        select(TestSession).join(Centre).join(SessionUnit)
        .where(Centre.number == DEMO_CENTRE_NUMBER, SessionUnit.unit_reference == DEMO_UNIT)
        .order_by(TestSession.scheduled_start.desc()).limit(1))
    if session is None:
        return []
    return [
        f"TO SIT THE DEMO TEST (unit {DEMO_UNIT}, session {session.id}):",
        "  1. Sign in as demo-invigilator, open the session, start it and check in candidate 0001",
        "     (the demo learner); then authorise them, or read out the session key below.",
        "  2. In another browser (or a private window), go to /learner/sign-in and enter",
        f"     candidate number 0001 and the session key {session.session_key}.",
        "  3. Confirm the details, accept the declaration and start. The clock is the server's;",
        "     the invigilator's dashboard shows the answers stored and can pause the test.",
    ]
