"""How to sit the demo test, printed by `exam-engine load-demo` (read from today's demo session)."""

from sqlalchemy import select

from exam_engine.core.extensions import db
from invigilation.demo import DEMO_CENTRE_NUMBER, DEMO_UNIT
from invigilation.models.centres import Candidate, Centre
from invigilation.models.sessions import SessionState, SessionUnit, Sitting, TestSession


def sitting_instructions() -> list[str]:
    """Steps for the demo invigilator and the demo learner, with the learner's sign-in code and today's session key."""
    session = db.session.scalar(
        select(TestSession).join(Centre).join(SessionUnit)
        .where(Centre.number == DEMO_CENTRE_NUMBER, SessionUnit.unit_reference == DEMO_UNIT,
               TestSession.state != SessionState.ENDED)
        .order_by(TestSession.scheduled_start.desc(), TestSession.id.desc()).limit(1))
    if session is None:
        return []
    sitting = db.session.scalar(select(Sitting).join(Candidate, Candidate.id == Sitting.candidate_id)
                                .where(Sitting.session_id == session.id, Candidate.candidate_number == "0001"))
    code = sitting.sign_in_code if sitting is not None else "(on the register)"
    return [
        f"TO SIT THE DEMO TEST (unit {DEMO_UNIT}, session {session.id}):",
        "  1. Sign in as demo-invigilator, open the session's register, start it and check in candidate",
        f"     0001 (the demo learner), whose own sign-in code, on the register, is {code}.",
        "  2. In another browser (or a private window), go to /learner/sign-in and enter candidate",
        f"     number 0001 and the code {code}. The test stays locked until the invigilator",
        f"     authorises it, or the learner types the session key {session.session_key} read out to the room.",
        "  3. Confirm the details, accept the declaration and start. The clock is the server's;",
        "     the invigilator's dashboard shows the answers stored and can pause the test.",
    ]
