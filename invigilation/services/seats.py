"""The right person in each seat: sign-in with the candidate's own code, one browser per test.

Each sitting has its own sign-in code, shown on the register for the invigilator to hand
over once the candidate's identity is checked; the candidate signs in with their candidate
number and that code. Signing in does not unlock the test: the invigilator authorises it,
or reads out the session key for the candidate to enter once signed in.

The browser the candidate signs in on holds the seat: it keeps a random token, the sitting
keeps its SHA-256. Any other browser that signs in to the same sitting, or reaches it by
any other way, is refused until the invigilator lets the candidate in again (the JCQ
technical-failure path: the test is paused, the candidate moves or restarts, signs in
again, and is resumed with the same answers and time). Every refusal is in the session's
log and on the invigilator's dashboard.

Wrong codes and wrong session keys are throttled per sitting, per session and per client
address (`exam_engine.core.throttle`, counted in the database). A failure and a refusal
are kept although the request that met them is refused: each is its own unit of work.
"""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from exam_engine.auth.models import User
from exam_engine.core import throttle
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.core.throttle import Limit
from exam_engine.core.transactions import unit_of_work
from invigilation.errors import InvigilationError
from invigilation.models.centres import Candidate
from invigilation.models.sessions import Alert, AlertKind, PauseReason, SessionState, Sitting, TestSession
from invigilation.services import conduct, lockdown
from invigilation.services.event_log import append_event
from invigilation.states import SittingState

SIGN_IN_STATES = (SittingState.PRESENT, SittingState.AUTHORISED, SittingState.IN_PROGRESS, SittingState.PAUSED)
BY_SITTING, BY_SESSION, BY_ADDRESS = "sign-in:sitting", "sign-in:session", "sign-in:address"
SESSION_KEY_TRIES = "session-key:sitting"
REFUSAL_ALERTS = "seat-refused:sitting"
REFUSAL_ALERT_LIMIT = Limit(1, timedelta(minutes=5))  # one dashboard alert per sitting in five minutes


class SignInRefused(InvigilationError):
    """A sign-in or session key refused: `status` is the HTTP status, `retry_after` seconds to wait (throttled)."""

    def __init__(self, message: str, status: int, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignIn:
    sitting: Sitting
    learner: User
    token: str  # for the browser to keep: it holds the seat


def limits() -> dict[str, Limit]:
    window = timedelta(minutes=current_app.config["SIGN_IN_FAILURE_WINDOW_MINUTES"])
    return {BY_SITTING: Limit(current_app.config["SIGN_IN_MAX_FAILURES_PER_CANDIDATE"], window),
            BY_SESSION: Limit(current_app.config["SIGN_IN_MAX_FAILURES_PER_SESSION"], window),
            BY_ADDRESS: Limit(current_app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"], window),
            SESSION_KEY_TRIES: Limit(current_app.config["SIGN_IN_MAX_FAILURES_PER_CANDIDATE"], window)}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def holds_seat(sitting: Sitting, token: str | None) -> bool:
    """Whether the browser holding `token` holds the sitting's seat."""
    return bool(token and sitting.seat_token_hash
                and hmac.compare_digest(sitting.seat_token_hash, token_hash(token)))


def sign_in(candidate_number: str, code: str, address: str, held_token: str | None, browser: lockdown.BrowserRequest,
            now: datetime | None = None) -> SignIn:
    """The candidate's sitting for their number and own code, its seat given to this browser; a session
    that requires Safe Exam Browser gives no seat to another browser (`lockdown.BrowserRefused`)."""
    now = now or utcnow()
    number, code = candidate_number.strip()[:40], code.strip().upper()[:40]
    candidates = db.session.scalars(
        select(Sitting).join(TestSession).join(Candidate, Candidate.id == Sitting.candidate_id)
        .where(Candidate.candidate_number == number, TestSession.state == SessionState.STARTED,
               Sitting.state.in_(SIGN_IN_STATES)).order_by(Sitting.id)).all()
    _refuse_if_throttled(address, candidates, now)
    sitting = next((s for s in candidates if hmac.compare_digest(s.sign_in_code, code)), None)
    if sitting is None:
        _count_failure(address, candidates, now)
        raise SignInRefused("That candidate number and sign-in code do not match a test that is open now. "
                            "Check both with your invigilator.", 401)
    lockdown.check(sitting, browser, now)
    db.session.execute(update(Sitting).where(Sitting.id == sitting.id).values(state=Sitting.state))
    db.session.refresh(sitting)  # under the sitting's lock: two browsers signing in at once get one seat
    if sitting.seat_token_hash and not holds_seat(sitting, held_token):
        refuse_seat(sitting, address, now)
    learner = sitting.candidate.user
    if not learner.active:
        raise SignInRefused("This account is disabled; ask your invigilator.", 401)
    if held_token is not None and holds_seat(sitting, held_token):
        return SignIn(sitting, learner, held_token)  # the same browser again
    token = secrets.token_urlsafe(32)
    sitting.seat_token_hash = token_hash(token)
    append_event(sitting.session_id, "sitting.signed_in",
                 {"sitting": sitting.id, "candidate": sitting.candidate.candidate_number, "address": address},
                 learner, at=now)
    db.session.flush()
    return SignIn(sitting, learner, token)


def refuse_seat(sitting: Sitting, address: str, now: datetime | None = None) -> None:
    """Refuse a browser that does not hold the sitting's seat: logged, and shown to the invigilator."""
    now = now or utcnow()
    with unit_of_work():
        append_event(sitting.session_id, "sitting.second_sign_in_refused",
                     {"sitting": sitting.id, "candidate": sitting.candidate.candidate_number, "address": address},
                     None, at=now)
        if throttle.allow(REFUSAL_ALERTS, str(sitting.id), REFUSAL_ALERT_LIMIT, now):
            db.session.add(Alert(sitting=sitting, kind=AlertKind.SIGN_IN, raised_at=now, message=(
                f"Another browser tried to open {sitting.candidate.name}'s test (from {address}) and was refused. "
                "If the candidate had to change workstation or restart, let them sign in again.")))
    raise SignInRefused("This test is already open on another workstation. Ask your invigilator.", 409)


def unlock_with_session_key(sitting: Sitting, key: str, learner: User, address: str,
                            now: datetime | None = None) -> None:
    """A signed-in candidate unlocks their own test with the session key the invigilator read out."""
    now = now or utcnow()
    tries = limits()[SESSION_KEY_TRIES]
    if throttle.exceeded(SESSION_KEY_TRIES, str(sitting.id), tries, now) \
            or throttle.exceeded(BY_ADDRESS, address, limits()[BY_ADDRESS], now):
        raise SignInRefused(f"Too many wrong keys. Ask your invigilator, or wait {tries.minutes} minutes.", 429,
                            tries.minutes * 60)
    try:
        conduct.authorise_with_key(sitting, key, learner, now)
    except InvigilationError:
        with unit_of_work():
            throttle.record(SESSION_KEY_TRIES, str(sitting.id), now)
            throttle.record(BY_ADDRESS, address, now)
        raise


def readmit(sitting: Sitting, invigilator: User, reason: str, now: datetime | None = None) -> None:
    """Let the candidate sign in again on another browser or workstation: the test is paused if it
    is running (technical failure), the old browser loses the seat, and the candidate's failed
    tries are forgotten."""
    now = now or utcnow()
    reason = (reason or "").strip() or "technical failure"
    if sitting.state not in SIGN_IN_STATES:
        raise InvigilationError(f"{sitting.candidate.name}'s test is {sitting.state.label}; nothing to sign in to")
    if sitting.state is SittingState.IN_PROGRESS:
        conduct.pause(sitting, invigilator, PauseReason.TECHNICAL_FAILURE, reason, now)
    sitting.seat_token_hash = None
    throttle.forget(BY_SITTING, str(sitting.id))
    throttle.forget(SESSION_KEY_TRIES, str(sitting.id))
    append_event(sitting.session_id, "sitting.readmitted", {"sitting": sitting.id, "reason": reason},
                 invigilator, at=now)
    db.session.flush()


def failed_sign_ins(session: TestSession, now: datetime | None = None) -> dict[int, int]:
    """Failed sign-ins and session keys per sitting of the session within the throttle window."""
    now = now or utcnow()
    window = limits()[BY_SITTING].window
    return {sitting.id: failures for sitting in session.sittings
            if (failures := throttle.count(BY_SITTING, str(sitting.id), window, now)
                + throttle.count(SESSION_KEY_TRIES, str(sitting.id), window, now))}


def _refuse_if_throttled(address: str, candidates: Sequence[Sitting], now: datetime) -> None:
    keys = [(BY_ADDRESS, address)] + [(BY_SITTING, str(s.id)) for s in candidates] \
        + [(BY_SESSION, str(s.session_id)) for s in candidates]
    for bucket, key in keys:
        limit = limits()[bucket]
        if throttle.exceeded(bucket, key, limit, now):
            raise SignInRefused(f"Too many wrong sign-ins. Ask your invigilator, or wait {limit.minutes} minutes.",
                                429, limit.minutes * 60)


def _count_failure(address: str, candidates: Sequence[Sitting], now: datetime) -> None:
    """Count a wrong code against the address and every sitting the candidate number could mean."""
    with unit_of_work():
        throttle.record(BY_ADDRESS, address, now)
        for sitting in candidates:
            throttle.record(BY_SITTING, str(sitting.id), now)
            throttle.record(BY_SESSION, str(sitting.session_id), now)
