"""Each role reaches its own landing page and is refused everywhere else."""

import pytest
from flask import Flask, url_for

from exam_engine.auth.access import access_rule, check_access_rules, undeclared_endpoints
from exam_engine.auth.roles import LANDING_ENDPOINTS, Role
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in

LANDING_PATHS = {
    Role.LEARNER: "/learner/",
    Role.INVIGILATOR: "/invigilation/",
    Role.ITEM_WRITER: "/workbench/",
    Role.REVIEWER: "/workbench/",
    Role.CENTRE_ADMIN: "/invigilation/centre",
    Role.AWARDING_BODY_ADMIN: "/admin/",
    Role.SUBJECT_EXPERT: "/standards",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_page_and_is_refused_elsewhere(app, client, make_user, role):
    user = make_user(role)
    response = sign_in(client, user.username, TEST_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == LANDING_PATHS[role]
    assert client.get(LANDING_PATHS[role]).status_code == 200
    assert client.get("/").headers["Location"] == LANDING_PATHS[role]
    for other_role, path in LANDING_PATHS.items():
        if path != LANDING_PATHS[role] and role not in _admitted(app, path):  # the awarding body chairs panels
            refused = client.get(path)
            assert refused.status_code == 403, f"{role} reached {other_role}'s page {path}"
            assert "permission" in refused.get_data(as_text=True)


def _admitted(app: Flask, path: str) -> frozenset[Role]:
    endpoint, _ = app.url_map.bind("localhost").match(path)
    with app.app_context():
        return access_rule(endpoint) or frozenset()


def test_landing_table_matches_routes(app):
    with app.test_request_context():
        for role, endpoint in LANDING_ENDPOINTS.items():
            assert url_for(endpoint) == LANDING_PATHS[role]


@pytest.mark.parametrize("path", sorted(set(LANDING_PATHS.values())))
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_json_requests_get_401(client):
    response = client.get("/learner/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["status"] == 401


def test_every_route_declares_its_access_rule(app):
    assert undeclared_endpoints(app.view_functions) == []


def test_an_app_with_an_unguarded_route_refuses_to_start():
    probe = Flask("probe")
    probe.add_url_rule("/open", "open_door", lambda: "open")
    with pytest.raises(RuntimeError, match="open_door"):
        check_access_rules(probe)


def test_unknown_page_gets_a_clear_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no page at this address." in response.get_data(as_text=True)


def test_security_headers_are_set(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
