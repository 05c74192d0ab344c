"""`verify-log` checks graded data against the log: answers, responses or scores edited in the
database while the log is left alone are found and named by attempt and item."""

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import flag_modified

from exam_engine.cli import cli
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.models import AnswerEvent, Attempt, AttemptItem, Response
from exam_engine.delivery.services.audit import graded_data_problems
from invigilation.services.event_log import verify_log

EVENTS = AnswerEvent.__table__  # tampering goes round the application's append-only guard, as SQL would


def entry(attempt: Attempt, position: int) -> AttemptItem:
    return next(e for e in attempt.items if e.position == position)


def other_answer(item: AttemptItem) -> object:
    """An answer to the item other than the one stored."""
    options = [o["id"] for o in item.item_version.options]
    stored = item.response.answer
    return next(o for o in options if o != stored) if isinstance(stored, str) else list(reversed(stored))


def edit_response(attempt: Attempt) -> None:
    item = entry(attempt, 2)
    item.response.answer = other_answer(item)


def delete_response(attempt: Attempt) -> None:
    db.session.delete(entry(attempt, 3).response)


def edit_answer_event(attempt: Attempt) -> None:
    db.session.execute(update(EVENTS).where(EVENTS.c.attempt_id == attempt.id, EVENTS.c.sequence == 3)
                       .values(answer=other_answer(entry(attempt, 2))))


def delete_answer_event(attempt: Attempt) -> None:
    db.session.execute(delete(EVENTS).where(EVENTS.c.attempt_id == attempt.id, EVENTS.c.sequence == 2))


def add_answer_event(attempt: Attempt) -> None:
    db.session.execute(EVENTS.insert().values(attempt_id=attempt.id, attempt_item_id=entry(attempt, 4).id,
                                              sequence=9, idempotency_key="forged", answer="A", received_at=utcnow()))


def edit_score(attempt: Attempt) -> None:
    attempt.score["marks"] += 1
    flag_modified(attempt, "score")


def reopen_attempt(attempt: Attempt) -> None:
    attempt.score, attempt.ended_at, attempt.end = None, None, None


CASES = {
    edit_response: "attempt {a}, item 2 (T-Y-", delete_response: "attempt {a}, item 3 (T-Y-",
    edit_answer_event: "answer change 3 differs from the log in its answer",
    delete_answer_event: "answer change 2 is in the log but not stored",
    add_answer_event: "answer change 9 is stored but not in the log",
    edit_score: "the stored score is", reopen_attempt: "the log ends it, but it is stored as open",
}


@pytest.mark.parametrize("tamper", CASES, ids=[f.__name__ for f in CASES])
def test_verify_log_names_graded_data_edited_behind_the_logs_back(app, ended, tamper):
    session_id = ended.sitting.session_id
    tamper(ended)
    db.session.commit()
    db.session.expire_all()
    problems = graded_data_problems(session_id)
    assert any(CASES[tamper].format(a=ended.id) in problem for problem in problems), problems
    assert verify_log(session_id).ok  # the chain alone would have said all is well
    result = app.test_cli_runner().invoke(cli, ["verify-log", "--session", str(session_id)])
    assert result.exit_code == 1 and "difference(s) between the stored results and the log" in result.output
    assert "event log intact" in result.output


def test_the_clean_session_verifies_with_its_results(app, ended):
    result = app.test_cli_runner().invoke(cli, ["verify-log", "--session", str(ended.sitting.session_id)])
    assert result.exit_code == 0
    assert "every stored answer, response and score agrees with the log" in result.output
    assert db.session.scalar(select(Response.id).limit(1)) is not None
