"""The 1EdTech CAT service, driven by a client that speaks the standard, on both databases."""

import base64
import json

import pytest
from itsdangerous import URLSafeSerializer

from exam_engine.assembly.check import breaches
from exam_engine.assembly.record import SittingRecord
from exam_engine.cli import cli
from exam_engine.core.extensions import db
from exam_engine.delivery.models import ServiceSession
from exam_engine.delivery.services import adaptive_service
from exam_engine.delivery.services import engine as delivery_engine
from item_bank.items.pools import unit_pools
from tests.delivery.cat_client import PREFIX, CatClient, flask_transport, item_result
from tests.delivery.factory import UNIT, blueprint, make_items


@pytest.fixture
def platform(app):
    """A platform client of the service, with its token, and a section for the test unit."""
    client, secret = adaptive_service.add_client("Test platform")
    db.session.commit()
    cat = CatClient(flask_transport(app.test_client()), client.client_id, secret)
    return cat


def cat_design(app, items=4, max_exposure=1.0):
    app.config["DELIVERY_BLUEPRINTS"] = {UNIT: {**blueprint("cat", items), "max_exposure": max_exposure}}


def marks_for(item: str) -> float:
    """A learner who gets the even-numbered items right."""
    return 1.0 if int(item.rsplit("-", 1)[1]) % 2 == 0 else 0.0


def state_of(app, state: str) -> dict:
    return URLSafeSerializer(app.config["SECRET_KEY"], salt=adaptive_service.STATE_SALT).loads(state)


def test_a_platform_sits_a_whole_adaptive_section_under_every_rule(app, platform, monkeypatch):
    cat_design(app, items=4, max_exposure=0.25)
    make_items(30)
    monkeypatch.setattr(delivery_engine, "EXPOSURE_REFRESH_SECONDS", 0.0)  # counts read afresh for each session
    section = platform.create_section(UNIT)
    session = platform.sit(platform.start(section), marks_for, tao_style=True)

    assert all(len(stage) == 1 for stage in session.stages)  # adaptive: one item at a time
    outcome = {variable["identifier"]: float(variable["value"][0]["value"])
               for variable in session.outcome["testResult"]["outcomeVariables"]}
    assert set(outcome) == {"THETA", "SE"} and 0 < outcome["SE"] < 1

    kept = db.session.query(ServiceSession).filter_by(identifier=session.identifier).one()
    record = SittingRecord.from_dict(kept.record)
    given = [item for stage in session.stages for item in stage]
    assert record.items == given and kept.ended_at is not None
    assert record.score["theta"] == pytest.approx(outcome["THETA"], abs=1e-6)
    pool, pretest = unit_pools(UNIT)
    rules = delivery_engine.blueprint_for(UNIT, live=True)
    assert breaches(rules, pool, record.scored_items, record.pretest_items, pretest) == []
    assert [step.score for step in record.steps] == [marks_for(item) for item in given]

    # the unit's exposure counts now hold this sitting: at 0.25, its items are at the ceiling for the next
    following = platform.start(section)
    assert set(state_of(app, following.state)["snapshot"]["capped"]) == set(record.scored_items)
    assert following.items[0] not in record.scored_items


def test_a_section_of_a_bank_not_yet_calibrated_is_one_linear_stage(app, platform):
    cat_design(app, items=4)
    make_items(12, calibrated=False)  # the adaptive gate is shut: a linear test from the content rules
    session = platform.start(platform.create_section(UNIT))
    assert len(session.items) == 4 and len(session.stages) == 1
    status, body = platform.submit(session, {item: 0.0 for item in session.items[:3]})
    assert status == 400 and "no SCORE for item" in body["imsx_description"]
    platform.sit(session, marks_for)
    assert session.items == [] and session.outcome is not None


def test_forged_used_and_foreign_session_states_are_refused(app, platform):
    cat_design(app)
    make_items(12)
    section = platform.create_section(UNIT)
    session, other = platform.start(section), platform.start(section)
    first_state, item = session.state, session.items[0]

    forged = first_state[:-3] + ("AAA" if not first_state.endswith("AAA") else "BBB")
    for state, message in ((forged, "not one this service gave"), (other.state, "another session"),
                           ("", "send the sessionState")):
        session.state = state
        status, body = platform.submit(session, {item: 1.0})
        assert status == 400, body
        assert message in body["imsx_description"]
        assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "invaliddata"

    session.state = first_state
    assert platform.submit(session, {item: 1.0})[0] == 200
    latest = session.state
    session.state = first_state  # the same state again: a replay, which could change an accepted answer
    status, body = platform.submit(session, {item: 0.0})
    assert status == 403 and "used already" in body["imsx_description"]
    session.state = latest
    assert platform.submit(session, {session.items[0]: 1.0, item: 1.0})[0] == 200  # an earlier result, resent
    status, body = platform.submit(session, {session.items[0]: 1.0, item: 0.0})
    assert status == 400 and "cannot change" in body["imsx_description"]


def test_scores_must_be_the_items_own_marks(app, platform):
    cat_design(app)
    make_items(12)
    session = platform.start(platform.create_section(UNIT))
    item = session.items[0]
    for scores, message in (({item: 5.0}, "whole number of marks from 0"), ({item: 0.5}, "whole number"),
                            ({"T-Y-99": 1.0}, "not given in this stage")):
        status, body = platform.submit(session, scores)
        assert status == 400 and message in body["imsx_description"], body
    bare = {"identifier": item, "datestamp": "2026-01-01T00:00:00Z", "sessionStatus": "final"}
    for result in ({"itemResult": [bare]}, {"itemResult": []}, {}, "text",
                   {"itemResult": [{**item_result(item, 1.0), "outcomeVariables": [
                       {"identifier": "SCORE", "cardinality": "single", "value": [{"value": "lots"}]}]}]}):
        status, body = platform.call("POST", f"/sections/{session.section}/sessions/{session.identifier}/results",
                                     {"assessmentResult": result, "sessionState": session.state})
        assert status == 400 and body["imsx_codeMajor"] == "failure", (result, body)


def test_only_a_client_with_a_valid_token_reaches_its_own_sections(app, platform):
    cat_design(app)
    make_items(12)
    section = platform.create_section(UNIT)
    send = platform.send
    status, body = send("POST", f"{PREFIX}/sections/{section}/sessions", json={})
    assert status == 401 and body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] \
        == "unauthorisedrequest"
    assert send("GET", f"{PREFIX}/sections/{section}", headers={"Authorization": "Bearer forged"})[0] == 401

    other, secret = adaptive_service.add_client("Another platform")
    db.session.commit()
    stranger = CatClient(send, other.client_id, secret)
    assert stranger.call("GET", f"/sections/{section}")[0] == 404  # another client's section is unknown
    assert stranger.call("POST", f"/sections/{section}/sessions", {})[0] == 404

    adaptive_service.revoke_client(other.client_id)
    db.session.commit()
    status, body = stranger.call("POST", "/sections", {"sectionConfiguration": "e30="})
    assert status == 401 and "no longer" in body["imsx_description"]

    wrong = {"grant_type": "client_credentials", "client_id": other.client_id, "client_secret": "guess"}
    statuses = [send("POST", f"{PREFIX}/token", data=wrong)[0] for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429  # wrong secrets are throttled


def test_sections_are_set_up_read_and_ended_as_the_standard_says(app, platform):
    cat_design(app)
    make_items(12)
    for configuration, message in (("not base64!", "not base64"), (base64.b64encode(b"[1]").decode(), "not base64"),
                                   (base64.b64encode(b'{"unit": "X/000/0000"}').decode(), "X/000/0000")):
        status, body = platform.call("POST", "/sections", {"sectionConfiguration": configuration})
        assert status == 400 and message in body["imsx_description"], body
    section = platform.create_section(UNIT)
    status, body = platform.call("GET", f"/sections/{section}")
    assert status == 200 and len(body["items"]["itemIdentifiers"]) == 12
    assert json.loads(base64.b64decode(body["section"]["sectionConfiguration"])) == {"unit": UNIT}

    session = platform.start(section, [{"key": "seenItems", "value": "T-Y-01, T-Y-02"}])
    assert not {"T-Y-01", "T-Y-02"} & set(session.items)
    assert platform.call("DELETE", f"/sections/{section}/sessions/{session.identifier}")[0] == 204
    status, body = platform.submit(session, {session.items[0]: 1.0})
    assert status == 403 and "has ended" in body["imsx_description"]
    assert platform.call("DELETE", f"/sections/{section}")[0] == 204
    assert platform.call("POST", f"/sections/{section}/sessions", {})[0] == 404


def test_platforms_are_added_and_revoked_and_finished_sessions_replayed_from_the_command_line(app):
    cat_design(app)
    make_items(12)
    runner = app.test_cli_runner()
    added = runner.invoke(cli, ["service-client", "add", "Centre platform"])
    assert added.exit_code == 0, added.output
    client_id = added.output.split("client_id ")[1].split()[0]
    secret = added.output.split("client_secret ")[1].split()[0]
    platform = CatClient(flask_transport(app.test_client()), client_id, secret)
    assert "(active)" in runner.invoke(cli, ["service-client", "list"]).output

    section = platform.create_section(UNIT)
    finished, open_session = platform.sit(platform.start(section), marks_for), platform.start(section)
    replayed = runner.invoke(cli, ["replay", "--service-session", finished.identifier])
    assert replayed.exit_code == 0 and "Reproduced" in replayed.output, replayed.output
    unfinished = runner.invoke(cli, ["replay", "--service-session", open_session.identifier])
    assert unfinished.exit_code == 1 and "no sitting record" in unfinished.output
    assert "no adaptive service session" in runner.invoke(cli, ["replay", "--service-session", "T0"]).output

    assert runner.invoke(cli, ["service-client", "revoke", client_id]).exit_code == 0
    assert platform.call("POST", f"/sections/{section}/sessions", {})[0] == 401
    assert runner.invoke(cli, ["service-client", "revoke", "cat-nobody"]).exit_code == 1
