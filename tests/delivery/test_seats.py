"""The right person in each seat: no one takes over another candidate's test, and guessing is throttled."""

import pytest
from sqlalchemy import select

from exam_engine.core.extensions import db
from exam_engine.delivery.models import Response
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import Alert, AlertKind, Sitting
from invigilation.services import seats
from invigilation.services.report import dashboard_rows
from tests.delivery.factory import KEY, make_items, make_sitting
from tests.delivery.runner_client import Runner
from tests.delivery.test_answers import first_option, started


def _events(session_id: int, kind: str) -> list[EventRecord]:
    return list(db.session.scalars(select(EventRecord).where(EventRecord.session_id == session_id,
                                                              EventRecord.kind == kind)))


def test_another_candidate_cannot_take_over_a_test_in_progress(app, make_user, design):
    """Candidate B, in the same room, knows A's candidate number and the session key read out to the room."""
    a, runner, attempt = started(app, make_user, design)
    answer = first_option(runner, attempt, 1)
    assert runner.answer(attempt, 1, answer, "a-1").status_code == 200
    b = make_sitting(make_user, candidate_number="0002", session=a.sitting.session)
    intruder = Runner(app.test_client())
    intruder.enter(b.sitting)
    assert intruder.sign_in(a.candidate_number, KEY).status_code == 401  # the room's key is not A's code
    for method, url, body in [("GET", f"/api/runner/attempts/{attempt}/items/1", None),
                              ("POST", f"/api/runner/attempts/{attempt}/answers",
                               {"position": 1, "answer": "A", "idempotency_key": "b-1"})]:
        assert intruder.call(method, url, body).status_code == 404
    db.session.expire_all()
    stored = db.session.scalars(select(Response)).all()
    assert [r.answer for r in stored] == [answer]


def test_a_second_browser_with_the_candidates_own_code_is_refused_logged_and_shown(app, make_user, design):
    a, runner, attempt = started(app, make_user, design)
    db.session.expire_all()
    sitting = db.session.get(Sitting, a.sitting.id)
    other = Runner(app.test_client())
    refused = other.sign_in(a.candidate_number, sitting.sign_in_code)
    assert refused.status_code == 409 and "already open on another workstation" in refused.get_json()["message"]
    assert other.call("GET", f"/api/runner/attempts/{attempt}").status_code in (401, 404)
    assert runner.call("GET", f"/api/runner/attempts/{attempt}").status_code == 200  # the first browser goes on
    db.session.expire_all()
    assert len(_events(a.sitting.session_id, "sitting.second_sign_in_refused")) == 1
    alerts = db.session.scalars(select(Alert).where(Alert.sitting_id == a.sitting.id)).all()
    assert [alert.kind for alert in alerts] == [AlertKind.SIGN_IN]
    row = next(r for r in dashboard_rows(sitting.session) if r["id"] == sitting.id)
    assert row["open_alerts"][0]["kind"] == "sign_in"


def test_a_browser_that_lost_its_seat_is_refused_on_every_page_of_the_test(app, make_user, design):
    a, runner, attempt = started(app, make_user, design)
    db.session.expire_all()
    sitting = db.session.get(Sitting, a.sitting.id)
    seats.readmit(sitting, a.invigilator, "the workstation froze")
    db.session.commit()
    assert runner.call("GET", f"/api/runner/attempts/{attempt}").get_json()["error"] == "sign_in_again"
    assert runner.client.get(f"/learner/attempts/{attempt}").status_code == 409


@pytest.fixture
def tight_limits(app):
    saved = {name: app.config[name] for name in ("SIGN_IN_MAX_FAILURES_PER_CANDIDATE",
                                                 "SIGN_IN_MAX_FAILURES_PER_ADDRESS")}
    app.config.update(SIGN_IN_MAX_FAILURES_PER_CANDIDATE=3, SIGN_IN_MAX_FAILURES_PER_ADDRESS=6)
    yield
    app.config.update(saved)


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_wrong_codes_are_throttled_per_candidate_until_the_invigilator_lets_them_in(app, make_user, design,
                                                                                   tight_limits):
    design("fixed", 4)

    make_items()
    a = make_sitting(make_user)
    client = app.test_client()
    token = client.get("/api/runner/session").get_json()["csrf_token"]

    def try_code(code: str, address: str = "10.0.0.1"):
        return client.post("/api/runner/sign-in", json={"candidate_number": a.candidate_number, "code": code},
                           headers={"X-CSRFToken": token, "Accept": "application/json"}, **_from(address))

    assert [try_code(f"WRONG00{n}").status_code for n in range(3)] == [401] * 3
    throttled = try_code(a.sitting.sign_in_code, "10.0.0.2")  # even the right code, from another address
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    db.session.expire_all()
    sitting = db.session.get(Sitting, a.sitting.id)
    assert next(r for r in dashboard_rows(sitting.session) if r["id"] == sitting.id)["failed_sign_ins"] == 3
    seats.readmit(sitting, a.invigilator, "mistyped the code")
    db.session.commit()
    assert try_code(a.sitting.sign_in_code, "10.0.0.2").status_code == 200


def test_one_address_guessing_many_candidates_is_throttled(app, make_user, design, tight_limits):
    design("fixed", 4)

    make_items()
    first = make_sitting(make_user)
    client = app.test_client()
    token = client.get("/api/runner/session").get_json()["csrf_token"]
    replies = [client.post("/api/runner/sign-in", json={"candidate_number": f"{n:04d}", "code": "GUESS123"},
                           headers={"X-CSRFToken": token, "Accept": "application/json"}, **_from("10.9.9.9"))
               for n in range(1, 9)]
    assert [r.status_code for r in replies] == [401] * 6 + [429] * 2
    right = client.post("/api/runner/sign-in", json={"candidate_number": first.candidate_number,
                                                      "code": first.sitting.sign_in_code},
                        headers={"X-CSRFToken": token, "Accept": "application/json"}, **_from("10.9.9.9"))
    assert right.status_code == 429


def test_wrong_session_keys_are_throttled(app, make_user, design, tight_limits):
    design("fixed", 4)

    make_items()
    a = make_sitting(make_user)
    runner = Runner(app.test_client())
    assert runner.sign_in(a.candidate_number, a.sitting.sign_in_code).status_code == 200
    assert [runner.unlock(a.sitting.id, "NOPE").status_code for _ in range(3)] == [403] * 3
    assert runner.unlock(a.sitting.id, KEY).status_code == 429


def test_alerts_and_reconciliation_checks_are_limited_per_attempt(app, make_user, design):
    a, runner, attempt = started(app, make_user, design)
    alerts = [runner.call("POST", f"/api/runner/attempts/{attempt}/alerts", {"position": 1, "message": f"help {n}"})
              for n in range(app.config["ALERTS_PER_ATTEMPT"] + 1)]
    assert [r.status_code for r in alerts][-2:] == [201, 429]
    checks = [runner.call("POST", f"/api/runner/attempts/{attempt}/reconciliation", {"acknowledged": []})
              for _ in range(app.config["RECONCILIATIONS_PER_ATTEMPT"] + 1)]
    assert [r.status_code for r in checks][-2:] == [200, 429]
