"""Staff who can see live items or results sign in with a one-time code (TOTP) as well."""

from datetime import timedelta

import pyotp
import pytest

from exam_engine.auth.roles import Role
from exam_engine.auth.services import check_second_factor
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_token_from, one_time_code, sign_in

STAFF = [Role.ITEM_WRITER, Role.REVIEWER, Role.CENTRE_ADMIN, Role.AWARDING_BODY_ADMIN]


def password_step(client, username: str):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"csrf_token": token, "username": username, "password": TEST_PASSWORD})


def post_code(client, path: str, code: str):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, "code": code})


@pytest.mark.parametrize("role", STAFF)
def test_a_right_password_alone_does_not_sign_staff_in(client, make_user, role):
    user = make_user(role)
    response = password_step(client, user.username)
    assert response.location == "/login/enrol"
    assert client.get("/workbench/").status_code == 302  # not signed in yet
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("role", [Role.LEARNER, Role.INVIGILATOR])
def test_learners_and_invigilators_sign_in_with_a_password(client, make_user, role):
    user = make_user(role)
    assert password_step(client, user.username).location != "/login/enrol"
    db.session.refresh(user)
    assert user.totp_secret is None


def test_enrolment_keeps_the_secret_only_once_a_code_from_it_is_confirmed(client, make_user):
    user = make_user(Role.REVIEWER)
    password_step(client, user.username)
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "otpauth" not in page  # the link is inside the QR image only
    assert post_code(client, "/login/enrol", "000000").status_code == 401
    db.session.refresh(user)
    assert user.totp_secret is None and user.failed_logins == 1

    assert sign_in(client, user.username, TEST_PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is not None and user.totp_enrolled_at is not None
    assert user.failed_logins == 0
    assert client.get("/workbench/").status_code == 200


def test_a_code_signs_in_once_and_never_again(app, make_user):
    user = make_user(Role.ITEM_WRITER)
    first = app.test_client()
    assert sign_in(first, user.username, TEST_PASSWORD).status_code == 302  # enrols
    db.session.refresh(user)
    code = one_time_code(user.totp_secret, user.totp_last_step)

    second = app.test_client()
    password_step(second, user.username)
    assert post_code(second, "/login/code", code).status_code == 302
    replay = app.test_client()
    password_step(replay, user.username)
    response = post_code(replay, "/login/code", code)
    assert response.status_code == 401
    assert "used already" in response.get_data(as_text=True)
    assert replay.get("/workbench/").status_code == 302


def test_wrong_codes_count_towards_the_account_lock(app, client, make_user):
    user = make_user(Role.AWARDING_BODY_ADMIN)
    sign_in(app.test_client(), user.username, TEST_PASSWORD)
    db.session.refresh(user)
    secret = user.totp_secret
    password_step(client, user.username)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert post_code(client, "/login/code", "123456" if pyotp.TOTP(secret).now() != "123456" else "654321"
                         ).status_code == 401
    response = password_step(client, user.username)
    assert response.status_code == 401
    assert "locked" in response.get_data(as_text=True)


def test_the_code_page_needs_a_fresh_right_password(app, client, make_user):
    user = make_user(Role.CENTRE_ADMIN)
    assert client.get("/login/code").location == "/login"  # no password typed
    sign_in(app.test_client(), user.username, TEST_PASSWORD)
    password_step(client, user.username)
    token = csrf_token_from(client.get("/login/code").get_data(as_text=True))
    with client.session_transaction() as session:
        session["second_factor"] = session["second_factor"] | {"at": (utcnow() - timedelta(minutes=6)).isoformat()}
    db.session.refresh(user)
    response = client.post("/login/code", data={"csrf_token": token,
                                                "code": one_time_code(user.totp_secret, user.totp_last_step)})
    assert response.location == "/login"
    assert client.get("/admin/").status_code == 302


def test_codes_are_taken_a_step_either_side_of_the_servers_clock_only(make_user):
    user = make_user(Role.REVIEWER)
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    totp, now = pyotp.TOTP(user.totp_secret), utcnow()
    assert not check_second_factor(user, totp.at(now - timedelta(seconds=90)), now=now)
    assert check_second_factor(user, totp.at(now - timedelta(seconds=30)), now=now)
    assert check_second_factor(user, " ".join(totp.at(now + timedelta(seconds=30))), now=now)  # spaces ignored
    assert not check_second_factor(user, totp.at(now), now=now)  # an earlier step than the last one used
    db.session.rollback()


def test_second_factor_roles_are_configurable(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_ROLES", [])
    user = make_user(Role.REVIEWER)
    assert password_step(client, user.username).location == "/workbench/"
    db.session.refresh(user)
    assert user.totp_secret is None
