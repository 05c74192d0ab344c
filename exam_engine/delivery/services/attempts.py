"""Signing a candidate in, confirming, cancelling and starting a sitting, and finding one's own attempt.

Each function joins the caller's transaction. Object-level access: a
learner reaches only sittings and attempts whose candidate is their own account; anything
else is "not found", so ids of other learners' attempts reveal nothing.
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.models import Attempt, AttemptItem, PreparedStart
from exam_engine.delivery.services import attempt_log, engine
from exam_engine.delivery.services.locking import lock_sitting
from exam_engine.delivery.services.sittings import SIGN_IN_STATES, InvigilationError, start_clock
from exam_engine.delivery.services.sittings import cancel_before_start as cancel
from invigilation.models.centres import Candidate
from invigilation.models.sessions import Sitting
from invigilation.states import SittingState
from item_bank.items.models import Item, ItemVersion
from item_bank.items.scoring import score as mark

PREPARED_FOR = timedelta(hours=1)  # how old exposure counts a prepared first item may be drawn with
NOT_FOUND = DeliveryError("There is no such test for you.", "not_found", 404)


def current_sitting(learner: User) -> Sitting | None:
    """The learner's sitting that is waiting to be unlocked, unlocked or under way, if any (the most recent)."""
    return db.session.scalar(
        select(Sitting).join(Candidate, Candidate.id == Sitting.candidate_id)
        .where(Candidate.user_id == learner.id, Sitting.state.in_(SIGN_IN_STATES))
        .order_by(Sitting.id.desc()).limit(1))


def own_sitting(learner: User, sitting_id: int) -> Sitting:
    sitting = db.session.get(Sitting, sitting_id)
    if sitting is None or sitting.candidate.user_id != learner.id:
        raise NOT_FOUND
    return sitting


def own_attempt(learner: User, attempt_id: int) -> Attempt:
    """The learner's own attempt (from the session's identity map when the request has read it already)."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.sitting.candidate.user_id != learner.id:
        raise NOT_FOUND
    return attempt


def read_under_lock(attempt_id: int) -> Attempt:
    """The attempt read afresh once its lock is held, with all that an answer depends on and the
    reply shows: its sitting and that sitting's unit and pauses, its items and their answers."""
    sitting = joinedload(Attempt.sitting)
    return db.session.scalars(
        select(Attempt).where(Attempt.id == attempt_id)
        .options(sitting.joinedload(Sitting.unit), sitting.joinedload(Sitting.candidate),
                 sitting.joinedload(Sitting.pauses), joinedload(Attempt.items).joinedload(AttemptItem.response))
        .execution_options(populate_existing=True)).unique().one()


def attempt_of(sitting: Sitting) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(Attempt.sitting_id == sitting.id))


def cancel_before_start(learner: User, sitting_id: int) -> None:
    """The candidate says the name, unit or test on screen is not theirs: back to the invigilator, clock not started."""
    sitting = own_sitting(learner, sitting_id)
    if sitting.state is not SittingState.AUTHORISED:
        raise DeliveryError("This test has already started, so it cannot be cancelled here; tell your invigilator.",
                            "already_started")
    cancel(sitting, learner, utcnow())


def start(learner: User, sitting_id: int, declaration_accepted: bool, now: datetime | None = None) -> Attempt:
    """Start the clock and assemble the attempt; on a sitting already under way, return its attempt (resume).

    The test is planned before the write lock is taken (planning only reads), so learners
    starting together queue only for the short write. `now` is the server's clock unless a
    rehearsal simulates the time.
    """
    sitting = own_sitting(learner, sitting_id)
    existing = attempt_of(sitting)
    if existing is not None:
        return existing
    _check_startable(sitting, declaration_accepted)
    plan = _prepared(sitting) or _plan(sitting)
    lock_sitting(sitting_id)
    db.session.refresh(sitting)
    existing = attempt_of(sitting)
    if existing is not None:  # started meanwhile from another workstation
        return existing
    _check_startable(sitting, declaration_accepted)
    now = now or utcnow()
    attempt = _attempt(sitting, plan, now)
    db.session.execute(delete(PreparedStart).where(PreparedStart.sitting_id == sitting.id))  # used, or stale
    try:
        start_clock(sitting, learner, now)  # the attempt is written with the start
    except InvigilationError as error:
        raise DeliveryError(str(error), "not_authorised") from error
    return attempt


def _check_startable(sitting: Sitting, declaration_accepted: bool) -> None:
    if sitting.state is not SittingState.AUTHORISED:
        raise DeliveryError(f"This test cannot start: it is {sitting.state.label}. Ask your invigilator.",
                            "not_authorised")
    if not declaration_accepted:
        raise DeliveryError("Confirm the candidate declaration before you start.", "declaration_required", 422)


def seen_items(sitting: Sitting) -> list[str]:
    """Codes of the items the candidate was given in earlier sittings of the unit (a resit gets others)."""
    return sorted(set(db.session.scalars(
        select(Item.code).join(ItemVersion).join(AttemptItem, AttemptItem.item_version_id == ItemVersion.id)
        .join(Attempt).join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(Sitting.candidate_id == sitting.candidate_id, Sitting.id != sitting.id,
               Attempt.unit_reference == sitting.unit.unit_reference))))


def marks_of(entries: list[AttemptItem]) -> list[int]:
    """Marks earned on each attempt item (an item given and not answered earns 0)."""
    return [mark(e.item_version.type, e.item_version.key, e.response.answer if e.response else None)
            for e in entries]


def _plan(sitting: Sitting) -> engine.Plan:
    return engine.plan(sitting.unit.unit_reference, seen_items(sitting), secrets.randbelow(2**31),
                       live=not sitting.session.rehearsal)


def prepare_start(sitting: Sitting, now: datetime | None = None) -> None:
    """Plan the test (its first item chosen) when the candidate signs in, in the caller's
    transaction: candidates sign in over minutes, so a room pressing start together finds
    its first items ready and each start costs a few writes, not a shadow-test solve. A test
    that cannot be planned now is left to the start, which says why."""
    if attempt_of(sitting) is not None:
        return
    try:
        plan = _plan(sitting)
    except DeliveryError:
        return
    prepared = db.session.get(PreparedStart, sitting.id) or PreparedStart(sitting_id=sitting.id)
    prepared.plan, prepared.prepared_at = plan.as_dict(), now or utcnow()
    db.session.add(prepared)


def _prepared(sitting: Sitting) -> engine.Plan | None:
    """The plan made at sign-in, if it is recent and its blueprint and bank are unchanged."""
    prepared = db.session.get(PreparedStart, sitting.id)
    if prepared is None or utcnow() - prepared.prepared_at >= PREPARED_FOR:
        return None
    plan = engine.Plan.from_dict(prepared.plan)
    return plan if engine.still_current(plan, sitting.unit.unit_reference, not sitting.session.rehearsal) else None


def _attempt(sitting: Sitting, plan: engine.Plan, now: datetime) -> Attempt:
    unit = sitting.unit.unit_reference
    codes = {pretest: [code for code, p, _ in plan.items if p is pretest] for pretest in (False, True)}
    versions = {pretest: engine.version_ids(unit, chosen, pretest) if chosen else {}
                for pretest, chosen in codes.items()}
    given = [[position, code, versions[pretest][code], pretest]
             for position, (code, pretest, _) in enumerate(plan.items, start=1)]
    attempt = Attempt(sitting=sitting, unit_reference=unit, mode=plan.mode,
                      blueprint_version=plan.blueprint_version, blueprint=plan.snapshot.as_dict(), seed=plan.seed,
                      planned_items=plan.planned_items, created_at=now,
                      items=[AttemptItem(position=position, item_version_id=version, pretest=pretest,
                                         selection=record, assigned_at=now)
                             for (position, _, version, pretest), (_, _, record) in zip(given, plan.items)])
    db.session.add(attempt)
    db.session.flush()
    attempt_log.append(attempt, "attempt.started", {"sitting": sitting.id, "mode": plan.mode.value,
                                                    "items": given}, None, now)
    return attempt


def given_marks(attempt: Attempt) -> list[tuple[str, float]]:
    """(item code, marks earned) of every item given, in order: what the engine's runs respond with."""
    return [(entry.item_version.item.code, float(marks))
            for entry, marks in zip(attempt.items, marks_of(attempt.items))]
