"""Ending an attempt (submitted, timed out), scoring it, and the reconciliation report.

An attempt is closed under its write lock, the same lock every answer takes, and its
answers are read and scored once the lock is held: an answer is either in before the end
(and scored) or refused with "your test has ended", and the end time follows every answer
it counts. A time-out ends at the deadline, after which no answer is accepted.

The reconciliation report is the learner's and the invigilator's proof that nothing was
lost: for every answer event the server acknowledged it shows the sequence number and
receipt time, checks that the item's stored answer is the latest of its events, that the
score counts the stored answers and that none was stored after the end, checks any
acknowledgements the page still holds in its journal against what is stored, and
verifies the attempt's own hash-chained log and the session record that anchors it: its
cost depends on the learner's own records only, never on the size of the room.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.models import AnswerEvent, Attempt, AttemptEnd, CentreResultSetting
from exam_engine.delivery.services import attempt_log, engine, grading
from exam_engine.delivery.services.attempts import given_marks, marks_of, own_attempt
from exam_engine.delivery.services.locking import lock_attempt
from exam_engine.delivery.services.sittings import finish, time_out, timing
from invigilation.services.checkpoints import ATTEMPT_ENDED
from invigilation.services.event_log import append_event
from invigilation.states import SittingState


def close(attempt: Attempt, end: AttemptEnd, actor: User | None, at: datetime | None = None) -> bool:
    """Score and end the attempt under its write lock, logging the result (the caller's transaction).

    `at` is when it ends (a time-out's deadline, a rehearsal's simulated time); by default
    the server's clock once the lock is held, so later than every answer it counts. A
    complete test gets the sitting record kept for replay (its steps become the items'
    selection records), which carries the engine's score; an adaptive test ended early is
    scored on the items given. Pretest items are never scored.
    """
    lock_attempt(attempt.id)
    db.session.expire_all()  # read under the lock: answers saved meanwhile are counted
    if not attempt.is_open:
        return False  # closed by another request meanwhile
    ended = at or utcnow()
    given = given_marks(attempt)
    record = engine.final_record(attempt.snapshot, given, [entry.selection for entry in attempt.items])
    if record is not None:
        attempt.record = record.as_dict()
        result = dict(record.score)
        for entry, step in zip(attempt.items, record.steps):
            selection = engine.step_record(step)
            if entry.selection != selection:  # kept adaptive steps are already complete
                entry.selection = selection
    else:
        scored = [pair for pair, entry in zip(given, attempt.items) if not entry.pretest]
        result = engine.score(attempt.snapshot, scored)
    scored_entries = [entry for entry in attempt.items if not entry.pretest]
    result.update(marks=int(sum(m for (_, m), e in zip(given, attempt.items) if not e.pretest)),
                  available_marks=sum(entry.item_version.marks for entry in scored_entries),
                  scored_items=len(scored_entries), pretest_items=len(attempt.items) - len(scored_entries),
                  complete=record is not None)
    attempt.score = result
    attempt.ended_at, attempt.end = ended, end
    sitting = attempt.sitting
    summary = {"attempt": attempt.id, "sitting": sitting.id, "end": end.value,
               "answer_events": attempt.next_sequence - 1,
               "answered_items": sum(1 for e in attempt.items if e.response and e.response.answer is not None),
               "items_given": len(attempt.items), "marks": result["marks"]}
    attempt_log.append(attempt, ATTEMPT_ENDED, summary, actor, ended)
    anchor = append_event(sitting.session_id, ATTEMPT_ENDED,
                          {**summary, "log_length": attempt.log_length, "log_head": attempt.log_head}, actor, at=ended)
    attempt.anchor_sequence = anchor.sequence
    return True


def close_if_time_up(attempt: Attempt, now: datetime) -> bool:
    """Close an open attempt whose clock has run out, or whose sitting invigilation has ended
    (session ended, voided); True if it closed it now."""
    if not attempt.is_open:
        return False
    sitting = attempt.sitting
    if sitting.state.is_final:
        timed_out = sitting.state is SittingState.TIMED_OUT
        return close(attempt, AttemptEnd.TIMED_OUT if timed_out else AttemptEnd.ENDED_BY_INVIGILATOR, None,
                     sitting.finished_at or now)
    clock = timing(sitting, now)
    if sitting.state is not SittingState.IN_PROGRESS or clock.remaining.total_seconds() > 0:
        return False
    if close(attempt, AttemptEnd.TIMED_OUT, None, clock.deadline or now):
        time_out(sitting, now)
    return True


def expire_if_due(attempt: Attempt, now: datetime) -> bool:
    """`close_if_time_up` as its own unit of work: whatever the request that noticed the end goes on
    to answer (a status poll, a refused answer), the attempt stays closed."""
    with unit_of_work():
        return close_if_time_up(attempt, now)


def submit(learner: User, attempt_id: int, now: datetime | None = None) -> Attempt:
    """The learner submits (or the page reports the time is up): end, score, finish the sitting.

    `now` is the server's clock unless a rehearsal simulates the time."""
    attempt = own_attempt(learner, attempt_id)
    if attempt.is_open and not close_if_time_up(attempt, now or utcnow()):
        if attempt.sitting.state is not SittingState.IN_PROGRESS:
            raise DeliveryError("Your test is paused; you can submit when it resumes.", "paused", 423)
        if close(attempt, AttemptEnd.SUBMITTED, learner, now):
            finish(attempt.sitting, learner, attempt.ended_at)
    return attempt


def _scoring_problems(attempt: Attempt, events: Sequence[AnswerEvent]) -> list[str]:
    """An ended attempt's score counts exactly the stored answers, none stored after the end."""
    if attempt.is_open or attempt.score is None or attempt.ended_at is None:
        return []
    problems = []
    late = [event.sequence for event in events if event.received_at > attempt.ended_at]
    if late:
        problems.append(f"answer change(s) {', '.join(map(str, late))} were stored after the test ended")
    stored = sum(marks for entry, marks in zip(attempt.items, marks_of(attempt.items)) if not entry.pretest)
    if attempt.score.get("marks") != stored:
        problems.append(f"the score counts {attempt.score.get('marks')} marks, the stored answers earn {stored}")
    return problems


HELD_BACK = "The awarding body releases results after checking each test; you will find yours under My results."


def provisional_result(attempt: Attempt) -> dict[str, Any]:
    """What the learner is told at the end of an ended test: nothing yet, unless the centre shows
    results at the end; then the marks and the grade under the standard in force, labelled
    provisional until the awarding body releases the result."""
    shown = db.session.scalar(select(CentreResultSetting.show_result)
                              .where(CentreResultSetting.centre_id == attempt.sitting.session.centre_id))
    if not shown:
        return {"shown": False, "message": HELD_BACK}
    result = grading.grade(attempt)
    score = attempt.score or {}
    return {"shown": True, "provisional": True, "passed": result.passed, "pass_mark": result.pass_mark,
            "marks": score.get("marks"), "available_marks": score.get("available_marks"),
            "message": "Provisional: the awarding body confirms every result before it is released."}


def reconciliation(attempt: Attempt, acknowledged: list[str] | None = None) -> dict[str, Any]:
    """Every acknowledged answer and where it is stored, with counts, times and the log check."""
    events = db.session.scalars(select(AnswerEvent).where(AnswerEvent.attempt_id == attempt.id)
                                .order_by(AnswerEvent.sequence)).all()
    latest: dict[int, AnswerEvent] = {}
    for event in events:
        latest[event.attempt_item_id] = event
    items = []
    problems = []
    for entry in attempt.items:
        last = latest.get(entry.id)
        stored = entry.response
        if last is not None and (stored is None or stored.sequence != last.sequence):
            problems.append(f"item {entry.position}: the stored answer is not its latest acknowledged change")
        items.append({"position": entry.position, "answered": bool(stored and stored.answer is not None),
                      "changes": sum(1 for e in events if e.attempt_item_id == entry.id),
                      "stored_sequence": stored.sequence if stored else None,
                      "saved_at": stored.saved_at.isoformat() if stored else None})
    keys = {event.idempotency_key for event in events}
    missing = sorted(set(acknowledged or []) - keys)
    if missing:
        problems.append(f"{len(missing)} acknowledgement(s) held by the page are not stored: {', '.join(missing)}")
    log = attempt_log.verify_attempt(attempt)
    if not log.ok:
        problems.append(log.describe(f"Attempt {attempt.id}"))
    sequences = [event.sequence for event in events]
    if sequences != list(range(1, len(sequences) + 1)):
        problems.append("the answer sequence numbers have a gap")
    problems += _scoring_problems(attempt, events)
    return {
        "attempt": attempt.id, "sitting": attempt.sitting_id, "ended": attempt.end.value if attempt.end else None,
        "ended_at": attempt.ended_at.isoformat() if attempt.ended_at else None,
        "answer_changes_stored": len(events), "items_given": len(attempt.items),
        "items_answered": sum(1 for item in items if item["answered"]),
        "first_saved_at": events[0].received_at.isoformat() if events else None,
        "last_saved_at": events[-1].received_at.isoformat() if events else None,
        "acknowledgements_checked": len(acknowledged or []), "acknowledgements_missing": missing,
        "event_log_intact": log.ok, "event_log_records": log.records,
        "all_stored": not problems, "problems": problems, "items": items,
    }
