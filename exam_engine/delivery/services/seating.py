"""Which browser holds a learner's seat, as delivery sees it: the token invigilation's sign-in gave
it, kept in the browser's signed session (see `invigilation.services.seats`)."""

from flask import g, request, session
from sqlalchemy.orm import joinedload

from exam_engine.auth.models import User
from exam_engine.core.extensions import db
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.services.attempts import prepare_start
from exam_engine.delivery.services.lockdown import SAFE_EXAM_BROWSER_REQUIRED, browser_request
from invigilation.errors import InvigilationError
from invigilation.models.sessions import Sitting
from invigilation.services import seats
from invigilation.services.lockdown import BrowserRefused

SEATS = "seats"  # session key: sitting id -> the token that holds its seat


def held_token(sitting_id: int) -> str | None:
    token = session.get(SEATS, {}).get(str(sitting_id))
    return token if isinstance(token, str) else None


def client_address() -> str:
    return request.remote_addr or "unknown"


def sign_in(candidate_number: str, code: str) -> seats.SignIn:
    """Sign the candidate in with their number and own code; this browser then holds the seat."""
    try:
        signed_in = seats.sign_in(candidate_number, code, client_address(), None, browser_request())
    except seats.SignInRefused as refused:
        raise DeliveryError(str(refused), "sign_in_refused", refused.status, refused.retry_after) from refused
    except BrowserRefused as refused:
        raise DeliveryError(str(refused), SAFE_EXAM_BROWSER_REQUIRED, refused.status) from refused
    session.clear()  # a new session at sign-in: no fixation
    session[SEATS] = {str(signed_in.sitting.id): signed_in.token}
    prepare_start(signed_in.sitting)
    return signed_in


def unlock(learner: User, sitting: Sitting, key: str) -> None:
    """The candidate enters the session key the invigilator read out: the test is authorised."""
    try:
        seats.unlock_with_session_key(sitting, key, learner, client_address())
    except seats.SignInRefused as refused:
        raise DeliveryError(str(refused), "unlock_refused", refused.status, refused.retry_after) from refused
    except InvigilationError as error:
        raise DeliveryError(str(error), "unlock_refused", 403) from error


def named_sitting(attempt_id: int | None, sitting_id: int | None) -> Sitting | None:
    """The sitting a request names, by its attempt or by itself (None if it names none that exists)."""
    if attempt_id is not None:
        attempt = db.session.get(Attempt, attempt_id,
                                 options=[joinedload(Attempt.sitting).joinedload(Sitting.candidate)])
        g.named_attempt = attempt  # the session holds what it read weakly: kept, the view reads it from there
        return attempt.sitting if attempt is not None else None
    return db.session.get(Sitting, sitting_id) if sitting_id is not None else None


def refusal(learner: User, sitting: Sitting | None) -> DeliveryError | None:
    """Why this browser may not act on the learner's own sitting (it does not hold the seat), if so.

    A sitting or attempt that is not the learner's is left to the view, which answers "not
    found"; a test that has ended holds no seat.
    """
    if sitting is None or sitting.candidate.user_id != learner.id or sitting.state.is_final:
        return None
    if seats.holds_seat(sitting, held_token(sitting.id)):
        return None
    if sitting.seat_token_hash is None:
        return DeliveryError("Sign in again with your candidate number and sign-in code.", "sign_in_again", 409)
    try:
        seats.refuse_seat(sitting, client_address())
    except seats.SignInRefused as refused:
        return DeliveryError(str(refused), "seat_taken", refused.status)
    return None
