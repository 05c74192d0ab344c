"""On-demand booking rules, access-arrangement profiles, alerts and the malpractice report."""

from datetime import timedelta

import pytest

from exam_engine.core.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models.centres import UnitBookingRule
from invigilation.models.sessions import IdentityDocument, IncidentCategory
from invigilation.services import conduct
from invigilation.services.incidents import alert_to_incident, malpractice_report, raise_alert, record_incident
from invigilation.services.sessions import UnitRequest, book_candidate, centre_request, save_arrangements
from tests.invigilation.conftest import START, UNIT, build_world


def sit_and_finish(world, session, index=0, at=START):
    sitting = book_candidate(session, world.candidates[index], UNIT, world.admin, now=at - timedelta(days=30))
    conduct.start_session(session, world.invigilator, now=at)
    conduct.check_in(sitting, world.invigilator, IdentityDocument.PASSPORT, now=at)
    conduct.authorise(sitting, world.invigilator, now=at)
    conduct.start_clock(sitting, world.learners[index], now=at)
    conduct.finish(sitting, world.learners[index], now=at + timedelta(minutes=30))
    return sitting


def test_minimum_notice_is_enforced(world):
    db.session.add(UnitBookingRule(unit_reference=UNIT, minimum_notice_hours=48))
    db.session.commit()
    session = world.session()
    with pytest.raises(InvigilationError, match="needs 48 hours' notice"):
        book_candidate(session, world.candidates[0], UNIT, world.admin, now=START - timedelta(hours=47))
    db.session.rollback()
    assert book_candidate(session, world.candidates[0], UNIT, world.admin, now=START - timedelta(hours=49))


def test_resits_wait_their_period_count_against_the_limit_and_are_numbered(world):
    db.session.add(UnitBookingRule(unit_reference=UNIT, resit_limit=1, waiting_period_days=14))
    db.session.commit()
    first = sit_and_finish(world, world.session())
    assert first.attempt_number == 1
    too_soon = world.session(start=START + timedelta(days=7))
    with pytest.raises(InvigilationError, match="must wait 14 days"):
        book_candidate(too_soon, world.candidates[0], UNIT, world.admin, now=START + timedelta(days=1))
    db.session.rollback()
    resit = sit_and_finish(world, world.session(start=START + timedelta(days=15)))
    assert resit.attempt_number == 2
    third = world.session(start=START + timedelta(days=40))
    with pytest.raises(InvigilationError, match="only 1 resit"):
        book_candidate(third, world.candidates[0], UNIT, world.admin, now=START + timedelta(days=30))
    db.session.rollback()


def test_a_candidate_cannot_be_booked_twice_or_at_another_centre(world, app):
    other = build_world(name="Elsewhere", number="30003", candidates=1)
    session = world.session()
    world.book(session)
    with pytest.raises(InvigilationError, match="already booked"):
        world.book(session)
    db.session.rollback()
    with pytest.raises(InvigilationError, match="not a candidate of North College"):
        book_candidate(session, other.candidates[0], UNIT, world.admin)
    db.session.rollback()


def test_extra_time_above_25_percent_needs_an_approval_reference(world):
    candidate = world.candidates[1]
    with pytest.raises(InvigilationError, match="above 25% needs an approval reference"):
        save_arrangements(candidate, {"extra_time_percent": 50}, world.admin)
    with pytest.raises(InvigilationError, match="between 0% and 50%"):
        save_arrangements(candidate, {"extra_time_percent": 60, "approval_reference": "AA-1"}, world.admin)
    session = world.session()
    sitting = world.book(session, 1)
    save_arrangements(candidate, {"extra_time_percent": 50, "approval_reference": "AAO-2026-17", "reader": True},
                      world.admin)
    assert sitting.extra_time_percent == 50  # applied to the booked sitting automatically
    assert candidate.arrangements.summary() == ["50% extra time", "reader"]


def test_an_alert_becomes_an_incident_and_malpractice_has_its_report(world):
    session = world.session()
    sitting = world.book(session)
    with pytest.raises(InvigilationError, match="only during the test"):
        raise_alert(sitting, "U2-001", "typo")
    db.session.rollback()
    conduct.start_session(session, world.invigilator, now=START)
    conduct.check_in(sitting, world.invigilator, IdentityDocument.PASSPORT, now=START)
    conduct.authorise(sitting, world.invigilator, now=START)
    conduct.start_clock(sitting, world.learners[0], now=START)
    alert = raise_alert(sitting, "U2-001", "Option B and D are the same", now=START + timedelta(minutes=3))
    incident = alert_to_incident(alert, world.invigilator, IncidentCategory.TECHNICAL)
    assert not alert.is_open and incident.sittings == [sitting] and "Option B and D" in incident.description
    with pytest.raises(InvigilationError, match="only suspected-malpractice"):
        malpractice_report(incident)
    suspected = record_incident(session, world.invigilator, IncidentCategory.SUSPECTED_MALPRACTICE,
                                "Notes under the keyboard", [sitting], witnesses="A. Khan", duration_minutes=2)
    report = malpractice_report(suspected)
    kinds = [r.kind for r in report.log_records]
    assert "sitting.in_progress" in kinds and "incident.recorded" in kinds and "alert.raised" in kinds
    assert all(r.data.get("sitting") == sitting.id or r.data.get("incident") == suspected.id
               for r in report.log_records)


def test_a_centre_cannot_change_the_length_of_a_unit_whose_specification_states_it(world, taxonomy):
    """Y/506/2152's specification states a 45-minute test: a centre asking for 1 minute is refused,
    asking for nothing or for 45 gets 45; a unit whose specification states none takes the centre's."""
    with pytest.raises(InvigilationError, match="Y/506/2152's test lasts 45 minutes, as its specification states"):
        centre_request(UNIT, 1)
    assert centre_request(UNIT, None) == centre_request(UNIT, 45) == UnitRequest(UNIT, None)
    assert centre_request("Z/999/9999", 30) == UnitRequest("Z/999/9999", 30)
