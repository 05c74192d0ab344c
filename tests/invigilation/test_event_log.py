"""The event log: chained by hash; verify-log catches rows altered, removed or reordered in SQL."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from exam_engine.core.extensions import db
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import IdentityDocument, PauseReason
from invigilation.services import conduct
from invigilation.services.event_log import append_event, verify_log
from tests.invigilation.conftest import START


@pytest.fixture
def logged(world):
    """A session whose log holds a dozen or so records of real invigilation events."""
    session = world.session()
    sitting = world.book(session)
    conduct.start_session(session, world.invigilator, now=START)
    conduct.check_in(sitting, world.invigilator, IdentityDocument.PASSPORT, now=START)
    conduct.authorise(sitting, world.invigilator, now=START)
    conduct.start_clock(sitting, world.learners[0], now=START)
    for n in range(3):
        append_event(session.id, "answer.recorded", {"sitting": sitting.id, "item": f"I{n}", "response": [n]},
                     world.learners[0], at=START + timedelta(minutes=n + 1))
    db.session.commit()
    conduct.pause(sitting, world.invigilator, PauseReason.TECHNICAL_FAILURE, now=START + timedelta(minutes=5))
    conduct.resume(sitting, world.invigilator, now=START + timedelta(minutes=6))
    conduct.finish(sitting, world.learners[0], now=START + timedelta(minutes=20))
    return session


def rows(session):
    return db.session.scalars(select(EventRecord).where(EventRecord.session_id == session.id)
                              .order_by(EventRecord.sequence)).all()


def run_sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()
    db.session.expire_all()


def test_a_clean_log_verifies_and_records_who_did_what(logged):
    result = verify_log(logged.id)
    assert result.ok and result.records == logged.log_length >= 10
    kinds = [r.kind for r in rows(logged)]
    assert kinds[:3] == ["session.created", "sitting.booked", "session.started"]
    assert "answer.recorded" in kinds and kinds[-1] == "sitting.finished"


def test_records_cannot_be_changed_through_the_application(logged):
    record = rows(logged)[2]
    record.kind = "tampered"
    with pytest.raises(PermissionError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_an_altered_payload_is_caught_at_that_record(logged):
    target = rows(logged)[5]
    run_sql("UPDATE session_events SET payload = :p WHERE id = :id",
            p=target.payload.replace("}", ',"x":1}'), id=target.id)
    result = verify_log(logged.id)
    assert not result.ok and result.broken_sequence == 6 and result.broken_id == target.id
    assert "altered" in result.problem


def test_an_altered_actor_or_time_is_caught(logged):
    target = rows(logged)[3]
    run_sql("UPDATE session_events SET actor = 'someone-else' WHERE id = :id", id=target.id)
    assert verify_log(logged.id).broken_sequence == 4


def test_a_removed_row_in_the_middle_is_caught(logged):
    target = rows(logged)[4]
    run_sql("DELETE FROM session_events WHERE id = :id", id=target.id)
    result = verify_log(logged.id)
    assert not result.ok and result.broken_sequence == 5 and "missing" in result.problem


def test_a_removed_last_row_is_caught_by_the_head(logged):
    last = rows(logged)[-1]
    last_id, last_sequence = last.id, last.sequence
    run_sql("DELETE FROM session_events WHERE id = :id", id=last_id)
    result = verify_log(logged.id)
    assert not result.ok and result.broken_sequence == last_sequence and "removed from the end" in result.problem


def test_renumbered_rows_are_caught(logged):
    a, b = rows(logged)[6], rows(logged)[7]
    a_id, a_sequence, b_id, b_sequence = a.id, a.sequence, b.id, b.sequence
    run_sql("UPDATE session_events SET sequence = -1 WHERE id = :id", id=a_id)
    run_sql("UPDATE session_events SET sequence = :s WHERE id = :id", s=a_sequence, id=b_id)
    run_sql("UPDATE session_events SET sequence = :s WHERE id = :id", s=b_sequence, id=a_id)
    result = verify_log(logged.id)
    assert not result.ok and result.broken_sequence == 7 and result.broken_id == b_id


def test_swapped_contents_are_caught(logged):
    a, b = rows(logged)[6], rows(logged)[7]
    a_id, b_id = a.id, b.id
    columns = ("kind", "actor", "payload", "previous_hash", "hash")
    values_a = {c: getattr(a, c) for c in columns}
    values_b = {c: getattr(b, c) for c in columns}
    assignments = ", ".join(f"{c} = :{c}" for c in columns)
    run_sql(f"UPDATE session_events SET {assignments} WHERE id = :id", id=a_id, **values_b)
    run_sql(f"UPDATE session_events SET {assignments} WHERE id = :id", id=b_id, **values_a)
    result = verify_log(logged.id)
    assert not result.ok and result.broken_sequence == 7


def test_an_inserted_forged_row_is_caught(logged):
    last = rows(logged)[-1]
    sequence = last.sequence
    run_sql("INSERT INTO session_events (session_id, sequence, kind, actor, recorded_at, payload, previous_hash, hash) "
            "VALUES (:s, :n, 'forged', 'x', :at, '{}', :prev, :hash)",
            s=logged.id, n=last.sequence + 1, at=last.recorded_at, prev=last.hash, hash="f" * 64)
    assert verify_log(logged.id).broken_sequence == sequence + 1


def test_logs_of_other_sessions_are_independent(logged, world):
    other = world.session()
    run_sql("DELETE FROM session_events WHERE id = :id", id=rows(logged)[2].id)
    assert verify_log(other.id).ok and not verify_log(logged.id).ok


def test_a_record_moved_to_another_session_breaks_both_logs(logged, world):
    other = world.session()
    db.session.commit()
    moved = rows(logged)[4]
    run_sql("UPDATE session_events SET session_id = :other, sequence = :n WHERE id = :id",
            other=other.id, n=other.log_length + 1, id=moved.id)
    assert verify_log(logged.id).broken_sequence == 5  # missing from its own session
    result = verify_log(other.id)
    assert not result.ok and result.broken_sequence == other.log_length + 1


def test_concurrent_appenders_queue_up_and_the_chain_stays_whole(app, world):
    """Delivery appends answer events from many requests at once; none may fork the chain."""
    import threading

    session_id = world.session().id
    errors: list[BaseException] = []

    def appender(worker: int) -> None:
        try:
            with app.app_context():
                for n in range(8):
                    append_event(session_id, "answer.recorded", {"worker": worker, "n": n}, f"learner-{worker}")
                    db.session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=appender, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    result = verify_log(session_id)
    assert result.ok and result.records == 1 + 4 * 8
