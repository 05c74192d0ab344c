"""Records and replay: a simulated adaptive test is reproduced exactly, and tampering is caught."""

import json

import pytest

from exam_engine.assembly.blueprint import Mode
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.record import SittingRecord
from exam_engine.assembly.replay import replay
from exam_engine.assembly.simulator import simulate
from tests.assembly.banks import random_pool, small_blueprint


@pytest.fixture(scope="module")
def engine():
    return Engine(small_blueprint(), random_pool(100, seed=11, enemy_every=4), random_pool(8, seed=12, prefix="P"))


@pytest.fixture(scope="module")
def records(engine):
    # several sittings, so exposure control has made items ineligible by the last ones
    return simulate(engine, Mode.CAT, examinees=8, seed=13).records


def _through_json(record: SittingRecord) -> SittingRecord:
    return SittingRecord.from_dict(json.loads(json.dumps(record.as_dict())))


def test_replay_reproduces_a_simulated_adaptive_test_exactly(engine, records):
    record = _through_json(records[-1])
    assert record.eligibility and any(record.eligibility.values())  # exposure draws were in force
    report = replay(engine, record)
    assert report.reproduced, report.problems
    assert len(report.explanations) == len(record.steps)
    first = report.explanations[0]
    assert record.steps[0].item in first and "ability +0.00 (SE 1.00)" in first and "eligible items" in first


def test_each_step_records_what_the_choice_was_made_on(records):
    step = next(s for s in records[-1].steps if not s.pretest)
    assert step.eligible_pool > 0 and step.shadow_test and step.information is not None
    assert step.ability_class is not None and step.eligibility_probability is not None
    assert records[-1].engine_version and records[-1].seed and records[-1].bank_digest


def test_replay_catches_a_changed_answer_or_item(engine, records):
    tampered = _through_json(records[-2])
    scored = [s for s in tampered.steps if not s.pretest]
    scored[2].score = 1.0 - scored[2].score
    assert not replay(engine, tampered).reproduced
    swapped = _through_json(records[-2])
    first, second = [s for s in swapped.steps if not s.pretest][:2]
    first.item, second.item = second.item, first.item
    report = replay(engine, swapped)
    assert not report.reproduced and "engine chose" in report.problems[-1]


def test_replay_refuses_another_bank(records):
    other = Engine(small_blueprint(), random_pool(100, seed=99), random_pool(8, seed=12, prefix="P"))
    report = replay(other, _through_json(records[0]))
    assert not report.reproduced and any("digest" in p for p in report.problems)


@pytest.mark.parametrize("mode", [Mode.FIXED, Mode.LOFT])
def test_linear_tests_replay_too(engine, mode):
    record = _through_json(simulate(engine, mode, examinees=3, seed=4).records[-1])
    assert replay(engine, record).reproduced


def test_replay_names_a_changed_blueprint(engine, records):
    changed = Engine(small_blueprint(max_items_per_criterion=3), engine.pool, engine.pretest)
    report = replay(changed, _through_json(records[0]))
    assert not report.reproduced and any("blueprint's rules differ" in p for p in report.problems)


def test_records_are_strict_json(records):
    text = json.dumps([r.as_dict() for r in records], allow_nan=False)  # storable in a JSON column
    assert json.loads(text)[0]["engine_version"]
