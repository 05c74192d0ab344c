"""The invigilation pages: object-level access, and the register driven over HTTP."""

import re
from datetime import timedelta

import pytest

from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.models.centres import Candidate, CentreStaff
from invigilation.models.sessions import IdentityDocument, IncidentCategory, SittingState
from invigilation.services import conduct
from invigilation.services.event_log import session_records, verify_log
from invigilation.services.incidents import raise_alert, record_incident
from invigilation.services.sessions import book_candidate, ratio_warning
from invigilation.services.signing import create_key, signed_heads
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_token_from, sign_in
from tests.invigilation.conftest import build_world, quick_user


@pytest.fixture
def two_centres(app):
    home, other = build_world(), build_world(name="South College", number="20002", candidates=1)
    home_session, other_session = home.session(), other.session()
    home.book(home_session)
    other.book(other_session)
    unnamed = quick_user(Role.INVIGILATOR, "unnamed-invigilator")
    db.session.add(CentreStaff(centre=home.centre, user=unnamed))
    db.session.commit()
    return home, other, home_session, other_session, unnamed


def confirmation_from(page: str) -> str:
    """The confirmation digest a confirmation page carries in its form."""
    found = re.search(r'name="confirm" value="([0-9a-f]+)"', page)
    assert found, "no confirmation form on the page"
    return found.group(1)


def signed_in(client, user):
    sign_in(client, user.username, TEST_PASSWORD)
    return client


def test_staff_see_only_their_own_centres_sessions(client, two_centres):
    home, other, mine, theirs, _ = two_centres
    for user in (home.invigilator, home.admin):
        c = signed_in(client, user)
        for page in ("", "/register", "/dashboard", "/report", "/report.csv", "/status.json"):
            assert c.get(f"/invigilation/sessions/{mine.id}{page}").status_code == 200, (user, page)
            assert c.get(f"/invigilation/sessions/{theirs.id}{page}").status_code == 403, (user, page)
        c.post("/logout", data={"csrf_token": csrf_token_from(c.get("/invigilation/centre" if user is home.admin
                                                                    else "/invigilation/").get_data(as_text=True))})


def test_learners_are_refused_and_unknown_sessions_are_404(client, two_centres):
    home, *_ = two_centres
    c = signed_in(client, home.learners[0])
    assert client.get(f"/invigilation/sessions/{two_centres[2].id}").status_code == 403
    c.get("/")


def test_only_named_invigilators_conduct_and_the_key_is_shown_only_to_them(client, two_centres):
    home, _, mine, _, unnamed = two_centres
    c = signed_in(client, unnamed)
    page = c.get(f"/invigilation/sessions/{mine.id}/register").get_data(as_text=True)
    assert mine.session_key not in page and "Start the session" not in page
    token = csrf_token_from(c.get("/invigilation/").get_data(as_text=True))
    assert c.post(f"/invigilation/sessions/{mine.id}/start", data={"csrf_token": token}).status_code == 403
    assert c.get("/invigilation/sessions/99999").status_code == 404


def test_a_centre_admin_cannot_edit_another_centres_candidate(client, two_centres):
    home, other, *_ = two_centres
    c = signed_in(client, home.admin)
    assert c.get(f"/invigilation/candidates/{other.candidates[0].id}/arrangements").status_code == 403
    assert c.get(f"/invigilation/candidates/{home.candidates[0].id}/arrangements").status_code == 200


def test_the_register_runs_a_session_over_http(client, two_centres):
    home, _, session, _, _ = two_centres
    sitting = session.sittings[0]
    c = signed_in(client, home.invigilator)
    register = f"/invigilation/sessions/{session.id}/register"

    def post(url, **data):
        token = csrf_token_from(c.get(register).get_data(as_text=True))
        response = c.post(url, data={"csrf_token": token, **data}, follow_redirects=True)
        assert response.status_code == 200
        db.session.expire_all()  # the request changed rows behind this test's session
        return response.get_data(as_text=True)

    assert session.session_key in c.get(register).get_data(as_text=True)
    post(f"/invigilation/sessions/{session.id}/start")
    post(f"/invigilation/sittings/{sitting.id}/check-in", document="passport")
    post(f"/invigilation/sittings/{sitting.id}/authorise")
    conduct.start_clock(sitting, home.learners[0])
    raise_alert(sitting, "U2-001", "Option C is cut off")
    db.session.commit()
    assert "Option C is cut off" in c.get(f"/invigilation/sessions/{session.id}/dashboard").get_data(as_text=True)
    status = c.get(f"/invigilation/sessions/{session.id}/status.json").get_json()
    assert status["rows"][0]["state"] == "in_progress" and status["rows"][0]["progress"] == "not started"
    assert "Not done: give the reason for the extra time" in post(
        f"/invigilation/sittings/{sitting.id}/extra-time", minutes="5", reason="")
    post(f"/invigilation/sittings/{sitting.id}/extra-time", minutes="5", reason="power cut")
    page = post(f"/invigilation/sittings/{sitting.id}/leave")
    assert "give the escort&#39;s name" in page and "left unescorted" in page
    post(f"/invigilation/sessions/{session.id}/pause-all", note="fire drill")
    post(f"/invigilation/sessions/{session.id}/resume-all")
    page = post(f"/invigilation/sessions/{session.id}/incidents/new", category="suspected_malpractice",
                description="Phone seen", sittings=str(sitting.id), witnesses="J. Smith")
    assert "Suspected malpractice report" in page and "intact" in page
    confirm = c.get(f"/invigilation/sessions/{session.id}/end/confirm").get_data(as_text=True)
    post(f"/invigilation/sessions/{session.id}/end", confirm=confirmation_from(confirm))
    page = post(f"/invigilation/sessions/{session.id}/sign", note="All well")
    assert "Not done: 1 alert is not dealt with" in page and "Option C is cut off" in page
    alert = sitting.alerts[0]
    post(f"/invigilation/alerts/{alert.id}/resolve", note="Told the candidate to scroll; no time lost", back="report")
    page = post(f"/invigilation/sessions/{session.id}/sign", note="All well")
    assert "Signed off by" in page and "verified intact" in page
    csv_text = c.get(f"/invigilation/sessions/{session.id}/report.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("candidate_number,candidate,unit")
    assert "5 min" in csv_text and "power cut" in csv_text and "finished" in csv_text
    assert "Option C is cut off (resolved" in csv_text and "Told the candidate to scroll" in csv_text
    db.session.expire_all()
    assert sitting.state is SittingState.FINISHED and verify_log(session.id).ok


def test_void_is_refused_to_invigilators_and_allowed_to_their_centre_admin(client, two_centres):
    home, _, session, _, _ = two_centres
    sitting = session.sittings[0]
    conduct.start_session(session, home.invigilator)
    conduct.check_in(sitting, home.invigilator, IdentityDocument.PASSPORT)
    db.session.commit()
    c = signed_in(client, home.invigilator)
    token = csrf_token_from(c.get("/invigilation/").get_data(as_text=True))
    refused = c.post(f"/invigilation/sittings/{sitting.id}/void", data={"csrf_token": token, "reason": "x"})
    assert refused.status_code == 403
    other = client.application.test_client()
    sign_in(other, home.admin.username, TEST_PASSWORD)
    token = csrf_token_from(other.get("/invigilation/centre").get_data(as_text=True))
    unconfirmed = other.post(f"/invigilation/sittings/{sitting.id}/void",
                             data={"csrf_token": token, "reason": "impersonation"})
    assert unconfirmed.status_code == 400 and "must be confirmed" in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert sitting.state is SittingState.PRESENT
    confirm = confirmation_from(other.get(f"/invigilation/sittings/{sitting.id}/void/confirm").get_data(as_text=True))
    other.post(f"/invigilation/sittings/{sitting.id}/void",
               data={"csrf_token": token, "reason": "impersonation", "confirm": confirm})
    db.session.expire_all()
    assert sitting.state is SittingState.VOIDED and "impersonation" in sitting.outcome_reason


def test_ratio_warning_appears_when_invigilators_are_too_few(client, app):
    world = build_world(candidates=21, extra_percent=0)
    session = world.session()
    for candidate in world.candidates[:20]:
        book_candidate(session, candidate, "Y/506/2152", world.admin, now=utcnow() - timedelta(days=1))
    assert ratio_warning(session) is None
    book_candidate(session, world.candidates[20], "Y/506/2152", world.admin)
    assert ratio_warning(session) == "21 candidates need at least 2 invigilators at 1 to 20; this session has 1"
    db.session.commit()
    c = signed_in(client, world.invigilator)
    assert "Invigilation ratio broken" in c.get(f"/invigilation/sessions/{session.id}").get_data(as_text=True)


def test_a_centre_admin_registers_candidates_rooms_and_invigilators(client, app):
    world = build_world(candidates=0)
    learner = quick_user(Role.LEARNER, "new-learner")
    quick_user(Role.INVIGILATOR, "new-invigilator")
    db.session.commit()
    c = signed_in(client, world.admin)
    page = c.get("/invigilation/centre").get_data(as_text=True)
    assert "<title>Centre administration – Exam engine</title>" in page
    assert page.count('name="candidate_number"') == 1  # the forms appear once, in the page body

    def post(record, **data):
        token = csrf_token_from(c.get("/invigilation/centre").get_data(as_text=True))
        return c.post(f"/invigilation/centre/{record}", data={"csrf_token": token, "centre": world.centre.id, **data},
                      follow_redirects=True).get_data(as_text=True)

    assert "is candidate C-77" in post("candidates", username="new-learner", candidate_number="C-77",
                                       date_of_birth="2001-02-03")
    assert "already" in post("candidates", username="new-learner", candidate_number="C-78")
    assert "no learner account" in post("candidates", username="new-invigilator", candidate_number="C-79")
    assert "Lab 2 added with 8 workstations" in post("rooms", name="Lab 2", workstations="8", spares="1")
    assert "at least one of them spare" in post("rooms", name="Lab 3", workstations="8", spares="0")
    assert "added as an invigilator" in post("invigilators", username="new-invigilator")
    db.session.expire_all()
    candidate = db.session.scalars(db.select(Candidate).where(Candidate.user_id == learner.id)).one()
    assert candidate.centre_id == world.centre.id and str(candidate.date_of_birth) == "2001-02-03"
    other = build_world(name="Other", number="40004", candidates=0)
    token = csrf_token_from(c.get("/invigilation/centre").get_data(as_text=True))
    assert c.post("/invigilation/centre/rooms", data={"csrf_token": token, "centre": other.centre.id, "name": "X",
                                                      "workstations": "3", "spares": "1"}).status_code == 403


def test_the_awarding_body_sees_every_centres_sessions_and_malpractice_reports(client, two_centres):
    home, other, mine, theirs, _ = two_centres
    record_incident(theirs, other.invigilator, IncidentCategory.SUSPECTED_MALPRACTICE, "Crib sheet found")
    admin = quick_user(Role.AWARDING_BODY_ADMIN, "ab-admin")
    db.session.commit()
    c = signed_in(client, admin)
    page = c.get("/invigilation/oversight").get_data(as_text=True)
    assert "Crib sheet found" in page and "North College" in page and "South College" in page
    assert c.get(f"/invigilation/incidents/{theirs.incidents[0].id}").status_code == 200
    centre_admin = signed_in(client.application.test_client(), home.admin)
    assert centre_admin.get("/invigilation/oversight").status_code == 403


def test_ending_the_session_and_signing_the_register_seal_the_log(app, client, two_centres, tmp_path, monkeypatch):
    """Each checkpoints the log and signs its head into the awarding body's store; the report shows it."""
    home, _, session, _, _ = two_centres
    store = tmp_path / "store"
    create_key(tmp_path / "signing.pem", store / "keys")
    monkeypatch.setitem(app.config, "LOG_SIGNING_KEY_FILE", str(tmp_path / "signing.pem"))
    monkeypatch.setitem(app.config, "LOG_SIGNATURE_STORE", str(store))
    c = signed_in(client, home.invigilator)
    register = f"/invigilation/sessions/{session.id}/register"
    for action in ("start", "end", "sign"):
        token = csrf_token_from(c.get(register).get_data(as_text=True))
        data = {"csrf_token": token}
        if action == "end":
            data["confirm"] = confirmation_from(c.get(f"/invigilation/sessions/{session.id}/end/confirm")
                                                .get_data(as_text=True))
        page = c.post(f"/invigilation/sessions/{session.id}/{action}", data=data,
                      follow_redirects=True).get_data(as_text=True)
    assert "is signed and sent to the awarding body" in page
    db.session.expire_all()
    kinds = [record.kind for record in session_records(session.id)]
    assert kinds[-4:] == ["session.ended", "log.checkpoint", "register.signed", "log.checkpoint"]
    heads = signed_heads(session.id)
    assert [head.length for head in heads] == [len(kinds) - 2, len(kinds)]
    assert "matches the log" in page and heads[-1].signature in page
