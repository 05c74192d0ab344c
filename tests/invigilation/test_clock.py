"""The server's clock: extra time, rest breaks, evacuation, late arrival and 'very late'."""

from datetime import UTC, datetime, timedelta

import pytest

from invigilation.clock import allowed_time, compute_timing, is_very_late
from invigilation.models.sessions import IdentityDocument
from invigilation.services import conduct
from invigilation.services.timing import deadline, is_accepting_answers, remaining_time
from invigilation.states import SittingState
from tests.invigilation.conftest import START

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_allowed_time_adds_the_percentage_and_granted_minutes():
    assert allowed_time(45, 0, 0) == minutes(45)
    assert allowed_time(45, 25, 0) == minutes(56.25)
    assert allowed_time(35, 50, 5) == minutes(57.5)
    with pytest.raises(ValueError, match="positive"):
        allowed_time(0, 0, 0)


def test_remaining_time_counts_down_and_stops_at_zero():
    timing = compute_timing(45, 0, 0, T0, [], T0 + minutes(10))
    assert timing.remaining == minutes(35) and timing.deadline == T0 + minutes(45)
    assert compute_timing(45, 0, 0, T0, [], T0 + minutes(50)).remaining == timedelta(0)


def test_before_the_start_the_whole_allowance_remains_and_there_is_no_deadline():
    timing = compute_timing(45, 25, 0, None, [], T0)
    assert timing.remaining == minutes(56.25) and timing.deadline is None


def test_a_rest_break_stops_the_clock_and_moves_the_deadline_by_its_length():
    pauses = [(T0 + minutes(20), T0 + minutes(30))]
    during = compute_timing(45, 0, 0, T0, [(T0 + minutes(20), None)], T0 + minutes(27))
    assert during.is_paused and during.remaining == minutes(25)
    after = compute_timing(45, 0, 0, T0, pauses, T0 + minutes(40))
    assert after.remaining == minutes(15) and after.deadline == T0 + minutes(55)


def test_overlapping_pauses_count_once():
    pauses = [(T0 + minutes(10), T0 + minutes(20)), (T0 + minutes(15), T0 + minutes(25))]
    assert compute_timing(45, 0, 0, T0, pauses, T0 + minutes(30)).paused_for == minutes(15)


@pytest.mark.parametrize("test_minutes, arrived_after, very_late", [
    (45, 44, False), (45, 46, True),  # shorter tests: after the published finish
    (90, 59, False), (90, 61, True),  # an hour or more: more than an hour after the start
    (60, 60, False), (60, 61, True),
])
def test_the_jcq_very_late_rule(test_minutes, arrived_after, very_late):
    assert is_very_late(T0, test_minutes, T0 + minutes(arrived_after)) is very_late


def test_evacuation_pauses_everyone_and_each_resumes_with_exactly_the_time_they_had(world):
    session = world.session()
    sittings = [world.book(session, i) for i in range(3)]
    conduct.start_session(session, world.invigilator, now=START)
    for offset, sitting in enumerate(sittings):  # staggered starts: different time left each
        at = START + minutes(offset * 7)
        conduct.check_in(sitting, world.invigilator, IdentityDocument.PASSPORT, now=at)
        conduct.authorise(sitting, world.invigilator, now=at)
        conduct.start_clock(sitting, world.learners[offset], now=at)
    alarm = START + minutes(30)
    expected = [remaining_time(s, alarm) for s in sittings]
    assert len(set(expected)) == 3
    incident = conduct.evacuate(session, world.invigilator, now=alarm)
    assert all(s.state is SittingState.PAUSED for s in sittings)
    assert {s.id for s in incident.sittings} == {s.id for s in sittings}
    back = alarm + minutes(40)
    assert [remaining_time(s, back) for s in sittings] == expected  # frozen while out
    assert not any(is_accepting_answers(s, back) for s in sittings)
    conduct.resume_all(session, world.invigilator, now=back)
    assert [remaining_time(s, back) for s in sittings] == expected
    assert all(is_accepting_answers(s, back + minutes(1)) for s in sittings)
    assert [deadline(s, back) for s in sittings] == [back + left for left in expected]


def test_extra_time_and_rest_breaks_give_the_right_deadline(world):
    session = world.session()
    sitting = world.book(session)  # candidate 0: 25% extra time and rest breaks
    conduct.start_session(session, world.invigilator, now=START)
    conduct.check_in(sitting, world.invigilator, IdentityDocument.PASSPORT, now=START)
    conduct.authorise(sitting, world.invigilator, now=START)
    conduct.start_clock(sitting, world.learners[0], now=START)
    conduct.rest_break(sitting, world.invigilator, now=START + minutes(10))
    conduct.resume(sitting, world.invigilator, now=START + minutes(18))
    conduct.grant_extra_time(sitting, world.invigilator, 5, "fire alarm test noise", now=START + minutes(20))
    # 45 x 1.25 = 56.25, + 5 granted, + 8 paused
    assert deadline(sitting, START + minutes(20)) == START + minutes(69.25)
    assert is_accepting_answers(sitting, START + minutes(69.2))
    assert not is_accepting_answers(sitting, START + minutes(69.3))


def test_rest_breaks_need_the_arrangement_and_extra_time_needs_a_reason(world):
    session = world.session()
    sitting = world.book(session, 1)  # no arrangements
    conduct.start_session(session, world.invigilator, now=START)
    conduct.check_in(sitting, world.invigilator, IdentityDocument.PASSPORT, now=START)
    conduct.authorise(sitting, world.invigilator, now=START)
    conduct.start_clock(sitting, world.learners[1], now=START)
    with pytest.raises(ValueError, match="no rest-break arrangement"):
        conduct.rest_break(sitting, world.invigilator, now=START + minutes(1))
    with pytest.raises(ValueError, match="reason for the extra time"):
        conduct.grant_extra_time(sitting, world.invigilator, 5, "")
    assert deadline(sitting, START) == START + minutes(45)


def test_a_late_candidate_gets_full_time_from_their_own_start_and_very_late_opens_an_incident(world):
    session = world.session(minutes=45)
    on_time, late = world.book(session, 1), world.book(session, 2)
    conduct.start_session(session, world.invigilator, now=START)
    arrival = START + minutes(50)  # after the published finish of a 45-minute test
    conduct.check_in(late, world.invigilator, IdentityDocument.PASSPORT, now=arrival)
    conduct.authorise(late, world.invigilator, now=arrival)
    conduct.start_clock(late, world.learners[2], now=arrival + minutes(2))
    assert late.very_late and late.arrived_at == arrival
    assert deadline(late, arrival) == arrival + minutes(47)
    assert [i.sittings for i in session.incidents] == [[late]]
    assert "Very late" in session.incidents[0].description
    conduct.check_in(on_time, world.invigilator, IdentityDocument.PASSPORT, now=START + minutes(5))
    assert not on_time.very_late


def test_escorted_exit_pauses_until_return(world):
    session = world.session()
    sitting = world.book(session, 1)
    conduct.start_session(session, world.invigilator, now=START)
    conduct.check_in(sitting, world.invigilator, IdentityDocument.PASSPORT, now=START)
    conduct.authorise(sitting, world.invigilator, now=START)
    conduct.start_clock(sitting, world.learners[1], now=START)
    conduct.leave_room(sitting, world.invigilator, "J. Smith", now=START + minutes(10))
    with pytest.raises(ValueError, match="out of the room"):
        conduct.resume(sitting, world.invigilator, now=START + minutes(12))
    conduct.resume_all(session, world.invigilator, now=START + minutes(12))
    assert sitting.state is SittingState.PAUSED
    conduct.return_to_room(sitting, world.invigilator, now=START + minutes(15))
    assert remaining_time(sitting, START + minutes(15)) == minutes(35)
    assert sitting.exits[0].escort == "J. Smith" and sitting.exits[0].returned_at == START + minutes(15)


def test_moving_to_a_spare_workstation_keeps_the_time(world):
    session = world.session()
    sitting = world.book(session, 1)
    conduct.start_session(session, world.invigilator, now=START)
    conduct.check_in(sitting, world.invigilator, IdentityDocument.PASSPORT, now=START)
    conduct.authorise(sitting, world.invigilator, now=START)
    conduct.start_clock(sitting, world.learners[1], now=START)
    spare = world.workstations[3]
    conduct.move_workstation(sitting, world.invigilator, spare, "screen froze", now=START + minutes(10))
    assert sitting.state is SittingState.PAUSED and sitting.workstation is spare
    conduct.resume(sitting, world.invigilator, now=START + minutes(13))
    assert remaining_time(sitting, START + minutes(13)) == minutes(35)


def test_a_submission_after_the_clock_ran_out_is_a_time_out_at_the_deadline(world):
    session = world.session()
    sitting = world.book(session, 1)
    conduct.start_session(session, world.invigilator, now=START)
    conduct.check_in(sitting, world.invigilator, IdentityDocument.PASSPORT, now=START)
    conduct.authorise(sitting, world.invigilator, now=START)
    conduct.start_clock(sitting, world.learners[1], now=START)
    conduct.finish(sitting, world.learners[1], now=START + minutes(46))
    assert sitting.state is SittingState.TIMED_OUT and sitting.finished_at == START + minutes(45)
