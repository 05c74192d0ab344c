"""`exam-engine verify-log`, `exam-engine rehearse` and the demo data for invigilation."""

from collections import Counter

from sqlalchemy import func, select, text

from exam_engine.cli import cli
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.models import AnswerEvent
from exam_engine.delivery.services.attempts import attempt_of
from exam_engine.demo import load_demo
from invigilation.models.centres import Candidate
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import SessionState, TestSession
from invigilation.states import SittingState


def invoke(app, *args):
    return app.test_cli_runner().invoke(cli, list(args), catch_exceptions=False)


def test_rehearse_runs_a_whole_session_and_verify_log_checks_it(app, bank):
    result = invoke(app, "rehearse", "--unit", "Y/506/2152", "--candidates", "4", "--seed", "7", "--minutes", "45")
    assert result.exit_code == 0, result.output
    session_id = int(result.output.split("Session id: ")[1].split()[0])
    session = db.session.get(TestSession, session_id)
    assert session.state is SessionState.ENDED and session.signed_off_at is not None
    assert session.started_at < session.ended_at < session.signed_off_at <= utcnow()
    assert all(s.started_at < s.finished_at <= session.ended_at for s in session.sittings)
    assert len(session.sittings) == 4 and all(s.state.is_final and s.started_at for s in session.sittings)
    assert any(p.reason.value == "technical_failure" for s in session.sittings for p in s.pauses)
    assert len(session.incidents) == 1 and "intact" in result.output
    attempts = [attempt_of(sitting) for sitting in session.sittings]
    stored = db.session.scalar(select(func.count(AnswerEvent.id))
                               .where(AnswerEvent.attempt_id.in_([a.id for a in attempts])))
    given = sum(len(a.items) for a in attempts)
    assert stored >= 4
    assert f"Answers: {stored} stored for {given} items given to 4 candidates who started" in result.output
    ends = Counter(a.end.value.replace("_", " ") for a in attempts)
    assert "Attempts: " + ", ".join(f"{n} {end}" for end, n in sorted(ends.items())) in result.output
    assert "Results under the standard in force: 0 pass, 0 fail, 4 without a pass mark" in result.output

    verified = invoke(app, "verify-log", "--session", str(session_id))
    assert verified.exit_code == 0 and "intact" in verified.output
    record = db.session.scalars(select(EventRecord).where(EventRecord.session_id == session_id)
                                .order_by(EventRecord.sequence).offset(9).limit(1)).one()
    db.session.execute(text("UPDATE session_events SET kind = 'edited' WHERE id = :id"), {"id": record.id})
    db.session.commit()
    broken = invoke(app, "verify-log", "--session", str(session_id))
    assert broken.exit_code == 1 and "BROKEN at record 10" in broken.output


def test_rehearse_refuses_a_unit_without_a_length_or_a_test_and_verify_log_an_unknown_session(app):
    result = app.test_cli_runner().invoke(cli, ["rehearse", "--unit", "Z/999/9999", "--candidates", "2"])
    assert result.exit_code == 1 and "no test length is recorded for unit Z/999/9999" in result.output
    result = app.test_cli_runner().invoke(cli, ["rehearse", "--unit", "Y/506/2152", "--candidates", "2",
                                                "--minutes", "45"])  # a blueprint, but no live items
    assert result.exit_code == 1 and "no test of unit Y/506/2152 can be assembled" in result.output
    result = app.test_cli_runner().invoke(cli, ["verify-log", "--session", "424242"])
    assert result.exit_code == 1 and "no test session 424242" in result.output


def test_the_demo_has_a_centre_a_candidate_with_extra_time_and_a_session_today(app):
    load_demo()
    load_demo()  # idempotent
    sessions = db.session.scalars(select(TestSession)).all()
    assert len(sessions) == 1
    session = sessions[0]
    assert session.unit_references == "Y/506/2152" and session.units[0].test_minutes == 45
    assert [u.username for u in session.invigilators] == ["demo-invigilator"]
    assert any(w.spare for w in session.room.workstations)
    candidate = db.session.scalars(select(Candidate)).one()
    assert candidate.user.username == "demo-learner" and candidate.arrangements.extra_time_percent == 25
    assert session.sittings[0].state is SittingState.BOOKED and session.sittings[0].extra_time_percent == 25


def test_the_demo_gives_a_new_session_once_the_learner_has_sat_today_s_or_when_reset(app):
    from exam_engine.delivery.demo import sitting_instructions

    load_demo()
    first = db.session.scalars(select(TestSession)).one()
    first.sittings[0].state = SittingState.FINISHED  # the demo test has been sat
    db.session.commit()
    load_demo()
    second = db.session.scalars(select(TestSession).where(TestSession.id != first.id)).one()
    assert second.sittings[0].state is SittingState.BOOKED
    assert f"session key {second.session_key}" in " ".join(sitting_instructions())
    load_demo()  # the new one is still to be sat: kept
    assert db.session.scalar(select(func.count()).select_from(TestSession)) == 2
    load_demo(fresh_session=True)
    assert db.session.scalar(select(func.count()).select_from(TestSession)) == 3
