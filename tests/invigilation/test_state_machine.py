"""The sitting's state machine: every legal path through the services, illegal ones refused."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from invigilation.errors import InvigilationError
from invigilation.models.sessions import IdentityDocument, PauseReason, SittingTransition
from invigilation.services import conduct
from invigilation.states import TRANSITIONS, IllegalTransition, SittingState, check_transition
from tests.invigilation.conftest import START

S = SittingState
PASSPORT = IdentityDocument.PASSPORT


def states_of(sitting):
    return [t.to_state for t in db.session.scalars(
        select(SittingTransition).where(SittingTransition.sitting_id == sitting.id).order_by(SittingTransition.id))]


def test_the_table_refuses_every_transition_it_does_not_list():
    for current in S:
        for target in S:
            if target in TRANSITIONS[current]:
                check_transition(current, target)
            else:
                with pytest.raises(IllegalTransition, match=current.label):
                    check_transition(current, target)


def test_final_states_say_they_are_final():
    with pytest.raises(IllegalTransition, match="already finished, which is final"):
        check_transition(S.FINISHED, S.IN_PROGRESS)


@pytest.fixture
def started(world):
    session = world.session()
    sittings = [world.book(session, i) for i in range(3)]
    conduct.start_session(session, world.invigilator, now=START)
    db.session.commit()
    return world, session, sittings


def _to_in_progress(world, sitting, at):
    conduct.check_in(sitting, world.invigilator, PASSPORT, now=at)
    conduct.authorise(sitting, world.invigilator, now=at)
    conduct.start_clock(sitting, world.learners[0], now=at)


def test_booked_present_authorised_in_progress_paused_resumed_finished(started):
    world, session, (sitting, *_) = started
    _to_in_progress(world, sitting, START)
    conduct.pause(sitting, world.invigilator, PauseReason.TECHNICAL_FAILURE, now=START + timedelta(minutes=5))
    conduct.resume(sitting, world.invigilator, now=START + timedelta(minutes=7))
    conduct.finish(sitting, world.learners[0], now=START + timedelta(minutes=30))
    assert states_of(sitting) == [S.PRESENT, S.AUTHORISED, S.IN_PROGRESS, S.PAUSED, S.IN_PROGRESS, S.FINISHED]
    transitions = db.session.scalars(select(SittingTransition).where(SittingTransition.sitting_id == sitting.id)
                                     .order_by(SittingTransition.id)).all()
    assert all(t.reason and t.at for t in transitions)
    assert transitions[0].actor_id == world.invigilator.id and transitions[2].actor_id == world.learners[0].id
    assert sitting.finished_at == START + timedelta(minutes=30)


def test_session_key_authorisation_and_cancelling_before_the_start(started):
    world, session, (_, sitting, _) = started
    conduct.check_in(sitting, world.invigilator, IdentityDocument.SIGNED_CARD, now=START)
    with pytest.raises(InvigilationError, match="session key is not right"):
        conduct.authorise_with_key(sitting, "WRONG1", world.learners[1], now=START)
    with pytest.raises(InvigilationError, match="another candidate"):
        conduct.authorise_with_key(sitting, session.session_key, world.learners[0], now=START)
    conduct.authorise_with_key(sitting, session.session_key.lower(), world.learners[1], now=START)
    assert sitting.authorised_with_key
    conduct.cancel_before_start(sitting, world.learners[1], now=START)
    assert sitting.state is S.PRESENT


def test_absent_timed_out_and_unescorted_exit(started):
    world, session, (first, second, third) = started
    conduct.mark_absent(third, world.invigilator, now=START)
    _to_in_progress(world, second, START)
    conduct.leave_room(second, world.invigilator, escort=None, now=START + timedelta(minutes=10))
    assert second.state is S.FINISHED and "unescorted" in second.outcome_reason
    _to_in_progress(world, first, START)  # 45 min + 25% = 56.25 min
    assert conduct.expire_overdue(session, now=START + timedelta(minutes=56)) == []
    assert conduct.expire_overdue(session, now=START + timedelta(minutes=57)) == [first]
    assert first.state is S.TIMED_OUT and first.finished_at == START + timedelta(minutes=56.25)
    assert states_of(third) == [S.ABSENT]


def test_void_needs_permission_and_a_reason(started, make_user):
    world, session, (sitting, *_) = started
    _to_in_progress(world, sitting, START)
    with pytest.raises(InvigilationError, match="only the centre administrator or the awarding body"):
        conduct.void(sitting, world.invigilator, "copying")
    with pytest.raises(InvigilationError, match="reason for voiding"):
        conduct.void(sitting, world.admin, "  ")
    conduct.pause(sitting, world.invigilator, PauseReason.OTHER, "noise", now=START + timedelta(minutes=1))
    conduct.void(sitting, make_user(Role.AWARDING_BODY_ADMIN), "notes found", now=START + timedelta(minutes=2))
    assert sitting.state is S.VOIDED and sitting.open_pause is None


@pytest.mark.parametrize("action, message", [
    (lambda w, s: conduct.authorise(s, w.invigilator), "booked cannot become authorised"),
    (lambda w, s: conduct.start_clock(s, w.learners[0]), "booked cannot become in progress"),
    (lambda w, s: conduct.resume(s, w.invigilator), "booked cannot become in progress"),
    (lambda w, s: conduct.pause(s, w.invigilator, PauseReason.REST_BREAK), "booked cannot become paused"),
    (lambda w, s: conduct.finish(s, w.learners[0]), "booked cannot become finished"),
])
def test_illegal_actions_are_refused_and_nothing_is_written(started, action, message):
    world, session, (sitting, *_) = started
    before = session.log_length
    with pytest.raises(IllegalTransition, match=message):
        action(world, sitting)
    db.session.rollback()
    assert sitting.state is S.BOOKED and session.log_length == before and states_of(sitting) == []


def test_a_finished_sitting_cannot_be_checked_in_again(started):
    world, session, (sitting, *_) = started
    _to_in_progress(world, sitting, START)
    conduct.finish(sitting, world.learners[0], now=START + timedelta(minutes=3))
    with pytest.raises(IllegalTransition, match="final"):
        conduct.check_in(sitting, world.invigilator, PASSPORT)
    db.session.rollback()


def test_authorising_needs_a_started_session(world):
    session = world.session()
    sitting = world.book(session)
    conduct.check_in(sitting, world.invigilator, PASSPORT, now=START - timedelta(minutes=10))
    with pytest.raises(InvigilationError, match="start the session first"):
        conduct.authorise(sitting, world.invigilator)
    db.session.rollback()


def test_ending_the_session_finishes_running_tests_and_marks_the_rest_absent(started):
    world, session, (first, second, third) = started
    _to_in_progress(world, first, START)
    conduct.check_in(second, world.invigilator, PASSPORT, now=START)
    conduct.end_session(session, world.invigilator, now=START + timedelta(minutes=20))
    assert [s.state for s in (first, second, third)] == [S.FINISHED, S.ABSENT, S.ABSENT]
    with unit_of_work():
        conduct.sign_register(session, world.invigilator, now=START + timedelta(minutes=21))
    with pytest.raises(InvigilationError, match="already signed"), unit_of_work():
        conduct.sign_register(session, world.invigilator, now=START + timedelta(minutes=22))
    assert session.signed_off_by_id == world.invigilator.id


REACH = {  # how the services bring a fresh sitting to each non-final state
    S.BOOKED: [],
    S.PRESENT: [lambda w, s, t: conduct.check_in(s, w.invigilator, PASSPORT, now=t)],
    S.AUTHORISED: [lambda w, s, t: conduct.authorise(s, w.invigilator, now=t)],
    S.IN_PROGRESS: [lambda w, s, t: conduct.start_clock(s, w.learners[0], now=t)],
    S.PAUSED: [lambda w, s, t: conduct.pause(s, w.invigilator, PauseReason.TECHNICAL_FAILURE, now=t)],
}
ORDER = [S.BOOKED, S.PRESENT, S.AUTHORISED, S.IN_PROGRESS, S.PAUSED]


def perform(world, sitting, target, at):
    actions = {
        S.PRESENT: lambda: (conduct.check_in(sitting, world.invigilator, PASSPORT, now=at)
                            if sitting.state is S.BOOKED
                            else conduct.cancel_before_start(sitting, world.learners[0], now=at)),
        S.AUTHORISED: lambda: conduct.authorise(sitting, world.invigilator, now=at),
        S.IN_PROGRESS: lambda: (conduct.start_clock(sitting, world.learners[0], now=at)
                                if sitting.state is S.AUTHORISED
                                else conduct.resume(sitting, world.invigilator, now=at)),
        S.PAUSED: lambda: conduct.pause(sitting, world.invigilator, PauseReason.TECHNICAL_FAILURE, now=at),
        S.FINISHED: lambda: conduct.finish(sitting, world.learners[0], now=at),
        S.TIMED_OUT: lambda: conduct.expire_overdue(sitting.session, now=at + timedelta(hours=2)),
        S.VOIDED: lambda: conduct.void(sitting, world.admin, "identity in doubt", now=at),
        S.ABSENT: lambda: conduct.mark_absent(sitting, world.invigilator, now=at),
    }
    actions[target]()


EDGES = [(current, target) for current in ORDER for target in sorted(TRANSITIONS[current])]


@pytest.mark.parametrize("current, target", EDGES, ids=[f"{c.value}->{t.value}" for c, t in EDGES])
def test_every_legal_transition_is_reachable_through_the_services(started, current, target):
    world, session, (sitting, *_) = started
    for state in ORDER[1:ORDER.index(current) + 1]:
        for step in REACH[state]:
            step(world, sitting, START)
    assert sitting.state is current
    perform(world, sitting, target, START + timedelta(minutes=1))
    assert sitting.state is target
    assert states_of(sitting)[-1] is target


def test_the_edges_tested_are_all_the_edges():
    assert {(c, t) for c, targets in TRANSITIONS.items() for t in targets} == set(EDGES)


def test_authorising_everyone_present_leaves_the_others_alone(started):
    world, session, (first, second, third) = started
    conduct.check_in(first, world.invigilator, PASSPORT, now=START)
    conduct.check_in(second, world.invigilator, PASSPORT, now=START)
    assert conduct.authorise_everyone_present(session, world.invigilator, now=START) == [first, second]
    assert [s.state for s in (first, second, third)] == [S.AUTHORISED, S.AUTHORISED, S.BOOKED]
    assert first.authorised_by_id == world.invigilator.id
