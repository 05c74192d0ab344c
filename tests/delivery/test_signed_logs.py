"""Per-attempt logs anchored in the session's chain, and session heads signed outside the database:
a tail removed with the head fixed, a deleted log and a recomputed chain are caught against the
signed head; a learner's reconciliation reads only the learner's own records."""

import json
import os
import stat

import pytest
from sqlalchemy import delete, event, select, update

from exam_engine.cli import cli
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt, AttemptRecord
from exam_engine.delivery.services.attempt_log import ATTEMPT
from exam_engine.delivery.services.audit import prove_session
from exam_engine.delivery.services.submission import reconciliation
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import TestSession
from invigilation.services.checkpoints import CHECKPOINT
from invigilation.services.event_log import SESSION, append_event, chain_hash, session_records, verify_log
from invigilation.services.signing import create_key, signed_heads
from tests.delivery.factory import make_items, make_sitting
from tests.delivery.runner_client import Runner

SESSION_EVENTS, ATTEMPT_EVENTS = EventRecord.__table__, AttemptRecord.__table__  # SQL goes round the ORM guard


@pytest.fixture
def signing(app, tmp_path, monkeypatch):
    """A signing key outside the database and the awarding body's store, as configured in production."""
    key_file, store = tmp_path / "keys" / "signing.pem", tmp_path / "store"
    create_key(key_file, store / "keys")
    monkeypatch.setitem(app.config, "LOG_SIGNING_KEY_FILE", str(key_file))
    monkeypatch.setitem(app.config, "LOG_SIGNATURE_STORE", str(store))
    return store


def invoke(app, *args):
    return app.test_cli_runner().invoke(cli, list(args))


@pytest.fixture
def sealed(app, ended, signing):
    """The ended attempt's session, checkpointed and signed by the command cron runs."""
    session_id = ended.sitting.session_id
    result = invoke(app, "checkpoint-logs")
    assert result.exit_code == 0 and f"Session {session_id}: checkpoint at record" in result.output, result.output
    assert "signed with key" in result.output
    db.session.expire_all()
    return db.session.get(TestSession, session_id)


def problems_after(app, session_id: int) -> str:
    db.session.commit()
    db.session.expire_all()
    result = invoke(app, "verify-log", "--session", str(session_id))
    assert result.exit_code == 1, result.output
    return result.output


def rechain(table, scope: str, owner: int, rows: list, start: int) -> str:
    """Recompute every hash from record `start` on, as someone rewriting the log would; returns the new head."""
    owner_column = table.c.session_id if scope == SESSION else table.c.attempt_id
    previous = rows[start - 2].hash if start > 1 else "0" * 64
    for row in rows[start - 1:]:
        payload = db.session.scalar(select(table.c.payload).where(table.c.id == row.id))
        digest = chain_hash(scope, owner, row.sequence, row.kind, row.actor, row.recorded_at, payload, previous)
        db.session.execute(update(table).where(owner_column == owner, table.c.id == row.id)
                           .values(previous_hash=previous, hash=digest))
        previous = digest
    return previous


def test_a_sealed_session_verifies_against_its_signed_head(app, sealed):
    output = invoke(app, "verify-log", "--session", str(sealed.id)).output
    assert "1 signed head(s) in the store, each matching the log" in output
    assert "every attempt's log is intact and matches what the session's log committed to" in output
    heads = signed_heads(sealed.id)
    assert heads[0].length == sealed.log_length and heads[0].head == sealed.log_head
    checkpoint = session_records(sealed.id)[-1]
    attempt = db.session.scalar(select(Attempt).where(Attempt.sitting_id.in_([s.id for s in sealed.sittings])))
    assert checkpoint.kind == CHECKPOINT and checkpoint.data["attempts"] == [
        [attempt.id, attempt.log_length, attempt.log_head]]
    assert "0 checkpoint(s) taken" in invoke(app, "checkpoint-logs").output  # nothing new to commit to


def test_a_tail_removed_with_the_head_fixed_is_caught_by_the_signed_head(app, sealed):
    rows = session_records(sealed.id)
    db.session.execute(delete(SESSION_EVENTS).where(SESSION_EVENTS.c.id.in_([r.id for r in rows[-2:]])))
    db.session.execute(update(TestSession).where(TestSession.id == sealed.id)
                       .values(log_length=len(rows) - 2, log_head=rows[-3].hash))
    output = problems_after(app, sealed.id)
    assert verify_log(sealed.id).ok  # the chain and its stored head agree: only the signature shows it
    assert f"the head of {len(rows)} records" in output and "records were removed" in output


def test_a_deleted_log_is_caught_by_the_signed_head(app, sealed):
    db.session.execute(delete(SESSION_EVENTS).where(SESSION_EVENTS.c.session_id == sealed.id))
    db.session.execute(update(TestSession).where(TestSession.id == sealed.id).values(log_length=0, log_head=""))
    output = problems_after(app, sealed.id)
    assert "the whole log was deleted" in output


def test_a_recomputed_chain_is_caught_by_the_signed_head(app, sealed):
    rows = session_records(sealed.id)
    target = rows[2]
    db.session.execute(update(SESSION_EVENTS).where(SESSION_EVENTS.c.id == target.id)
                       .values(actor="someone else"))
    db.session.expire_all()
    head = rechain(SESSION_EVENTS, SESSION, sealed.id, list(session_records(sealed.id)), 3)
    db.session.execute(update(TestSession).where(TestSession.id == sealed.id).values(log_head=head))
    output = problems_after(app, sealed.id)
    assert verify_log(sealed.id).ok
    assert "is not the one signed (the chain was rewritten)" in output


def test_an_attempt_log_rewritten_with_its_head_is_caught_by_the_session_anchor(app, sealed):
    attempt = db.session.scalar(select(Attempt).where(Attempt.sitting_id.in_([s.id for s in sealed.sittings])))
    rows = db.session.scalars(select(AttemptRecord).where(AttemptRecord.attempt_id == attempt.id)
                              .order_by(AttemptRecord.sequence)).all()
    answer = next(r for r in rows if r.kind == "answer.saved")
    payload = json.dumps({**answer.data, "answer": "D"}, sort_keys=True, separators=(",", ":"))
    db.session.execute(update(ATTEMPT_EVENTS).where(ATTEMPT_EVENTS.c.id == answer.id).values(payload=payload))
    head = rechain(ATTEMPT_EVENTS, ATTEMPT, attempt.id, list(rows), answer.sequence)
    db.session.execute(update(Attempt).where(Attempt.id == attempt.id).values(log_head=head))
    output = problems_after(app, sealed.id)
    assert f"commits to record {attempt.log_length} of attempt {attempt.id}" in output
    assert not reconciliation(db.session.get(Attempt, attempt.id))["event_log_intact"]


def test_an_altered_signature_file_or_an_unknown_key_is_reported(app, sealed, signing):
    path = next((signing / f"session-{sealed.id}").glob("*.json"))
    signed = json.loads(path.read_text())
    path.write_text(json.dumps({**signed, "length": signed["length"] - 1}))
    assert "its signature does not verify" in problems_after(app, sealed.id)
    path.write_text(json.dumps({**signed, "key": "0123456789abcdef"}))
    assert "is not among the awarding body's public keys" in problems_after(app, sealed.id)


def test_a_rotated_key_leaves_old_signatures_verifiable(app, sealed, tmp_path, monkeypatch):
    result = invoke(app, "log-key", "--out", str(tmp_path / "new.pem"))
    assert result.exit_code == 0 and "public key to" in result.output
    assert stat.S_IMODE(os.stat(tmp_path / "new.pem").st_mode) == 0o600
    monkeypatch.setitem(app.config, "LOG_SIGNING_KEY_FILE", str(tmp_path / "new.pem"))
    append_event(sealed.id, "incident.recorded", {"note": "logged after the first checkpoint"}, "invigilator")
    db.session.commit()
    assert "signed with key" in invoke(app, "checkpoint-logs", "--session", str(sealed.id)).output
    assert len({head.key for head in signed_heads(sealed.id)}) == 2
    assert prove_session(sealed.id).ok


def test_reconciliation_reads_the_learners_own_records_whatever_the_size_of_the_room(app, make_user, design):
    """The same attempt's reconciliation costs the same statements and records in a room of one as in a
    room where twelve others have answered and ended."""

    def statements_for(attempt_id: int) -> tuple[int, int]:
        counted = []
        listener = lambda *args: counted.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            db.session.expire_all()
            report = reconciliation(db.session.get(Attempt, attempt_id))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert report["event_log_intact"] and report["all_stored"]
        return len(counted), report["event_log_records"]

    design("fixed", 4)
    make_items()

    def sit(setup) -> int:
        runner = Runner(app.test_client())
        runner.enter(setup.sitting)
        attempt_id = runner.start(setup.sitting.id)["attempt"]
        for position in (1, 2, 3):
            item = runner.call("GET", f"/api/runner/attempts/{attempt_id}/items/{position}").get_json()["item"]
            runner.answer(attempt_id, position, [o["id"] for o in item["options"]][:1]
                          if item["type"] == "multiple_response" else
                          (item["options"][0]["id"] if item["type"] == "single_best_answer"
                           else [o["id"] for o in item["options"]]), f"{setup.candidate_number}-{position}")
        runner.call("POST", f"/api/runner/attempts/{attempt_id}/submit")
        return attempt_id

    alone = sit(make_sitting(make_user, candidate_number="0001"))
    before = statements_for(alone)
    first = make_sitting(make_user, candidate_number="1001")
    crowded = sit(first)
    session = db.session.get(TestSession, first.sitting.session_id)
    for n in range(12):
        sit(make_sitting(make_user, candidate_number=f"{1002 + n}", session=session))
    assert statements_for(crowded) == before
