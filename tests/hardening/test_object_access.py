"""Object-level access: staff of one centre cannot see or act on another centre's records.

Walks every route that takes a session, sitting, incident, alert, candidate or account (user) id, with the
ids of a second centre's objects, as the first centre's invigilator and administrator.
Every answer must be 403 or 404 (not yours, or an action word the route does not know); each
route must show that it checked ownership; and nothing may be written.
"""

from datetime import timedelta

import pytest

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.models.sessions import Alert, IncidentCategory
from invigilation.services.incidents import record_incident
from invigilation.views.conduct import SESSION_ACTIONS, SITTING_ACTIONS
from tests.conftest import TEST_PASSWORD
from tests.hardening.counts import table_counts
from tests.hardening.routes import route_requests
from tests.helpers import csrf_token_from, sign_in
from tests.invigilation.conftest import START, build_world

OBJECT_IDS = ("session_id", "sitting_id", "incident_id", "alert_id", "candidate_id", "user_id")
ACTION_WORDS = sorted({*SESSION_ACTIONS, *SITTING_ACTIONS, "resolve", "incident", "void"})


@pytest.fixture
def other_centre_ids(app) -> dict[str, int]:
    """Ids of a session, sitting, incident, alert, candidate and invigilator's account at South, our staff
    being at North."""
    build_world()
    south = build_world(name="South College", number="20002")
    session = south.session()
    sitting = south.book(session)
    incident = record_incident(session, south.invigilator, IncidentCategory.ENVIRONMENT, "fire alarm test",
                               occurred_at=START)
    alert = Alert(sitting=sitting, item_ref=None, message="screen froze", raised_at=START + timedelta(minutes=5))
    db.session.add(alert)
    db.session.commit()
    return {"session_id": session.id, "sitting_id": sitting.id, "incident_id": incident.id,
            "alert_id": alert.id, "candidate_id": south.candidates[0].id, "user_id": south.invigilator.id}


@pytest.mark.parametrize("role", [Role.INVIGILATOR, Role.CENTRE_ADMIN])
def test_staff_of_one_centre_cannot_reach_another_centres_records(app, client, other_centre_ids, role):
    username = {Role.INVIGILATOR: "invigilator-10001", Role.CENTRE_ADMIN: "admin-10001"}[role]
    assert sign_in(client, username, TEST_PASSWORD).status_code == 302
    landing = client.get(client.get("/").headers["Location"])
    headers = {"X-CSRFToken": csrf_token_from(landing.get_data(as_text=True))}
    before = table_counts()
    reached: set[str] = set()
    refused: set[str] = set()
    for word in ACTION_WORDS:
        for request in route_requests(app, ids=other_centre_ids, texts={"action": word}):
            arguments = next(app.url_map.iter_rules(request.endpoint)).arguments
            if role not in request.allowed or not arguments & set(OBJECT_IDS):
                continue
            reached.add(request.endpoint)
            status = client.open(request.url, method=request.method, headers=headers).status_code
            assert status in (403, 404), f"{role} reached another centre's record: {request} gave {status}"
            # 404 is an ownership refusal too (it hides that the record exists) unless the
            # route also takes a word it may not know; then only 403 shows ownership was checked
            if status == 403 or arguments <= set(OBJECT_IDS):
                refused.add(request.endpoint)
    assert reached and refused == reached, f"never refused on ownership: {sorted(reached - refused)}"
    assert table_counts() == before
