"""Sign-in: CSRF, per-account throttling, session handling and safe redirects."""

from datetime import timedelta

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_token_from, sign_in


def test_a_form_posted_without_a_csrf_token_is_refused(client, make_user):
    user = make_user(Role.LEARNER)
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/learner/").status_code == 302  # still not signed in


def test_a_form_posted_with_a_forged_token_is_refused(client, make_user):
    user = make_user(Role.LEARNER)
    response = client.post(
        "/login", data={"csrf_token": "forged", "username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 400


def test_sign_out_needs_the_token_too(client, make_user):
    user = make_user(Role.LEARNER)
    sign_in(client, user.username, TEST_PASSWORD)
    assert client.post("/logout").status_code == 400
    assert client.get("/learner/").status_code == 200
    token = csrf_token_from(client.get("/learner/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/learner/").status_code == 302


def test_repeated_wrong_passwords_lock_that_account_only(app, client, make_user):
    target = make_user(Role.LEARNER)
    neighbour = make_user(Role.LEARNER)
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        response = sign_in(client, target.username, "wrong password")
        assert response.status_code == 401
    # Locked now: even the right password is refused, with a clear message.
    response = sign_in(client, target.username, TEST_PASSWORD)
    assert response.status_code == 401
    assert "locked" in response.get_data(as_text=True)
    # Another account at the same address signs in normally.
    other_client = app.test_client()
    assert sign_in(other_client, neighbour.username, TEST_PASSWORD).status_code == 302


def test_fewer_failures_than_the_limit_do_not_lock(app, client, make_user):
    user = make_user(Role.LEARNER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        sign_in(client, user.username, "wrong password")
    assert sign_in(client, user.username, TEST_PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0


def test_the_lock_expires(app, client, make_user):
    user = make_user(Role.LEARNER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        sign_in(client, user.username, "wrong password")
    db.session.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sign_in(client, user.username, TEST_PASSWORD).status_code == 302


def test_unknown_usernames_get_the_same_answer_as_wrong_passwords(client, make_user):
    user = make_user(Role.LEARNER)
    wrong_password = sign_in(client, user.username, "wrong password").get_data(as_text=True)
    unknown_user = sign_in(client, "nobody-here", "wrong password").get_data(as_text=True)
    message = "The username or password is not right."
    assert message in wrong_password and message in unknown_user


def test_a_disabled_account_cannot_sign_in(client, make_user):
    user = make_user(Role.INVIGILATOR)
    user.active = False
    db.session.commit()
    response = sign_in(client, user.username, TEST_PASSWORD)
    assert response.status_code == 401
    assert "disabled" in response.get_data(as_text=True)


def test_passwords_are_hashed(make_user):
    user = make_user(Role.REVIEWER)
    stored = db.session.get(User, user.id).password_hash
    assert TEST_PASSWORD not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))


def test_changing_the_password_signs_the_account_out_everywhere(client, make_user):
    user = make_user(Role.ITEM_WRITER)
    sign_in(client, user.username, TEST_PASSWORD)
    assert client.get("/workbench/").status_code == 200
    user.set_password("a brand new password")
    db.session.commit()
    assert client.get("/workbench/").status_code == 302


def test_sign_in_starts_a_new_session(client, make_user):
    user = make_user(Role.LEARNER)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, user.username, TEST_PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_next_is_followed_only_within_the_site(client, make_user):
    user = make_user(Role.LEARNER)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "username": user.username, "password": TEST_PASSWORD}
    response = client.post("/login?next=//evil.example/phish", data=data)
    assert response.headers["Location"] == "/learner/"
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/learner/").get_data(as_text=True))})
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    data["csrf_token"] = token
    response = client.post("/login?next=/learner/", data=data)
    assert response.headers["Location"] == "/learner/"


def test_session_cookie_is_http_only_and_same_site(client, make_user):
    user = make_user(Role.LEARNER)
    response = sign_in(client, user.username, TEST_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
