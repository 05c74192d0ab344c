"""Fuzzing every form route and query string: no input makes a server error.

Each route that takes a POST (or a GET with a query string) is sent, by every role the route
admits, form fields from the templates' own field names filled with wrong types, huge
numbers, long strings, unicode and odd dates; every answer must be below 500. The JSON
routes get deep nesting, huge numbers and long text the same way (the runner API is also
fuzzed from its OpenAPI document in `test_api_fuzzing.py`).
"""

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.models.sessions import IdentityDocument, IncidentCategory
from invigilation.services import conduct
from invigilation.services.incidents import raise_alert, record_incident
from tests.conftest import REPOSITORY_ROOT, TEST_PASSWORD, make_test_app
from tests.delivery.factory import make_items
from tests.hardening.routes import route_requests
from tests.helpers import sign_in
from tests.invigilation.conftest import build_world

FUZZ = settings(max_examples=5, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TEMPLATE_FIELD = re.compile(r'name="([a-z_]+)"')
ODD_VALUES = ["", "0", "-1", "1.5", "1e308", "inf", "NaN", "9" * 30, str(2**31), str(2**63), "²", "٣", "１",
              "2026-13-45", "9999-12-31", "0000-00-00", "25:99", "../../etc/passwd", "\x00", "a\r\nb", '"',
              "<script>alert(1)</script>", "' OR 1=1 --", "=cmd|' /C calc'!A0", "Y/506/2152", "x" * 5000]
JSON_ODD = [10**30, -(10**30), 1e308, "x" * 10_000, [], {}, None, True, "²", [[[[[[[[[[]]]]]]]]]]]


def _field_names() -> list[str]:
    names: set[str] = set()
    for template in REPOSITORY_ROOT.glob("**/templates/**/*.html"):
        if ".venv" not in template.parts:
            names.update(TEMPLATE_FIELD.findall(template.read_text(encoding="utf-8")))
    names.update(f"{kind}_{letter}" for kind in ("option", "rationale") for letter in "ABCDEF")
    names.update({"password", "candidate_number", "key"})
    return sorted(names - {"csrf_token", "viewport"})


FIELDS = _field_names()
values = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=60))
# every field the templates know, so that each route meets its own fields in every example
forms = st.fixed_dictionaries({}, optional={name: st.lists(values, min_size=1, max_size=3) for name in FIELDS})
deep = st.integers(min_value=200, max_value=100_000).map(lambda depth: "[" * depth + "]" * depth)


@pytest.fixture(scope="module")
def open_app(database_url: str) -> Iterator[Flask]:
    """The app with CSRF off, so that each form reaches its handler."""
    opened = make_test_app(database_url, WTF_CSRF_ENABLED=False)
    yield opened
    with opened.app_context():
        db.engine.dispose()


@pytest.fixture
def world_ids(app: Flask) -> tuple[dict[str, int], dict[Role, str]]:
    """Real ids for the routes' arguments, and a signed-in username per role (staff of the centre)."""
    world = build_world(candidates=2)
    session = world.session()
    sittings = [world.book(session, i) for i in range(2)]
    conduct.start_session(session, world.invigilator)
    conduct.check_in(sittings[0], world.invigilator, IdentityDocument.PASSPORT)
    conduct.authorise(sittings[0], world.invigilator)
    conduct.start_clock(sittings[0], world.learners[0])
    incident = record_incident(session, world.invigilator, IncidentCategory.TECHNICAL, "frozen screen", sittings)
    alert = raise_alert(sittings[0], "T-Y-01", "cannot read option C")
    version = make_items(3)[0]
    db.session.commit()
    ids = {"session_id": session.id, "sitting_id": sittings[0].id, "incident_id": incident.id, "alert_id": alert.id,
           "candidate_id": world.candidates[0].id, "centre_id": world.centre.id, "item_id": version.item_id,
           "version_id": version.id, "qualification_id": 1, "attempt_id": 1}
    users = {Role.INVIGILATOR: world.invigilator.username, Role.CENTRE_ADMIN: world.admin.username,
             Role.LEARNER: world.learners[0].username}
    return ids, users


def _signed_in(client, app: Flask, open_app: Flask, username: str):
    assert sign_in(client, username, TEST_PASSWORD).status_code == 302
    fuzzing = open_app.test_client()
    fuzzing.set_cookie("session", client.get_cookie("session").value)
    return fuzzing


@pytest.mark.parametrize("role", list(Role))
def test_no_form_or_query_makes_a_server_error(app, client, open_app, make_user, world_ids, role):
    ids, users = world_ids
    username = users.get(role) or make_user(role).username
    fuzzing = _signed_in(client, app, open_app, username)
    targets = [r for r in route_requests(open_app, ids, {"slug": "Y-506-2152", "record": "rooms", "action": "pause"})
               if (r.public or role in r.allowed) and r.endpoint != "auth.logout"]
    posts = [r for r in targets if r.method == "POST" and not r.url.startswith("/api/")]
    gets = [r for r in targets if r.method == "GET"]
    assert posts or role is Role.LEARNER

    for target in posts + gets:
        _fuzz(fuzzing, target)


def _fuzz(client, target) -> None:
    """Send one route the fuzzed forms (or query strings); none may make a server error."""

    @FUZZ
    @given(form=forms)
    def probe(form):
        if target.method == "POST":
            response = client.post(target.url, data=form)
        else:
            response = client.get(target.url, query_string={k: v[0] for k, v in form.items()})
        assert response.status_code < 500, f"{target} with {form!r}: {response.status_code}"

    probe()


@given(body=deep)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_deeply_nested_json_is_refused_on_every_json_route(app, open_app, body):
    client = open_app.test_client()
    for rule in open_app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and "POST" in (rule.methods or ()) and not rule.arguments:
            response = client.post(rule.rule, data=body, content_type="application/json",
                                   headers={"Accept": "application/json"})
            assert response.status_code < 500 and response.status_code != 200, (rule.rule, response.status_code)


@pytest.mark.parametrize("value", JSON_ODD)
def test_odd_json_values_in_the_sign_in_are_refused_cleanly(app, open_app, value):
    client = open_app.test_client()
    response = client.post("/api/runner/sign-in", json={"candidate_number": value, "code": value},
                           headers={"Accept": "application/json"})
    assert response.status_code in (400, 401, 422, 429)


def test_an_oversized_request_is_refused_before_it_is_read(app, open_app):
    client = open_app.test_client()
    response = client.post("/api/runner/sign-in", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                           content_type="application/json", headers={"Accept": "application/json"})
    assert response.status_code == 413
