"""Delivering one item per request gives the same sitting as running it in one go."""

import numpy as np
import pytest

from exam_engine.assembly.engine import Engine
from exam_engine.assembly.exposure import Eligibility, ExposureControl
from exam_engine.assembly.sitting import sit
from exam_engine.assembly.stepwise import AnswersDoNotMatch, finish, linear_items, next_item
from tests.assembly.banks import answers, random_pool, small_blueprint


@pytest.fixture(scope="module")
def engine():
    return Engine(small_blueprint(), random_pool(80, seed=31), random_pool(6, seed=32, prefix="P"))


def _eligibility(engine):
    control = ExposureControl(0.5, (0.0,), engine.pool.size)
    control.administered[:, :10] = 3  # some items made ineligible by earlier sittings
    control.learners[:] = 4
    eligibility = control.sitting(np.random.default_rng(5))
    for theta in (-1.0, 1.0):  # draw every class at the start and keep the draws
        eligibility.mask(theta)
    return Eligibility.given(eligibility.edges, eligibility.draws)


def test_one_item_per_request_matches_a_whole_sitting(engine):
    eligibility = _eligibility(engine)
    respond = answers(engine.pool, 3)
    whole = sit(engine, "cat", respond, seed=8, eligibility=eligibility, seen=["I001"])
    answered = []
    while (item := next_item(engine, "cat", 8, eligibility, ["I001"], answered)) is not None:
        answered.append((item, respond(item)))
    assert [item for item, _ in answered] == whole.items
    record = finish(engine, "cat", 8, eligibility, ["I001"], answered)
    assert record.as_dict() == whole.as_dict() | {"steps": record.as_dict()["steps"]}
    assert [s.item for s in record.steps] == whole.items and record.score == whole.score


def test_answers_for_other_items_are_refused(engine):
    eligibility = _eligibility(engine)
    first = next_item(engine, "cat", 8, eligibility, [], [])
    other = next(item for item in engine.pool.ids if item != first)
    with pytest.raises(AnswersDoNotMatch):
        next_item(engine, "cat", 8, eligibility, [], [(other, 1.0)])
    with pytest.raises(AnswersDoNotMatch, match="not complete"):
        finish(engine, "cat", 8, eligibility, [], [(first, 1.0)])


@pytest.mark.parametrize("mode", ["fixed", "loft"])
def test_linear_tests_are_known_whole_at_the_start(engine, mode):
    eligibility = _eligibility(engine)
    items = linear_items(engine, mode, 4, eligibility)
    whole = sit(engine, mode, answers(engine.pool, 1), seed=4, eligibility=eligibility)
    assert items == whole.items


def test_only_linear_tests_allow_review():
    from exam_engine.assembly.sitting import allows_review
    assert allows_review("fixed") and allows_review("loft") and not allows_review("cat")
