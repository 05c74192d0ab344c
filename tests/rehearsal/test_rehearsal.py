"""The rehearsal sits the test for real: answers through delivery, at simulated times, in the log."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from exam_engine.core.extensions import db
from exam_engine.delivery.models import AnswerEvent, AttemptEnd, AttemptRecord
from exam_engine.delivery.services.attempt_log import verify_attempt
from exam_engine.delivery.services.attempts import attempt_of
from exam_engine.rehearsal.services import rehearse
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import Sitting, TestSession
from invigilation.states import SittingState
from tests.delivery.factory import UNIT


def in_progress_intervals(sitting: Sitting) -> list[tuple[datetime, datetime | None]]:
    """When the sitting's clock ran, from its recorded transitions (None: still running)."""
    intervals: list[tuple[datetime, datetime | None]] = []
    for transition in sitting.transitions:
        if intervals and intervals[-1][1] is None:
            intervals[-1] = (intervals[-1][0], transition.at)
        if transition.to_state is SittingState.IN_PROGRESS:
            intervals.append((transition.at, None))
    return intervals


@pytest.mark.parametrize("mode", ["fixed", "cat"])
def test_every_candidate_sits_the_test_through_delivery_while_their_clock_runs(app, bank, mode):
    bank(mode)
    summary = rehearse(UNIT, 6, seed=5, minutes=30)  # seed 5: two of the six are too slow
    session = summary.session
    assert summary.verification.ok and session.state.value == "ended"
    attempts = [attempt_of(sitting) for sitting in session.sittings]
    assert all(attempt is not None and attempt.mode.value == mode for attempt in attempts)

    stored = 0
    for sitting, attempt in zip(session.sittings, attempts):
        events = db.session.scalars(select(AnswerEvent).where(AnswerEvent.attempt_id == attempt.id)).all()
        assert events, f"{sitting.candidate.name} stored no answers"
        stored += len(events)
        intervals = in_progress_intervals(sitting)
        assert len(intervals) >= 1 and all(end is not None for _, end in intervals)
        for event in events:
            assert any(begin <= event.received_at <= end for begin, end in intervals), \
                f"{sitting.candidate.name}'s answer at {event.received_at} was stored while the clock was stopped"
        assert not attempt.is_open and attempt.score is not None and isinstance(attempt.score["passed"], bool)
        assert attempt.score["scored_items"] == len(attempt.items)
        if attempt.end is AttemptEnd.SUBMITTED:
            assert sitting.state is SittingState.FINISHED
            assert len(events) == len(attempt.items) == 6 and attempt.score["complete"]
        else:
            assert attempt.end is AttemptEnd.TIMED_OUT and sitting.state is SittingState.TIMED_OUT
            assert attempt.ended_at == sitting.finished_at  # closed at the deadline by the time-out path

    ends = summary.answers.ends
    assert ends["submitted"] >= 1 and ends["timed_out"] >= 1 and sum(ends.values()) == 6
    assert summary.answers.answers_stored == stored and summary.answers.started == 6
    assert summary.answers.items_given == sum(len(a.items) for a in attempts)
    assert sum(summary.answers.results.values()) == 6
    assert summary.answers.results["no result"] == 6  # no standard has been set: marks only, no pass or fail

    records = db.session.scalars(select(EventRecord).where(EventRecord.session_id == session.id)
                                 .order_by(EventRecord.sequence)).all()
    assert db.session.scalar(select(func.count()).select_from(AttemptRecord).where(
        AttemptRecord.kind == "answer.saved", AttemptRecord.attempt_id.in_([a.id for a in attempts]))) == stored
    assert all(verify_attempt(a).ok for a in attempts)
    assert sum(1 for r in records if r.kind == "attempt.ended") == 6
    times = [r.recorded_at for r in records]
    assert times == sorted(times), "the log's records are not in the order they happened"
    assert records[-1].kind == "register.signed"


def test_a_unit_whose_test_cannot_be_assembled_is_refused_before_anything_is_set_up(app, bank):
    with pytest.raises(ValueError, match="no test of unit Z/999/9999 can be assembled"):
        rehearse("Z/999/9999", 2, minutes=30)
    assert db.session.scalars(select(TestSession)).all() == []
