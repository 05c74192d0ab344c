"""Results wait for the awarding body: holds stop release, and a released result is seen by its own
centre and learner only."""

import csv
import io

import pytest
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from exam_engine.results.models import IncidentFinding, ResultRelease
from exam_engine.results.services import decisions
from exam_engine.results.services.outcomes import result_line
from invigilation.models.centres import Candidate, Centre, CentreStaff
from invigilation.models.sessions import IncidentCategory
from invigilation.services.centres import register_candidate, valid_uln
from invigilation.services.event_log import session_records, verify_log
from invigilation.services.incidents import record_incident
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_token_from, sign_in
from tests.results.factory import set_standard

ULN = "9276308686"  # HESA's worked example of the check digit


def _staff(app, make_user, role, centre_id=None):
    user = make_user(role)
    if centre_id is not None:
        db.session.add(CentreStaff(centre_id=centre_id, user_id=user.id))
        db.session.commit()
    client = app.test_client()
    assert sign_in(client, user.username, TEST_PASSWORD).status_code == 302
    return client, user


def _refused(attempt, admin, reason):
    with pytest.raises(decisions.ResultsError, match=reason):
        decisions.release([attempt], admin)
    db.session.rollback()


def test_no_result_is_released_while_a_hold_applies(app, make_user, ended):
    admin = make_user(Role.AWARDING_BODY_ADMIN)
    _refused(ended, admin, "no pass standard has been set")
    set_standard(make_user, chair=admin)
    session = ended.sitting.session
    incident = record_incident(session, admin, IncidentCategory.ENVIRONMENT, "Fire alarm test at 10:05",
                               [ended.sitting])
    db.session.commit()
    _refused(ended, admin, f"incident {incident.id} .* awaits the awarding body's review")
    decisions.review_incident(incident, admin, IncidentFinding.NO_EFFECT, "Two minutes; the clock was paused.")
    centre_admin = make_user(Role.CENTRE_ADMIN)
    db.session.add(CentreStaff(centre_id=session.centre_id, user_id=centre_admin.id))
    request = decisions.request_consideration(ended, incident, centre_admin, "Distressed by the alarm.")
    db.session.commit()
    _refused(ended, admin, f"special consideration request {request.id} awaits a decision")
    most = decisions.most_marks(ended)
    with pytest.raises(decisions.ResultsError, match=f"adds 0 to {most} marks"):
        decisions.decide_consideration(request, admin, True, most + 1, "Too generous")
    decisions.decide_consideration(request, admin, True, most, "Within the 5% allowed.")
    db.session.commit()
    released = decisions.release([ended], admin)
    db.session.commit()
    outcome = released[0].outcome
    assert outcome["adjustment"] == most == 1 and outcome["marks"] == ended.score["marks"]
    assert outcome["grade"]["passed"] is (ended.score["marks"] + most >= outcome["grade"]["pass_mark"])
    _refused(ended, admin, "already released")
    assert verify_log(session.id).ok
    assert {"incident.reviewed", "special_consideration.requested", "special_consideration.decided",
            "result.released"} <= {record.kind for record in session_records(session.id)}


def test_malpractice_found_withholds_the_result(app, make_user, ended):
    admin = make_user(Role.AWARDING_BODY_ADMIN)
    set_standard(make_user, chair=admin)
    incident = record_incident(ended.sitting.session, admin, IncidentCategory.SUSPECTED_MALPRACTICE,
                               "Phone under the desk", [ended.sitting])
    decisions.review_incident(incident, admin, IncidentFinding.MALPRACTICE_FOUND, "Phone held notes.")
    with pytest.raises(decisions.ResultsError, match="already been reviewed"):
        decisions.review_incident(incident, admin, IncidentFinding.NO_EFFECT, "again")
    _refused(ended, admin, "withheld: malpractice found")


def test_a_released_result_is_seen_by_its_own_centre_and_learner_only(app, make_user, ended):
    admin = make_user(Role.AWARDING_BODY_ADMIN)
    centre_id = ended.sitting.session.centre_id
    candidate = ended.sitting.candidate
    candidate.uln = ULN
    other = Centre(number="C9999", name="Another centre")
    db.session.add(other)
    db.session.commit()
    own, _ = _staff(app, make_user, Role.CENTRE_ADMIN, centre_id)
    stranger, _ = _staff(app, make_user, Role.CENTRE_ADMIN, other.id)
    learner = app.test_client()
    assert sign_in(learner, candidate.user.username, TEST_PASSWORD).status_code == 302
    other_learner = app.test_client()
    assert sign_in(other_learner, make_user(Role.LEARNER).username, TEST_PASSWORD).status_code == 302

    set_standard(make_user, chair=admin)
    waiting = own.get("/centre/results").text
    assert candidate.candidate_number in waiting and "awaiting release" in waiting
    assert own.get("/centre/results.json").get_json()["results"][0]["marks"] is None  # not before release
    assert "no released results yet" in learner.get("/learner/results").text

    decisions.release([ended], admin)
    db.session.commit()
    line = result_line(ended)
    rows = own.get("/centre/results.json").get_json()["results"]
    assert [(r["candidate_number"], r["uln"], r["marks"], r["result"]) for r in rows] == [
        (candidate.candidate_number, ULN, ended.score["marks"], line.outcome.verdict)]
    table = list(csv.DictReader(io.StringIO(own.get("/centre/results.csv").text)))
    assert table[0]["uln"] == ULN and table[0]["state"] == "released"
    review = own.get(f"/results/attempts/{ended.id}").text  # a review of marking, for an appeal
    assert "the engine makes every choice again from the record" in review and "pass mark" in review.lower()
    assert review.count("not answered") == 1 and 'scope="col">Key' not in review  # keys stay with the awarding body
    board, _ = _staff(app, make_user, Role.AWARDING_BODY_ADMIN)
    assert 'scope="col">Key' in board.get(f"/results/attempts/{ended.id}").text
    assert stranger.get("/centre/results.json").get_json()["results"] == []
    assert candidate.candidate_number not in stranger.get("/centre/results").text
    assert stranger.get(f"/results/attempts/{ended.id}").status_code == 403
    mine = learner.get("/learner/results").text
    assert f"{ended.score['marks']} of {ended.score['available_marks']} marks" in mine and ULN in mine
    assert "no released results yet" in other_learner.get("/learner/results").text
    with pytest.raises(PermissionError):
        db.session.scalar(select(ResultRelease)).outcome = {}
        db.session.commit()


def test_the_centre_asks_for_special_consideration_only_for_its_own_candidate_and_incident(app, make_user, ended):
    session = ended.sitting.session
    admin = make_user(Role.AWARDING_BODY_ADMIN)
    incident = record_incident(session, admin, IncidentCategory.TECHNICAL, "Screen froze for four minutes",
                               [ended.sitting])
    db.session.commit()
    own, _ = _staff(app, make_user, Role.CENTRE_ADMIN, session.centre_id)
    page = own.get("/centre/results").text
    assert "Screen froze" in page
    token = csrf_token_from(page)
    empty = own.post(f"/centre/results/{ended.id}/consideration",
                     data={"csrf_token": token, "incident": str(incident.id), "reason": ""}, follow_redirects=True)
    assert "say how the incident affected the candidate" in empty.text
    asked = own.post(f"/centre/results/{ended.id}/consideration",
                     data={"csrf_token": token, "incident": str(incident.id), "reason": "Lost four minutes"},
                     follow_redirects=True)
    assert "Special consideration requested" in asked.text and "awaits a decision" in asked.text
    other = Centre(number="C8888", name="Another centre")
    db.session.add(other)
    db.session.commit()
    stranger, stranger_user = _staff(app, make_user, Role.CENTRE_ADMIN, other.id)
    token = csrf_token_from(stranger.get("/centre/results").text)
    assert stranger.post(f"/centre/results/{ended.id}/consideration",
                         data={"csrf_token": token, "incident": str(incident.id), "reason": "x"}).status_code == 403


def test_a_unique_learner_number_is_checked_when_the_candidate_is_registered(app, make_user):
    assert valid_uln(ULN) and not valid_uln("9276308687") and not valid_uln("0276308686")
    assert not valid_uln("927630868") and not valid_uln("٩٢٧٦٣٠٨٦٨٦")
    centre = Centre(number="C7777", name="Centre")
    db.session.add(centre)
    learner = make_user(Role.LEARNER)
    with pytest.raises(ValueError, match="not a Unique Learner Number"):
        register_candidate(centre, learner.username, "0001", uln="9276308687")
    db.session.rollback()
    candidate = register_candidate(db.session.merge(centre), learner.username, "0001", uln="92763 08686")
    assert candidate.uln == ULN and db.session.scalar(select(Candidate.uln)) == ULN
