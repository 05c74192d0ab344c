"""Every route, every role and no sign-in: the declared access rule is what is enforced.

The requests come from the URL map (see `routes.py`), so new routes are checked as soon
as they exist. A role outside a route's rule gets 403 (pages) or 401/403 (JSON); an
anonymous visitor is sent to sign in (pages) or gets 401 (JSON); an allowed role gets
anything but 401/403; a public route anything; nobody ever gets a server error.
"""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from tests.conftest import TEST_PASSWORD, make_test_app
from tests.hardening.routes import RouteRequest, route_requests
from tests.helpers import sign_in

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}
SIGN_OUT = "auth.logout"


@pytest.fixture(scope="module")
def open_app(database_url: str) -> Iterator[Flask]:
    """The app with CSRF off, so the access rule (not the missing token) answers each POST."""
    opened = make_test_app(database_url, WTF_CSRF_ENABLED=False)
    yield opened
    with opened.app_context():
        db.engine.dispose()


def _send(client: FlaskClient, request: RouteRequest, headers: dict[str, str]):
    return client.open(request.url, method=request.method, headers=headers)


def _ordered(app: Flask) -> list[RouteRequest]:
    """Every request, signing out last (it ends the session the others rely on)."""
    return sorted(route_requests(app), key=lambda r: r.endpoint == SIGN_OUT)


def test_the_walk_covers_every_route(app):
    walked = {r.endpoint for r in route_requests(app)}
    assert walked == set(app.view_functions)
    assert len(walked) > 20


def test_anonymous_visitors_reach_only_public_routes(app, open_app):
    client = open_app.test_client()
    for request in _ordered(open_app):
        page, api = _send(client, request, HTML), _send(client, request, JSON)
        for response in (page, api):
            assert response.status_code < 500, f"server error on {request}"
        if request.public:
            continue
        assert page.status_code == 302 and page.headers["Location"].startswith("/login?next="), \
            f"anonymous page request to {request} got {page.status_code}"
        assert api.status_code == 401, f"anonymous JSON request to {request} got {api.status_code}"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_its_routes(app, client, open_app, make_user, role):
    user = make_user(role)
    assert sign_in(client, user.username, TEST_PASSWORD).status_code == 302
    signed_in = open_app.test_client()  # same secret key: the session cookie carries over
    signed_in.set_cookie("session", client.get_cookie("session").value)
    client = signed_in
    for request in _ordered(open_app):
        page = _send(client, request, HTML)
        assert page.status_code < 500, f"server error for {role} on {request}"
        if request.public:  # open to all; a sign-in form may answer 401 to wrong credentials
            continue
        if role in request.allowed:
            assert page.status_code not in (401, 403), f"{role} refused on {request}"
            continue
        assert page.status_code == 403, f"{role} on {request} got {page.status_code}, not 403"
        api = _send(client, request, JSON)
        assert api.status_code in (401, 403), f"{role} JSON on {request} got {api.status_code}"
