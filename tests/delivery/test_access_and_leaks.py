"""Object-level access, no key in any learner-facing response, and the OpenAPI document's coverage."""

import re

import pytest
from sqlalchemy import select

from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from item_bank.items.models import ItemStatus, ItemVersion
from tests.delivery.factory import KEY, UNIT, blueprint, make_items, make_sitting
from tests.delivery.runner_client import Runner, seated
from tests.delivery.test_answers import first_option, started
from tests.helpers import csrf_token_from

SECRET_FIELDS = {"key", "rationale", "irt_a", "irt_d", "irt_c", "notes", "status_changes", "difficulty_rating",
                 "content_hash", "calibration_responses", "writer"}


def test_a_learner_cannot_reach_another_learners_attempt_or_items_outside_their_own(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design)
    other_setup = make_sitting(make_user, candidate_number="0002", session=setup.sitting.session)
    other = Runner(app.test_client())
    other.enter(other_setup.sitting)
    for method, url, body in [("GET", f"/api/runner/attempts/{attempt}", None),
                              ("GET", f"/api/runner/attempts/{attempt}/items/1", None),
                              ("POST", f"/api/runner/attempts/{attempt}/answers",
                               {"position": 1, "answer": "A", "idempotency_key": "x"}),
                              ("POST", f"/api/runner/attempts/{attempt}/submit", None),
                              ("GET", f"/api/runner/sittings/{setup.sitting.id}", None)]:
        assert other.call(method, url, body).status_code == 404, url
    assert other.client.get(f"/learner/attempts/{attempt}").status_code == 404
    assert runner.call("GET", f"/api/runner/attempts/{attempt}/items/99").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/api/runner/attempts/{attempt}/items/1",
                         headers={"Accept": "application/json"}).status_code == 401
    db.session.expire_all()
    assert db.session.get(Attempt, attempt).next_sequence == 1


def test_items_are_served_only_inside_a_live_sitting(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design)
    runner.call("POST", f"/api/runner/attempts/{attempt}/submit")
    after = runner.call("GET", f"/api/runner/attempts/{attempt}/items/1")
    assert after.status_code == 409 and "stem" not in after.get_data(as_text=True)


def test_a_wrong_code_does_not_sign_in_and_the_session_key_alone_signs_nobody_in(app, make_user, design):
    make_items()
    setup = make_sitting(make_user)
    runner = Runner(app.test_client())
    assert runner.sign_in(setup.candidate_number, "WRONG123").status_code == 401
    assert runner.sign_in(setup.candidate_number, KEY).status_code == 401  # the room's key is not the candidate's code
    assert runner.sign_in("9999", setup.sitting.sign_in_code).status_code == 401


def _walk(value, found):
    if isinstance(value, dict):
        for name, inner in value.items():
            found.add(name)
            _walk(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _walk(inner, found)


@pytest.mark.parametrize("mode", ["fixed", "cat"])
def test_no_learner_facing_response_contains_a_key(app, make_user, design, mode):
    setup, runner, attempt = started(app, make_user, design, mode=mode, items=3)
    html = runner.client.get(f"/learner/attempts/{attempt}")
    for position in (1, 2, 3):
        runner.answer(attempt, position, first_option(runner, attempt, position), f"k{position}")
        runner.call("GET", f"/api/runner/attempts/{attempt}/review")
        if mode == "cat" and position < 3:
            runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": position})
    runner.call("POST", f"/api/runner/attempts/{attempt}/submit")
    runner.call("POST", f"/api/runner/attempts/{attempt}/reconciliation", {"acknowledged": ["k1"]})
    runner.call("GET", f"/api/runner/attempts/{attempt}/result")
    pages = [html, runner.client.get(f"/learner/attempts/{attempt}/finished")]
    versions = db.session.scalars(select(ItemVersion)).all()
    bodies = [r.get_data(as_text=True) for r in runner.responses + pages]
    assert any("Stem of test item" in body for body in bodies)  # item content was served
    for response in runner.responses:
        names: set[str] = set()
        _walk(response.get_json(), names)
        assert not names & SECRET_FIELDS, (response.request.path, names & SECRET_FIELDS)
    for version in versions:
        keyed = [version.key] if isinstance(version.key, str) else version.key
        keyed_texts = [o["text"] for o in version.options if o["id"] in keyed]
        for body in bodies:
            for rationale in version.rationale.values():
                assert rationale not in body
            assert not re.search(r'"key"\s*:', body)
            for text in keyed_texts:  # a keyed option may appear only as an ordinary option
                for match in re.finditer(re.escape(text), body):
                    window = body[max(0, match.start() - 80): match.start()]
                    assert "correct" not in window.lower() and "key" not in window.lower()


def test_every_runner_route_is_in_the_openapi_document(app):
    client = app.test_client()
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {(re.sub(r"\{(\w+)\}", r"<\1>", path), method.upper())
                  for path, operations in document["paths"].items() for method in operations if method != "parameters"}
    routes = {(re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule), method)
              for rule in app.url_map.iter_rules() if rule.rule.startswith(("/api/", "/ims/cat/"))
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - documented == set()
    assert documented - routes == set()


def test_the_html_sign_in_confirm_and_cancel_flow(app, make_user, design):
    make_items()
    setup = make_sitting(make_user)
    client = app.test_client()
    token = csrf_token_from(client.get("/learner/sign-in").get_data(as_text=True))
    signed = client.post("/learner/sign-in", data={"csrf_token": token, "candidate_number": "0001",
                                                    "code": setup.sitting.sign_in_code.lower()})
    assert signed.status_code == 302 and f"/sittings/{setup.sitting.id}/waiting" in signed.location
    waiting = client.get(signed.location).get_data(as_text=True)
    assert "Waiting for your invigilator" in waiting
    unlocked = client.post(signed.location, data={"csrf_token": csrf_token_from(waiting), "key": KEY.lower()})
    assert unlocked.status_code == 302 and f"/sittings/{setup.sitting.id}/confirm" in unlocked.location
    signed = unlocked
    page = client.get(signed.location).get_data(as_text=True)
    assert setup.learner.display_name in page and "Y/506/2152" in page
    cancelled = client.post(signed.location, data={"csrf_token": csrf_token_from(page), "choice": "cancel"})
    assert cancelled.status_code == 302
    db.session.refresh(setup.sitting)
    assert setup.sitting.state.value == "present"


def test_the_invigilators_reconciliation_report_is_for_their_centre_only(app, make_user, design):
    from exam_engine.auth.roles import Role
    from invigilation.models.centres import Centre, CentreStaff
    from tests.conftest import TEST_PASSWORD
    from tests.helpers import sign_in

    setup, runner, attempt = started(app, make_user, design)
    runner.answer(attempt, 1, first_option(runner, attempt, 1), "i1")
    url = f"/delivery/sittings/{setup.sitting.id}/reconciliation"
    own = app.test_client()
    sign_in(own, setup.invigilator.username, TEST_PASSWORD)
    page = own.get(url)
    assert page.status_code == 200 and 'id="changes-stored">1<' in page.get_data(as_text=True)
    stranger = make_user(Role.INVIGILATOR)
    other_centre = Centre(number="OTHER", name="Other centre")
    db.session.add(other_centre)
    db.session.flush()
    db.session.add(CentreStaff(centre_id=other_centre.id, user_id=stranger.id))
    db.session.commit()
    other = app.test_client()
    sign_in(other, stranger.username, TEST_PASSWORD)
    assert other.get(url).status_code == 404
    assert runner.client.get(url).status_code == 403


def test_pretest_items_look_like_scored_items(app, make_user):
    """A learner who could tell pretest items apart could skip them and bias their calibration."""
    design = {**blueprint("fixed", 4), "pretest_slots": 1}
    app.config["DELIVERY_BLUEPRINTS"] = {UNIT: design}
    versions = make_items(12)
    for version in versions[9:]:
        version.status = ItemStatus.APPROVED_FOR_PRETEST
    db.session.commit()
    setup, runner = seated(app.test_client(), make_user)
    attempt_id = runner.start(setup.sitting.id)["attempt"]
    attempt = db.session.get(Attempt, attempt_id)
    views = {entry.position: runner.call("GET", f"/api/runner/attempts/{attempt_id}/items/{entry.position}")
             .get_json()["item"] for entry in attempt.items}
    pretest = [entry for entry in attempt.items if entry.pretest]
    assert len(pretest) == 1 and len(attempt.items) == 5
    for entry in attempt.items:
        view = views[entry.position]
        assert view["marks"] == entry.item_version.marks
        assert set(view) == set(views[pretest[0].position])
    app.config["DELIVERY_BLUEPRINTS"] = {}
