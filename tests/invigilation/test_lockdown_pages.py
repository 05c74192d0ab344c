"""Safe Exam Browser over HTTP: the awarding body requires it per unit, a centre for itself; the session's
staff make and download its file; the awarding body approves Browser Exam Keys; the dashboard shows checks."""

import hashlib
import plistlib
from datetime import timedelta

import pytest

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.lockdown import Verdict, config_key, seb_json
from invigilation.models.centres import UnitLockdownRule
from invigilation.models.sessions import TestSession
from invigilation.services.lockdown import requires_safe_exam_browser
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_token_from, sign_in
from tests.invigilation.conftest import START, UNIT, build_world, quick_user


def signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user.username, TEST_PASSWORD).status_code == 302
    return client


def post(client, page, url, **data):
    """Submit a form with the page's CSRF token; the response before any redirect."""
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **data})
    db.session.expire_all()
    return response


@pytest.fixture
def body_admin(app):
    admin = quick_user(Role.AWARDING_BODY_ADMIN, "awarding-admin")
    db.session.commit()
    return admin


def test_the_awarding_body_requires_it_for_a_unit_and_sessions_of_the_unit_inherit_it(app, world, body_admin,
                                                                                        taxonomy):
    session = world.session()
    assert not requires_safe_exam_browser(session)
    client = signed_in(app, body_admin)
    assert post(client, "/invigilation/rules", "/invigilation/rules/safe-exam-browser",
                unit=UNIT, required="yes").status_code == 302
    assert db.session.get(TestSession, session.id) and requires_safe_exam_browser(session)
    assert UNIT in client.get("/invigilation/rules").get_data(as_text=True).split('id="safe-exam-browser"')[1]
    assert post(client, "/invigilation/rules", "/invigilation/rules/safe-exam-browser",
                unit=UNIT, required="no").status_code == 302
    assert not requires_safe_exam_browser(session)
    post(client, "/invigilation/rules", "/invigilation/rules/safe-exam-browser", unit="Z/999/9999", required="yes")
    assert db.session.query(UnitLockdownRule).filter_by(unit_reference="Z/999/9999").count() == 0
    invigilator = signed_in(app, world.invigilator)
    assert post(invigilator, "/invigilation/", "/invigilation/rules/safe-exam-browser",
                unit=UNIT, required="no").status_code == 403


def test_a_centre_requires_it_for_its_own_tests_only(app, world):
    other = build_world(name="South College", number="20002", candidates=1)
    session, elsewhere = world.session(), other.session()
    client = signed_in(app, world.admin)
    response = post(client, "/invigilation/centre", "/invigilation/centre/safe-exam-browser",
                    centre=str(world.centre.id), required="yes")
    assert response.status_code == 302
    assert requires_safe_exam_browser(session) and not requires_safe_exam_browser(elsewhere)
    refused = post(client, "/invigilation/centre", "/invigilation/centre/safe-exam-browser",
                   centre=str(other.centre.id), required="yes")
    assert refused.status_code == 403 and not requires_safe_exam_browser(elsewhere)


@pytest.fixture
def required(world):
    world.centre.safe_exam_browser_required = True
    session = world.session()
    world.book(session)
    return session


def test_the_sessions_staff_make_the_file_once_and_every_download_is_that_plist(app, world, required):
    session_page = f"/invigilation/sessions/{required.id}"
    client = signed_in(app, world.admin)
    assert client.get(f"{session_page}/safe-exam-browser.seb").status_code == 404  # not made yet
    assert post(client, session_page, f"{session_page}/safe-exam-browser").status_code == 302
    download = client.get(f"{session_page}/safe-exam-browser.seb")
    assert download.status_code == 200 and download.mimetype == "application/seb"
    assert "attachment" in download.headers["Content-Disposition"]
    settings = plistlib.loads(download.data)
    assert settings["startURL"] == f"http://localhost/learner/sign-in?session={required.id}"
    assert settings["quitURL"] == "http://localhost/learner/safe-exam-browser/closed"
    db.session.refresh(required)
    expected = hashlib.sha256(seb_json(settings).encode("utf-8")).hexdigest()
    assert required.lockdown.config_key == expected == config_key(settings)
    again = post(client, session_page, f"{session_page}/safe-exam-browser")
    assert again.status_code == 302 and client.get(f"{session_page}/safe-exam-browser.seb").data == download.data
    page = client.get(session_page).get_data(as_text=True)
    assert "Download the session's Safe Exam Browser file" in page and expected not in page  # never shown
    invigilator = signed_in(app, world.invigilator)
    assert invigilator.get(f"{session_page}/safe-exam-browser.seb").data == download.data


def test_staff_of_another_centre_neither_make_nor_download_the_file(app, world, required):
    other = build_world(name="South College", number="20002", candidates=1)
    session_page = f"/invigilation/sessions/{required.id}"
    for user in (other.admin, other.invigilator):
        client = signed_in(app, user)
        token = csrf_token_from(client.get("/invigilation/").get_data(as_text=True)
                                if user is other.invigilator else client.get("/invigilation/centre").get_data(
                                    as_text=True))
        assert client.post(f"{session_page}/safe-exam-browser", data={"csrf_token": token}).status_code == 403
        assert client.get(f"{session_page}/safe-exam-browser.seb").status_code == 403
    learner = app.test_client()
    assert learner.get(f"{session_page}/safe-exam-browser.seb").status_code == 302  # to sign in


def test_a_session_that_does_not_require_it_gets_no_file(app, world):
    session = world.session()
    client = signed_in(app, world.admin)
    page = f"/invigilation/sessions/{session.id}"
    post(client, page, f"{page}/safe-exam-browser")
    db.session.refresh(session)
    assert session.lockdown is None


def test_the_awarding_body_approves_browser_exam_keys_for_the_sessions_file(app, world, required, body_admin):
    session_page = f"/invigilation/sessions/{required.id}"
    post(signed_in(app, world.admin), session_page, f"{session_page}/safe-exam-browser")
    key = hashlib.sha256(b"an approved SEB build").hexdigest()
    client = signed_in(app, body_admin)
    assert post(client, session_page, f"{session_page}/browser-exam-keys", keys=key.upper()).status_code == 302
    db.session.refresh(required)
    assert required.lockdown.browser_exam_keys == key
    post(client, session_page, f"{session_page}/browser-exam-keys", keys="not-a-key")
    db.session.refresh(required)
    assert required.lockdown.browser_exam_keys == key  # a bad key changes nothing
    centre_admin = signed_in(app, world.admin)
    token = csrf_token_from(centre_admin.get(session_page).get_data(as_text=True))
    assert centre_admin.post(f"{session_page}/browser-exam-keys",
                             data={"csrf_token": token, "keys": ""}).status_code == 403


def test_the_dashboard_shows_each_candidates_browser_check(app, world, required):
    sitting = required.sittings[0]
    sitting.browser_check, sitting.browser_checked_at = Verdict.PASSED, START + timedelta(minutes=3)
    db.session.commit()
    client = signed_in(app, world.invigilator)
    page = client.get(f"/invigilation/sessions/{required.id}/dashboard").get_data(as_text=True)
    assert "Browser check" in page and "Safe Exam Browser checked at 09:03:00" in page
    sitting.browser_check = Verdict.NOT_SAFE_EXAM_BROWSER
    db.session.commit()
    rows = client.get(f"/invigilation/sessions/{required.id}/status.json").get_json()["rows"]
    assert rows[0]["browser"] == "Refused: not Safe Exam Browser at 09:03:00"


def test_a_session_without_safe_exam_browser_shows_no_browser_check(app, world):
    session = world.session()
    world.book(session)
    client = signed_in(app, world.invigilator)
    assert "Browser check" not in client.get(f"/invigilation/sessions/{session.id}/dashboard").get_data(as_text=True)
    assert client.get(f"/invigilation/sessions/{session.id}/status.json").get_json()["rows"][0]["browser"] == ""
