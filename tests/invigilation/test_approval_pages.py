"""The awarding body's centre and rule pages over HTTP: create, validate, refuse, and who may."""

import pytest
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.models.centres import Centre, CentreStaff, RatioRule, UnitBookingRule
from invigilation.models.setup_log import SetupChange
from tests.conftest import TEST_PASSWORD
from tests.hardening.routes import route_requests
from tests.helpers import csrf_token_from, sign_in
from tests.invigilation.conftest import UNIT, build_world, quick_user

PAGES = ("/invigilation/centres", "/invigilation/rules")
ENDPOINTS = {"invigilation.centres", "invigilation.centre_page", "invigilation.add_centre_staff",
             "invigilation.rules", "invigilation.save_ratio", "invigilation.save_booking_rule"}


@pytest.fixture
def body_admin(app, client):
    quick_user(Role.AWARDING_BODY_ADMIN, "awarding-admin")
    db.session.commit()
    assert sign_in(client, "awarding-admin", TEST_PASSWORD).status_code == 302
    return client


def post(client, page, url, **data):
    """Submit a form the way the browser does: the page's CSRF token, then follow the redirect."""
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=True)
    assert response.status_code == 200
    db.session.expire_all()
    return response.get_data(as_text=True)


def test_an_awarding_body_admin_approves_a_centre_and_attaches_its_staff(body_admin):
    quick_user(Role.CENTRE_ADMIN, "west-admin")
    quick_user(Role.LEARNER, "west-learner")
    db.session.commit()
    page = post(body_admin, PAGES[0], PAGES[0], number="70007", name="West Academy")
    assert "West Academy approved as centre 70007" in page and "<h1>West Academy (centre 70007)</h1>" in page
    centre = db.session.scalar(select(Centre).where(Centre.number == "70007"))
    here = f"/invigilation/centres/{centre.id}"
    page = post(body_admin, here, f"{here}/staff", username="west-admin")
    assert "now works at West Academy" in page and "attached west-admin" in page
    page = post(body_admin, here, f"{here}/staff", username="west-learner")
    assert "Not done: username: there is no centre administrator or invigilator account &#39;west-learner&#39;" in page
    assert [s.user.username for s in db.session.scalars(select(CentreStaff))] == ["west-admin"]
    listing = body_admin.get(PAGES[0]).get_data(as_text=True)
    assert "70007" in listing and "by awarding-admin" in listing


def test_a_refused_centre_keeps_what_was_typed_and_names_the_field(body_admin):
    build_world(number="10001", candidates=0)
    page = post(body_admin, PAGES[0], PAGES[0], number="10001", name="Copy College")
    assert "Not done: centre number: 10001 is already North College&#39;s" in page and 'value="Copy College"' in page
    page = post(body_admin, PAGES[0], PAGES[0], number="1 0", name="Gap College")
    assert "Not done: centre number: &#39;1 0&#39; is not" in page
    assert db.session.scalars(select(Centre.number)).all() == ["10001"]


def test_forms_without_the_csrf_token_are_refused(body_admin, taxonomy):
    for url, data in ((PAGES[0], {"number": "80008", "name": "Token-less"}),
                      ("/invigilation/rules/ratio", {"qualification": "Q1", "candidates_per_invigilator": "5"}),
                      ("/invigilation/rules/booking", {"unit": UNIT, "minimum_notice_hours": "1",
                                                       "waiting_period_days": "0"})):
        assert body_admin.post(url, data=data).status_code == 400
    assert db.session.scalars(select(Centre)).all() == [] and db.session.scalars(select(SetupChange)).all() == []


def test_ratios_are_shown_set_changed_and_refused(body_admin):
    world = build_world(candidates=0)
    world.session().qualification = "600/1234/5"
    db.session.commit()
    page = body_admin.get(PAGES[1]).get_data(as_text=True)
    assert "<td>600/1234/5</td>" in page and "20 (default)" in page
    page = post(body_admin, PAGES[1], "/invigilation/rules/ratio", qualification="600/1234/5",
                candidates_per_invigilator="0")
    assert "Not done: candidates per invigilator: give a whole number from 1 to 500, not 0" in page
    page = post(body_admin, PAGES[1], "/invigilation/rules/ratio", qualification="600/1234/5",
                candidates_per_invigilator="ten")
    assert "Not done: Candidates per invigilator must be a whole number, not &#39;ten&#39;" in page
    assert db.session.scalars(select(RatioRule)).all() == []
    page = post(body_admin, PAGES[1], "/invigilation/rules/ratio", qualification="600/1234/5",
                candidates_per_invigilator="15")
    assert "Qualification 600/1234/5: 1 invigilator to 15 candidates." in page and "(default)" not in page
    change = body_admin.get(f"{PAGES[1]}?qualification=600/1234/5").get_data(as_text=True)
    assert 'name="candidates_per_invigilator" value="15"' in change and 'value="600/1234/5"' in change


def test_booking_rules_are_shown_set_and_refused(body_admin, taxonomy):
    page = body_admin.get(PAGES[1]).get_data(as_text=True)
    assert f'<option value="{UNIT}">' in page and "No unit has booking rules yet." in page
    for fields, message in (({"minimum_notice_hours": "-1"}, "minimum notice: give a whole number from 0"),
                            ({"resit_limit": "-1"}, "resit limit: give a whole number from 0"),
                            ({"waiting_period_days": ""}, "Waiting period must be a whole number"),
                            ({"unit": "Z/999/9999"}, "unit: &#39;Z/999/9999&#39; is not a unit")):
        data = {"unit": UNIT, "minimum_notice_hours": "24", "resit_limit": "", "waiting_period_days": "7", **fields}
        assert f"Not done: {message}" in post(body_admin, PAGES[1], "/invigilation/rules/booking", **data)
    assert db.session.scalars(select(UnitBookingRule)).all() == []
    page = post(body_admin, PAGES[1], "/invigilation/rules/booking", unit=UNIT, minimum_notice_hours="24",
                resit_limit="", waiting_period_days="7")
    assert f"Unit {UNIT}: booking rules saved." in page and "no limit" in page
    rule = db.session.scalar(select(UnitBookingRule))
    assert (rule.minimum_notice_hours, rule.resit_limit, rule.waiting_period_days) == (24, None, 7)
    change = body_admin.get(f"{PAGES[1]}?unit={UNIT}").get_data(as_text=True)
    assert f'<option value="{UNIT}" selected>' in change and 'name="waiting_period_days" value="7"' in change


@pytest.mark.parametrize("role", [Role.CENTRE_ADMIN, Role.INVIGILATOR, Role.LEARNER])
def test_only_the_awarding_body_reaches_the_pages(app, client, role):
    world = build_world(candidates=1)
    user = {Role.CENTRE_ADMIN: world.admin, Role.INVIGILATOR: world.invigilator, Role.LEARNER: world.learners[0]}[role]
    sign_in(client, user.username, TEST_PASSWORD)
    token = csrf_token_from(client.get("/", follow_redirects=True).get_data(as_text=True))  # their own landing page
    for url in (*PAGES, f"/invigilation/centres/{world.centre.id}"):
        assert client.get(url).status_code == 403, (role, url)
    for url, data in ((PAGES[0], {"number": "90009", "name": "Rogue"}),
                      (f"/invigilation/centres/{world.centre.id}/staff", {"username": user.username}),
                      ("/invigilation/rules/ratio", {"qualification": "Q", "candidates_per_invigilator": "99"})):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, (role, url)
    assert db.session.scalar(select(db.func.count()).select_from(CentreStaff)) == 2
    assert db.session.scalars(select(Centre.number)).all() == ["10001"]
    assert not db.session.scalars(select(RatioRule)).all()


def test_an_unknown_centre_is_404(body_admin):
    assert body_admin.get("/invigilation/centres/99999").status_code == 404


def test_the_route_walk_expects_the_awarding_body_alone_on_these_routes(app):
    """The access matrix (tests/hardening) enforces each route's declared rule; this pins the rule."""
    walked = {r.endpoint: r.allowed for r in route_requests(app) if r.endpoint in ENDPOINTS}
    assert walked == {endpoint: frozenset({Role.AWARDING_BODY_ADMIN}) for endpoint in ENDPOINTS}


def test_a_centre_administrator_still_adds_invigilators_from_the_centre_page(app, client):
    world = build_world(candidates=0)
    quick_user(Role.INVIGILATOR, "new-invigilator")
    quick_user(Role.CENTRE_ADMIN, "other-admin")
    db.session.commit()
    sign_in(client, world.admin.username, TEST_PASSWORD)
    url, centre = "/invigilation/centre/invigilators", str(world.centre.id)
    page = post(client, "/invigilation/centre", url, centre=centre, username="other-admin")
    assert "Not done: username: there is no invigilator account &#39;other-admin&#39;" in page
    assert "added as an invigilator" in post(client, "/invigilation/centre", url, centre=centre,
                                             username="new-invigilator")
    [change] = db.session.scalars(select(SetupChange)).all()
    assert (change.kind, change.changed_by, change.data["username"]) == (
        "centre.staff_added", world.admin.username, "new-invigilator")
