"""The adaptive gate: a live session runs a unit's test adaptively only when every live item is
calibrated from enough real responses; until then it runs linear tests from the content rules
alone, scored by marks. Rehearsals (simulated candidates) run the blueprint as written."""

import numpy as np
import pytest
import yaml

from exam_engine.assembly.pool import ItemPool
from exam_engine.assembly.scoring import score
from exam_engine.cli import cli
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from item_bank.items.models import ParameterSource
from item_bank.items.pools import adaptive_gate, unit_pools
from tests.delivery.factory import UNIT, make_items
from tests.delivery.runner_client import seated


def started_attempt(app, make_user, rehearsal: bool = False) -> Attempt:
    setup, runner = seated(app.test_client(), make_user)
    if rehearsal:
        setup.sitting.session.rehearsal = True
        db.session.commit()
    return db.session.get(Attempt, runner.start(setup.sitting.id)["attempt"])


def test_a_live_session_on_a_provisional_bank_runs_a_linear_test_from_the_content_rules(app, make_user, design):
    design("cat", 4)
    make_items(calibrated=False)
    attempt = started_attempt(app, make_user)
    snapshot = yaml.safe_load(attempt.blueprint["blueprint"])
    assert attempt.mode.value == "loft" and snapshot["content_only"] is True
    assert len(attempt.items) == attempt.planned_items  # the whole test at the start, not one item at a time


def test_a_rehearsal_runs_the_adaptive_blueprint_as_written(app, make_user, design):
    design("cat", 4)
    make_items(calibrated=False)
    attempt = started_attempt(app, make_user, rehearsal=True)
    assert attempt.mode.value == "cat" and len(attempt.items) == 1


def test_the_gate_opens_only_on_estimates_from_enough_real_responses(app):
    versions = make_items()
    assert adaptive_gate(UNIT).open
    versions[0].calibration_simulated = True  # estimated from a rehearsal's simulated responses
    versions[1].calibration_responses = 499  # a generalised partial credit estimate needs 500
    versions[2].parameter_source = ParameterSource.PROVISIONAL
    db.session.commit()
    gate = adaptive_gate(UNIT)
    assert not gate.open and [code for code, _ in gate.short] == [v.item.code for v in versions[:3]]
    assert "simulated" in gate.short[0][1] and "499 responses" in gate.short[1][1]
    assert "provisional" in gate.short[2][1]


def test_a_content_only_pool_scores_by_marks_alone(app):
    make_items(calibrated=False)
    pool, _ = unit_pools(UNIT)
    assert pool is not None
    neutral = pool.content_only()
    one_mark = np.flatnonzero(neutral.marks == 1)[:4]
    items = neutral.parameters.subset(one_mark)
    reference = neutral.parameters.subset(one_mark)
    # the same total from different items gives the same ability and the same decision
    first, second = score([1, 1, 0, 0], items, reference, 0.0), score([0, 0, 1, 1], items, reference, 0.0)
    assert first.as_dict() == pytest.approx(second.as_dict(), abs=1e-9)
    # while the provisional parameters would have told them apart
    provisional = pool.parameters.subset(one_mark)
    assert score([1, 1, 0, 0], provisional, provisional, 0.0).theta != score([0, 0, 1, 1], provisional,
                                                                              provisional, 0.0).theta
    assert isinstance(neutral, ItemPool) and np.all(neutral.information(0.0)[0, one_mark] ==
                                                    neutral.information(0.0)[0, one_mark[0]])


@pytest.mark.parametrize("calibrated", [False, True])
def test_blueprint_check_says_whether_the_gate_is_open(app, calibrated):
    make_items(24, calibrated=calibrated)
    result = app.test_cli_runner().invoke(cli, ["blueprint-check", UNIT])
    expected = "adaptive gate open" if calibrated else "adaptive gate closed: 24 of 24 live items"
    assert expected in result.output
