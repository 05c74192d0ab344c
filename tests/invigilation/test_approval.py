"""The awarding body's set-up services: approving centres, attaching staff, ratios and booking rules."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models.centres import Centre, CentreStaff, RatioRule, UnitBookingRule
from invigilation.models.setup_log import SetupChange
from invigilation.services.centres import add_invigilator, attach_staff, create_centre
from invigilation.services.rules import bookable_units, ratios, set_booking_rule, set_ratio
from invigilation.services.sessions import book_candidate, ratio_warning
from tests.invigilation.conftest import START, UNIT, build_world, quick_user


@pytest.fixture
def body_admin(app):
    user = quick_user(Role.AWARDING_BODY_ADMIN, "awarding-admin")
    db.session.commit()
    return user


def changes(kind):
    return db.session.scalars(select(SetupChange).where(SetupChange.kind == kind).order_by(SetupChange.id)).all()


def test_a_centre_is_approved_under_a_unique_number_and_the_approval_recorded(body_admin):
    centre = create_centre(" 30003a ", "  West   Academy ", body_admin)
    assert (centre.number, centre.name) == ("30003A", "West Academy")
    [change] = changes("centre.created")
    assert (change.subject, change.changed_by, change.data) == ("30003A", "awarding-admin", {"name": "West Academy"})
    assert change.changed_at is not None
    with pytest.raises(InvigilationError, match="centre number: 30003A is already West Academy's"):
        create_centre("30003a", "Another", body_admin)
    assert db.session.scalar(select(db.func.count()).select_from(Centre)) == 1


@pytest.mark.parametrize("number, name, message", [
    ("", "A", "centre number: '' is not"), ("1 2 3", "A", "centre number: '1 2 3'"), ("-123", "A", "centre number"),
    ("X" * 21, "A", "centre number"), ("40004", "   ", "centre name: give a name"),
])
def test_a_centre_with_a_bad_number_or_no_name_is_refused(body_admin, number, name, message):
    with pytest.raises(InvigilationError, match=message):
        create_centre(number, name, body_admin)
    db.session.rollback()
    assert db.session.scalars(select(Centre)).all() == [] and changes("centre.created") == []


def test_centre_administrators_and_invigilators_are_attached_and_nobody_else(body_admin):
    centre = create_centre("50005", "East College", body_admin)
    admin, invigilator = quick_user(Role.CENTRE_ADMIN, "east-admin"), quick_user(Role.INVIGILATOR, "east-inv")
    learner = quick_user(Role.LEARNER, "east-learner")
    db.session.commit()
    assert attach_staff(centre, "east-admin", body_admin) is admin
    assert attach_staff(centre, " east-inv ", body_admin) is invigilator
    db.session.commit()
    for username, message in (("east-learner", "no centre administrator or invigilator account 'east-learner'"),
                              ("nobody", "username: there is no"), ("east-inv", "already works at East College")):
        with pytest.raises(InvigilationError, match=message):
            attach_staff(centre, username, body_admin)
        db.session.rollback()
    staff = set(db.session.scalars(select(CentreStaff.user_id).where(CentreStaff.centre_id == centre.id)))
    assert staff == {admin.id, invigilator.id} and learner.id not in staff
    assert [(c.subject, c.data) for c in changes("centre.staff_added")] == [
        ("50005", {"username": "east-admin", "role": "centre_admin"}),
        ("50005", {"username": "east-inv", "role": "invigilator"})]


def test_a_centre_administrator_adds_invigilators_only(app):
    world = build_world(candidates=0)
    quick_user(Role.CENTRE_ADMIN, "second-admin")
    extra = quick_user(Role.INVIGILATOR, "extra-inv")
    db.session.commit()
    with pytest.raises(InvigilationError, match="no invigilator account 'second-admin'"):
        add_invigilator(world.centre, "second-admin", world.admin)
    db.session.rollback()
    assert add_invigilator(world.centre, "extra-inv", world.admin) is extra
    assert changes("centre.staff_added")[0].changed_by == world.admin.username


def test_a_ratio_is_added_and_changed_and_sessions_follow_it(body_admin):
    world = build_world(candidates=3)
    session = world.session()
    session.qualification = "600/1234/5"
    db.session.commit()
    for i in range(3):
        world.book(session, i)
    assert ratio_warning(session) is None  # 3 candidates, 1 invigilator, 1 to 20 by default
    assert ratios()[0].default and ratios()[0].candidates_per_invigilator == 20
    set_ratio("600/1234/5", 5, body_admin)
    rule = set_ratio(" 600/1234/5 ", 2, body_admin)
    assert rule.candidates_per_invigilator == 2 and len(db.session.scalars(select(RatioRule)).all()) == 1
    assert ratio_warning(session) == "3 candidates need at least 2 invigilators at 1 to 2; this session has 1"
    assert [c.data for c in changes("ratio_rule.set")] == [{"before": None, "after": 5}, {"before": 5, "after": 2}]
    [listed] = ratios()
    assert (listed.qualification, listed.candidates_per_invigilator, listed.default) == ("600/1234/5", 2, False)


@pytest.mark.parametrize("qualification, per, message", [
    ("600/1234/5", 0, "candidates per invigilator: give a whole number from 1"),
    ("600/1234/5", -3, "candidates per invigilator"), ("", 20, "qualification: give the qualification number"),
    ("Q" * 41, 20, "qualification: give"),
])
def test_a_bad_ratio_is_refused(body_admin, qualification, per, message):
    with pytest.raises(InvigilationError, match=message):
        set_ratio(qualification, per, body_admin)
    db.session.rollback()
    assert db.session.scalars(select(RatioRule)).all() == [] and changes("ratio_rule.set") == []


def test_booking_rules_are_set_for_taxonomy_units_and_enforced(body_admin, taxonomy):
    assert UNIT in {unit.reference for unit in bookable_units()}
    set_booking_rule(UNIT, 48, 1, 14, body_admin)
    rule = set_booking_rule(UNIT, 72, None, 0, body_admin)
    assert (rule.minimum_notice_hours, rule.resit_limit, rule.waiting_period_days) == (72, None, 0)
    assert changes("booking_rule.set")[1].data == {
        "before": {"minimum_notice_hours": 48, "resit_limit": 1, "waiting_period_days": 14},
        "after": {"minimum_notice_hours": 72, "resit_limit": None, "waiting_period_days": 0}}
    world = build_world(candidates=1)
    with pytest.raises(InvigilationError, match="needs 72 hours' notice"):
        book_candidate(world.session(), world.candidates[0], UNIT, world.admin, now=START - timedelta(hours=71))


@pytest.mark.parametrize("unit, notice, resits, wait, message", [
    ("Z/999/9999", 0, None, 0, "unit: 'Z/999/9999' is not a unit of any imported qualification"),
    (UNIT, -1, None, 0, "minimum notice: give a whole number from 0"),
    (UNIT, 0, -1, 0, "resit limit: give a whole number from 0"),
    (UNIT, 0, None, -2, "waiting period: give a whole number from 0"),
])
def test_bad_booking_rules_are_refused(body_admin, taxonomy, unit, notice, resits, wait, message):
    with pytest.raises(InvigilationError, match=message):
        set_booking_rule(unit, notice, resits, wait, body_admin)
    db.session.rollback()
    assert db.session.scalars(select(UnitBookingRule)).all() == [] and changes("booking_rule.set") == []


def test_the_change_record_is_append_only(body_admin):
    create_centre("60006", "North Annexe", body_admin)
    [change] = changes("centre.created")
    change.changed_by = "someone else"
    with pytest.raises(PermissionError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(change)
    with pytest.raises(PermissionError, match="append-only"):
        db.session.commit()
    db.session.rollback()
