"""Fixtures for delivery tests: a small bank, short tests in each mode, and an ended attempt."""

import pytest
from flask import Flask

from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.services.audit import graded_data_problems
from invigilation.services.event_log import verify_log
from tests.delivery.factory import UNIT, blueprint, make_items
from tests.delivery.runner_client import seated


@pytest.fixture
def design(app: Flask):
    """Set the test unit's blueprint (mode and number of items) for one test."""

    def set_design(mode: str, items: int = 4) -> None:
        app.config["DELIVERY_BLUEPRINTS"] = {UNIT: blueprint(mode, items)}

    set_design("fixed")
    yield set_design
    app.config["DELIVERY_BLUEPRINTS"] = {}


@pytest.fixture
def ended(app, make_user, design):
    """A submitted fixed test of four items: items 1 and 2 answered (item 1 twice), item 3 once."""
    design("fixed", 4)
    make_items()
    setup, runner = seated(app.test_client(), make_user)
    attempt_id = runner.start(setup.sitting.id)["attempt"]
    for position, key in ((1, "a"), (1, "b"), (2, "c"), (3, "d")):
        item = runner.call("GET", f"/api/runner/attempts/{attempt_id}/items/{position}").get_json()["item"]
        choices = [option["id"] for option in item["options"]]
        answer = {"single_best_answer": choices[ord(key) % 4], "multiple_response": choices[:item.get("select", 2)],
                  "ordering": choices}[item["type"]]
        assert runner.answer(attempt_id, position, answer, key).status_code == 200
    assert runner.call("POST", f"/api/runner/attempts/{attempt_id}/submit").status_code == 200
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert verify_log(setup.sitting.session_id).ok and graded_data_problems(setup.sitting.session_id) == []
    return attempt
