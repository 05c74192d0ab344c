"""Security headers, cookie flags, session fixation and CSRF on every state-changing route."""

import pytest

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import csrf
from tests.conftest import TEST_PASSWORD, make_test_app
from tests.hardening.routes import STATE_CHANGING, route_requests
from tests.helpers import csrf_token_from, sign_in


def test_every_response_carries_the_security_headers(client):
    for path in ("/login", "/no/such/page", "/static/css/app.css"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_secure_cookies_when_served_over_https(database_url, make_user):
    secure_app = make_test_app(database_url, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    client = secure_app.test_client()
    user = make_user(Role.LEARNER)
    response = client.get("/login", base_url="https://localhost")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    token = csrf_token_from(response.get_data(as_text=True))
    signed = client.post("/login", base_url="https://localhost",
                         data={"csrf_token": token, "username": user.username, "password": TEST_PASSWORD})
    cookie = next(c for c in signed.headers.getlist("Set-Cookie") if c.startswith("session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= flags


def test_signing_in_issues_a_new_session(client, make_user):
    user = make_user(Role.LEARNER)
    client.get("/login")
    planted = client.get_cookie("session").value
    sign_in(client, user.username, TEST_PASSWORD)
    issued = client.get_cookie("session").value
    assert issued != planted
    with client.session_transaction() as session:
        assert "_user_id" in session


def test_a_cookie_kept_from_before_sign_out_no_longer_works(app, client, make_user):
    user = make_user(Role.LEARNER)
    sign_in(client, user.username, TEST_PASSWORD)
    stolen = client.get_cookie("session").value
    token = csrf_token_from(client.get("/learner/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/learner/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [None, *Role])
def test_every_state_changing_route_refuses_a_request_without_a_csrf_token(app, client, make_user, role):
    if role is not None:
        user = make_user(role)
        sign_in(client, user.username, TEST_PASSWORD)
    changing = [r for r in route_requests(app) if r.method in STATE_CHANGING]
    assert changing
    for request in changing:
        for headers in ({}, {"X-CSRFToken": "forged"}):
            response = client.open(request.url, method=request.method, headers=headers, data={"x": "1"})
            if app.blueprints.get(request.endpoint.split(".")[0]) in csrf._exempt_blueprints:  # platforms' routes
                assert response.status_code in (400, 401), f"{request} accepted without its client's credentials"
            elif role in request.allowed or request.public:
                assert response.status_code == 400, f"{request} accepted without a valid CSRF token"
            else:  # refused before the token is looked at (a view that checks it itself)
                assert response.status_code in (400, 403) or response.headers["Location"].startswith("/login")
