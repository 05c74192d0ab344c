"""A test is planned when its candidate signs in, so a room pressing start together finds its first
items ready; a plan whose bank or blueprint changed since, or that is too old, is made again."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt, PreparedStart
from exam_engine.delivery.services import attempts
from item_bank.items.models import ItemVersion
from tests.delivery.factory import make_items
from tests.delivery.runner_client import seated


@pytest.fixture
def signed_in(app, make_user, design):
    design("cat", 4)
    make_items()
    setup, runner = seated(app.test_client(), make_user)
    db.session.expire_all()
    return setup, runner


def planned_at_start(monkeypatch) -> list[int]:
    """Counts the plans made while starting."""
    made: list[int] = []
    real = attempts.engine.plan

    def plan(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(attempts.engine, "plan", plan)
    return made


def test_the_start_uses_the_plan_made_at_sign_in(signed_in, monkeypatch):
    setup, runner = signed_in
    prepared = db.session.get(PreparedStart, setup.sitting.id)
    assert prepared is not None
    first, seed = prepared.plan["items"][0][0], prepared.plan["seed"]
    made = planned_at_start(monkeypatch)
    attempt_id = runner.start(setup.sitting.id)["attempt"]
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert made == [] and attempt.items[0].item_version.item.code == first
    assert attempt.seed == seed
    assert db.session.get(PreparedStart, setup.sitting.id) is None  # used once


def test_a_plan_made_before_the_bank_changed_is_made_again(signed_in, monkeypatch):
    setup, runner = signed_in
    version = db.session.scalars(select(ItemVersion).order_by(ItemVersion.id)).first()
    version.irt_a, version.calibrated_at = 1.7, utcnow()  # a calibration since the candidate signed in
    db.session.commit()
    made = planned_at_start(monkeypatch)
    runner.start(setup.sitting.id)
    assert made == [1]


def test_a_plan_older_than_an_hour_is_made_again(signed_in, monkeypatch):
    setup, runner = signed_in
    prepared = db.session.get(PreparedStart, setup.sitting.id)
    prepared.prepared_at -= attempts.PREPARED_FOR + timedelta(minutes=1)
    db.session.commit()
    made = planned_at_start(monkeypatch)
    runner.start(setup.sitting.id)
    assert made == [1]
