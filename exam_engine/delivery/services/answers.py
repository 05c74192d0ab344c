"""Saving answers (idempotent, only before the deadline), flags, the adaptive next item and alerts.

Saving an answer commits itself: the learner's acknowledgement must follow durability, and a
key posted twice at once is only known from the commit. The other functions join the
caller's transaction. An answer change carries an idempotency key
chosen by the page: posting it again (a replay after a lost acknowledgement) returns the
first acknowledgement and stores nothing new. Every accepted answer gets the attempt's
next sequence number and the server's receipt time, becomes the item's current answer,
and is appended to the attempt's own event log, all together or not at all: nothing the
rest of the room writes to is touched. The services
read the server's clock unless a rehearsal gives its simulated time as `now`.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from exam_engine.auth.models import User
from exam_engine.core import throttle
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.core.transactions import commit_keeping_state, unit_of_work
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.models import AnswerEvent, Attempt, AttemptItem, Response
from exam_engine.delivery.services import attempt_log, engine
from exam_engine.delivery.services.attempts import given_marks, own_attempt, read_under_lock
from exam_engine.delivery.services.locking import lock_attempt
from exam_engine.delivery.services.sittings import InvigilationError, is_accepting_answers, raise_alert
from exam_engine.delivery.services.submission import close_if_time_up, expire_if_due
from invigilation.models.sessions import Alert
from invigilation.states import SittingState
from item_bank.items.models import ItemVersion
from item_bank.items.scoring import ItemType

MAX_KEY_LENGTH = 80
ALERTS, ALERT_WINDOW = "alert:attempt", timedelta(minutes=10)


class Answerable(Protocol):
    """What checking an answer needs of an item: a bank version, or a practice item (`services.practice`)."""

    @property
    def type(self) -> ItemType: ...
    @property
    def options(self) -> Sequence[Mapping[str, str]]: ...
    @property
    def premises(self) -> Sequence[Mapping[str, str]]: ...
    @property
    def select(self) -> int | None: ...


def validate_answer(version: Answerable, answer: Any) -> Any:
    """The answer if it is well formed for the item (None clears it); a clear error otherwise."""
    if answer is None:
        return None
    ids = [option["id"] for option in version.options]
    if version.type is ItemType.MATCHING:
        return _matching_answer(version, answer, ids)
    if version.type is ItemType.SINGLE_BEST_ANSWER:
        if isinstance(answer, str) and answer in ids:
            return answer
        raise DeliveryError(f"choose one of the options {', '.join(ids)}", "invalid_answer", 422)
    if not isinstance(answer, list) or not all(isinstance(a, str) and a in ids for a in answer) \
            or len(set(answer)) != len(answer):
        raise DeliveryError(f"give a list of different options from {', '.join(ids)}", "invalid_answer", 422)
    if version.type is ItemType.MULTIPLE_RESPONSE and len(answer) > (version.select or 0):
        raise DeliveryError(f"choose at most {version.select} options", "invalid_answer", 422)
    if version.type is ItemType.ORDERING and sorted(answer) != sorted(ids):
        raise DeliveryError("put every statement in a position", "invalid_answer", 422)
    return answer


def _matching_answer(version: Answerable, answer: Any, ids: list[str]) -> list[str | None] | None:
    """For each premise in turn an option id or None (not matched yet), no option twice; all None clears it."""
    given = [a for a in answer if a is not None] if isinstance(answer, list) else []
    if not isinstance(answer, list) or len(answer) != len(version.premises) \
            or not all(a in ids for a in given) or len(set(given)) != len(given):
        raise DeliveryError(f"give, for each of the {len(version.premises)} statements in turn, one of the options "
                            f"{', '.join(ids)} or null, using no option twice", "invalid_answer", 422)
    return answer if given else None


def _ack(event: AnswerEvent, duplicate: bool) -> dict[str, Any]:
    return {"idempotency_key": event.idempotency_key, "sequence": event.sequence,
            "position": event.attempt_item.position, "saved_at": event.received_at.isoformat(),
            "duplicate": duplicate}


def _existing(attempt_id: int, key: str) -> AnswerEvent | None:
    return db.session.scalar(select(AnswerEvent).where(AnswerEvent.attempt_id == attempt_id,
                                                       AnswerEvent.idempotency_key == key))


def _entry(attempt: Attempt, position: int) -> AttemptItem:
    entry = next((e for e in attempt.items if e.position == position), None)
    if entry is None:
        raise DeliveryError(f"item {position} is not part of your test", "not_found", 404)
    if not attempt.mode.allows_review and position != len(attempt.items):
        raise DeliveryError("this adaptive test goes forward only: earlier answers cannot be changed",
                            "forward_only")
    return entry


def _check_open(attempt: Attempt, now: datetime | None) -> None:
    """Refuse unless the clock is running (closing a timed-out attempt first, in its own unit of work)."""
    now = now or utcnow()
    expire_if_due(attempt, now)
    _refuse_unless_accepting(attempt, now)


def save_answer(learner: User, attempt_id: int, position: int, answer: Any, key: str,
                client_time: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Store one answer change once, whatever the number of times it is posted.

    The attempt's lock comes first, and everything the answer depends on is read once under
    it (`read_under_lock`): the learner's writes queue behind the same learner's only, and
    the reply is built from what was read and written, with no second read. A key already
    stored gets its first acknowledgement, even after the end.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DeliveryError(f"an idempotency key of 1 to {MAX_KEY_LENGTH} characters is required",
                            "invalid_request", 422)
    own_attempt(learner, attempt_id)  # someone else's attempt is refused before anything is locked
    lock_attempt(attempt_id)
    attempt = read_under_lock(attempt_id)
    existing = _existing(attempt.id, key)
    if existing is not None:
        return _acknowledged(_ack(existing, duplicate=True))
    received = now or utcnow()
    if close_if_time_up(attempt, received):
        commit_keeping_state()  # the clock ran out: the attempt stays closed whatever this request answers
    _refuse_unless_accepting(attempt, received)
    entry = _entry(attempt, position)
    version = db.session.get_one(ItemVersion, entry.item_version_id, options=[joinedload(ItemVersion.item)])
    answer = validate_answer(version, answer)
    sequence = attempt.next_sequence
    attempt.next_sequence = sequence + 1
    event = AnswerEvent(attempt_id=attempt.id, attempt_item=entry, sequence=sequence, idempotency_key=key,
                        answer=answer, received_at=received, client_time=(client_time or "")[:40] or None)
    db.session.add(event)
    if entry.response is None:
        entry.response = Response(answer=answer, sequence=sequence, saved_at=received)
    else:
        entry.response.answer, entry.response.sequence, entry.response.saved_at = answer, sequence, received
    attempt_log.append(attempt, "answer.saved", {
        "attempt": attempt.id, "sitting": attempt.sitting_id, "position": position,
        "item": version.item.code, "version": version.number, "sequence": sequence,
        "idempotency_key": key, "answer": answer}, learner, received)
    try:
        return _acknowledged(_ack(event, duplicate=False))
    except IntegrityError:  # the same key posted twice at once: the other request stored it
        db.session.rollback()
        existing = _existing(attempt_id, key)
        if existing is None:
            raise
        return _ack(existing, duplicate=True)


def _acknowledged(ack: dict[str, Any]) -> dict[str, Any]:
    """Commit, then acknowledge: the learner is told only what is durable."""
    commit_keeping_state()
    return ack


def _refuse_unless_accepting(attempt: Attempt, now: datetime) -> None:
    if not attempt.is_open:
        raise DeliveryError("Your test has ended; answers are no longer accepted. Answers saved before the end are "
                            "kept.", "attempt_ended")
    if attempt.sitting.state is SittingState.PAUSED:
        raise DeliveryError("Your test is paused; answers are accepted again when it resumes.", "paused", 423)
    if not is_accepting_answers(attempt.sitting, now):
        raise DeliveryError("Answers are not accepted now.", "not_accepting")


def set_flag(learner: User, attempt_id: int, position: int, flagged: bool) -> None:
    """Flag an item for review (fixed and linear-on-the-fly tests)."""
    lock_attempt(attempt_id)
    attempt = own_attempt(learner, attempt_id)
    if not attempt.mode.allows_review:
        raise DeliveryError("adaptive tests have no review, so items cannot be flagged", "forward_only")
    _check_open(attempt, None)
    _entry(attempt, position).flagged = flagged


def next_item(learner: User, attempt_id: int, after: int, now: datetime | None = None) -> int:
    """Adaptive tests: leave item `after` and get the next one chosen; returns its position.

    Naming the item being left makes the request idempotent: a second tab, or a resend after
    a lost reply, asking to leave the same item gets the item already chosen, never one more.
    The choice is computed before the write lock is taken (it only reads what this learner's
    own answers changed) and checked to still be due once the lock is held.
    """
    attempt = own_attempt(learner, attempt_id)
    if attempt.mode.allows_review:
        raise DeliveryError("this test gives every item at the start; move between items freely", "not_adaptive")
    _check_open(attempt, now)
    given = given_marks(attempt)
    if after != len(given):
        return _already_chosen(len(given), after)
    step = engine.due_step(attempt.snapshot, given)
    if step is not None:
        version = engine.version_ids(attempt.unit_reference, [step.item], step.pretest)[step.item]
    lock_attempt(attempt_id)
    db.session.expire_all()
    attempt = own_attempt(learner, attempt_id)
    if len(attempt.items) != len(given):
        return _already_chosen(len(attempt.items), after)
    if step is None:
        with unit_of_work():  # the test's true length is known now: kept, though the request is refused
            attempt.planned_items = len(attempt.items)
        raise DeliveryError("That was the last question. Submit your test when you are ready.", "no_more_items")
    position, now = len(given) + 1, now or utcnow()
    attempt.planned_items = engine.planned_length(attempt.snapshot, step, attempt.planned_items)
    attempt.items.append(AttemptItem(position=position, item_version_id=version, pretest=step.pretest,
                                     selection=engine.step_record(step), assigned_at=now))
    attempt_log.append(attempt, "item.given", {"position": position, "item": step.item, "version_id": version,
                                               "pretest": step.pretest}, learner, now)
    db.session.flush()
    return position


def _already_chosen(given: int, after: int) -> int:
    """The position that follows `after` when `given` items have been given already."""
    if not 1 <= after <= given:
        raise DeliveryError(f"you are on item {given}, not item {after}", "not_current", 409)
    return after + 1


def alert(learner: User, attempt_id: int, position: int | None, message: str, now: datetime | None = None) -> Alert:
    """The learner raises an alert about an item for the invigilator (returned for the rehearsal to act on);
    a few per attempt in a while, so that no one can flood the invigilator's dashboard."""
    now = now or utcnow()
    lock_attempt(attempt_id)
    attempt = own_attempt(learner, attempt_id)
    limit = throttle.Limit(current_app.config["ALERTS_PER_ATTEMPT"], ALERT_WINDOW)
    if not throttle.allow(ALERTS, str(attempt.id), limit, now):
        raise DeliveryError(f"Your invigilator has your alerts; you can send another in {limit.minutes} minutes.",
                            "too_many_alerts", 429, limit.minutes * 60)
    message = message.strip()[:500] or "The learner asked for help with this item."
    item_ref = None
    if position is not None:
        entry = next((e for e in attempt.items if e.position == position), None)
        if entry is None:
            raise DeliveryError(f"item {position} is not part of your test", "not_found", 404)
        item_ref = f"{entry.item_version.item.code} v{entry.item_version.number} (item {position})"
    try:
        return raise_alert(attempt.sitting, item_ref, message, now)
    except InvigilationError as error:
        raise DeliveryError(str(error), "alert_refused") from error
