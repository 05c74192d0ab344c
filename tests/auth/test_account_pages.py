"""The account pages: the awarding-body administrator manages every account, a centre administrator
only the invigilators and learners of their own centres; every change is recorded with who made it."""

import re

import pytest
from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.auth.services import AccountError, set_active
from exam_engine.core.extensions import db
from invigilation.models.centres import Candidate, CentreStaff
from invigilation.models.setup_log import SetupChange
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_token_from, sign_in
from tests.invigilation.conftest import build_world, quick_user

PASSWORD = re.compile(r'id="temporary-password">([^<]+)<')


@pytest.fixture
def centres(app):
    """North (whose staff we sign in as) and South, and an awarding-body administrator."""
    north, south = build_world(), build_world(name="South College", number="20002")
    body = quick_user(Role.AWARDING_BODY_ADMIN, "body-admin")
    db.session.commit()
    return north, south, body


def signed_in(client, user: User) -> str:
    """Sign in and return a CSRF token for the session."""
    assert sign_in(client, user.username, TEST_PASSWORD).status_code == 302
    return csrf_token_from(client.get("/accounts/new").get_data(as_text=True))


def changes(kind: str) -> list[SetupChange]:
    return list(db.session.scalars(select(SetupChange).where(SetupChange.kind == kind)))


@pytest.mark.parametrize("role", [Role.LEARNER, Role.INVIGILATOR, Role.ITEM_WRITER, Role.REVIEWER,
                                  Role.SUBJECT_EXPERT])
def test_other_roles_are_refused(client, make_user, role):
    assert sign_in(client, make_user(role).username, TEST_PASSWORD).status_code == 302
    assert client.get("/accounts/").status_code == 403
    assert client.get("/accounts/new").status_code == 403


def test_the_awarding_body_lists_searches_and_filters_every_account(client, centres):
    north, south, body = centres
    signed_in(client, body)
    page = client.get("/accounts/").get_data(as_text=True)
    for username in ("body-admin", "admin-10001", "invigilator-20002", "learner-20002-1"):
        assert username in page
    page = client.get("/accounts/?role=invigilator").get_data(as_text=True)
    assert "invigilator-10001" in page and "invigilator-20002" in page and "learner-10001-1" not in page
    page = client.get("/accounts/?q=20002-").get_data(as_text=True)
    assert "learner-20002-2" in page and "learner-10001-2" not in page
    assert "No accounts match" in client.get("/accounts/?q=%25_nobody").get_data(as_text=True)


def test_a_centre_administrator_lists_only_their_invigilators_and_learners(client, centres):
    north, south, body = centres
    signed_in(client, north.admin)
    page = client.get("/accounts/").get_data(as_text=True)
    assert "invigilator-10001" in page and "learner-10001-3" in page
    for hidden in ("20002", "body-admin", "admin-10001<"):
        assert hidden not in page
    assert 'value="item_writer"' not in page  # the role filter offers only their roles


def test_the_awarding_body_creates_an_account_shown_once_and_recorded(app, client, centres):
    north, south, body = centres
    token = signed_in(client, body)
    response = client.post("/accounts/new", data={"csrf_token": token, "username": "writer-new",
                                                  "display_name": "New Writer", "role": "item_writer",
                                                  "centre": "", "candidate_number": ""})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = PASSWORD.search(response.get_data(as_text=True)).group(1)
    user = db.session.scalar(select(User).where(User.username == "writer-new"))
    assert user.role is Role.ITEM_WRITER and user.check_password(password)
    [change] = changes("account.created")
    assert change.subject == "writer-new" and change.changed_by == "body-admin"
    assert password not in change.details
    page = client.get(f"/accounts/{user.id}").get_data(as_text=True)
    assert password not in page and "created" in page
    # a taken username is refused on its field, and nothing is written
    again = client.post("/accounts/new", data={"csrf_token": token, "username": "writer-new",
                                               "display_name": "X", "role": "reviewer", "centre": ""})
    assert again.status_code == 422
    assert 'aria-describedby="username-hint username-error"' in again.get_data(as_text=True)
    spaced = client.post("/accounts/new", data={"csrf_token": token, "username": "two\twords",
                                                "display_name": "X", "role": "reviewer", "centre": ""})
    assert spaced.status_code == 422 and "no spaces or control characters" in spaced.get_data(as_text=True)
    assert len(changes("account.created")) == 1


def test_a_centre_administrator_creates_invigilators_and_candidates_at_their_centre(client, centres):
    north, south, body = centres
    token = signed_in(client, north.admin)
    form = {"csrf_token": token, "display_name": "Ivy", "centre": str(north.centre.id)}
    assert client.post("/accounts/new", data=form | {"username": "ivy", "role": "invigilator"}).status_code == 200
    ivy = db.session.scalar(select(User).where(User.username == "ivy"))
    assert db.session.scalar(select(CentreStaff).where(CentreStaff.user_id == ivy.id)).centre_id == north.centre.id
    missing = client.post("/accounts/new", data=form | {"username": "lena", "role": "learner"})
    assert missing.status_code == 422 and "Enter the candidate number" in missing.get_data(as_text=True)
    made = client.post("/accounts/new", data=form | {"username": "lena", "role": "learner",
                                                     "candidate_number": "10001-0099"})
    assert made.status_code == 200
    lena = db.session.scalar(select(Candidate).where(Candidate.candidate_number == "10001-0099"))
    assert lena.centre_id == north.centre.id and lena.user.username == "lena"


@pytest.mark.parametrize("changes_asked", [
    {"username": "boss", "role": "awarding_body_admin"},
    {"username": "writer", "role": "item_writer"},
    {"username": "peer", "role": "centre_admin"},
    {"username": "elsewhere", "role": "invigilator", "centre": "SOUTH"},
])
def test_a_centre_administrator_cannot_create_higher_roles_or_at_another_centre(client, centres, changes_asked):
    north, south, body = centres
    token = signed_in(client, north.admin)
    form = {"csrf_token": token, "display_name": "X", "centre": str(north.centre.id)} | changes_asked
    if form["centre"] == "SOUTH":
        form["centre"] = str(south.centre.id)
    assert client.post("/accounts/new", data=form).status_code == 422
    assert db.session.scalar(select(User).where(User.username == changes_asked["username"])) is None


@pytest.mark.parametrize("action", ["", "/deactivate", "/reactivate", "/password", "/second-factor"])
def test_a_centre_administrator_cannot_reach_other_accounts(client, centres, action):
    north, south, body = centres
    token = signed_in(client, north.admin)
    peer = quick_user(Role.CENTRE_ADMIN, "north-peer")
    db.session.add(CentreStaff(centre=north.centre, user=peer))
    db.session.commit()
    for target in (south.invigilator, south.learners[0], body, peer, north.admin):
        url = f"/accounts/{target.id}{action}"
        response = client.get(url) if not action else client.post(url, data={"csrf_token": token})
        assert response.status_code == 404, f"{url} for {target.username}"
    assert db.session.scalar(select(SetupChange).where(SetupChange.kind.like("account.%"))) is None


def test_a_centre_administrator_resets_an_invigilators_password(app, client, centres):
    north, south, body = centres
    token = signed_in(client, north.admin)
    other = app.test_client()
    assert sign_in(other, "invigilator-10001", TEST_PASSWORD).status_code == 302
    response = client.post(f"/accounts/{north.invigilator.id}/password", data={"csrf_token": token})
    assert response.status_code == 200
    password = PASSWORD.search(response.get_data(as_text=True)).group(1)
    assert other.get("/invigilation/").status_code == 302  # their open session ended
    assert sign_in(app.test_client(), "invigilator-10001", TEST_PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "invigilator-10001", password).status_code == 302
    [change] = changes("account.password_reset")
    assert change.subject == "invigilator-10001" and change.changed_by == "admin-10001"


def test_forms_need_the_csrf_token(client, centres):
    north, south, body = centres
    signed_in(client, north.admin)
    assert client.post(f"/accounts/{north.invigilator.id}/password").status_code == 400
    assert client.post(f"/accounts/{north.invigilator.id}/deactivate").status_code == 400
    db.session.refresh(north.invigilator)
    assert north.invigilator.active and north.invigilator.check_password(TEST_PASSWORD)


def test_deactivating_and_reactivating(app, client, centres):
    north, south, body = centres
    token = signed_in(client, north.admin)
    learner = north.learners[0]
    response = client.post(f"/accounts/{learner.id}/deactivate", data={"csrf_token": token}, follow_redirects=True)
    assert "is deactivated" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), learner.username, TEST_PASSWORD).status_code == 401
    response = client.post(f"/accounts/{learner.id}/reactivate", data={"csrf_token": token}, follow_redirects=True)
    assert "active again" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), learner.username, TEST_PASSWORD).status_code == 302
    assert [c.changed_by for c in changes("account.deactivated") + changes("account.reactivated")] == \
        ["admin-10001", "admin-10001"]


def test_deactivating_yourself_or_the_last_awarding_body_administrator_is_refused(client, centres):
    north, south, body = centres
    token = signed_in(client, body)
    response = client.post(f"/accounts/{body.id}/deactivate", data={"csrf_token": token}, follow_redirects=True)
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.refresh(body)
    assert body.active and not changes("account.deactivated")
    with pytest.raises(AccountError, match="last active awarding-body administrator"):
        set_active(body, False, north.admin)
    second = quick_user(Role.AWARDING_BODY_ADMIN, "body-admin-2")
    db.session.commit()
    assert client.post(f"/accounts/{second.id}/deactivate", data={"csrf_token": token}).status_code == 302
    db.session.refresh(second)
    assert not second.active


def test_the_awarding_body_resets_an_authenticator_app(app, client, centres):
    north, south, body = centres
    token = signed_in(client, body)
    assert sign_in(app.test_client(), north.admin.username, TEST_PASSWORD).status_code == 302
    db.session.refresh(north.admin)
    assert north.admin.totp_secret is not None
    response = client.post(f"/accounts/{north.admin.id}/second-factor", data={"csrf_token": token},
                           follow_redirects=True)
    assert "set up a new authenticator app" in response.get_data(as_text=True)
    db.session.refresh(north.admin)
    assert north.admin.totp_secret is None
    [change] = changes("account.second_factor_reset")
    assert change.subject == north.admin.username and change.changed_by == "body-admin"
