"""Delivering one item per request gives the same sitting as running it in one go."""

import numpy as np
import pytest

from exam_engine.assembly.blueprint import Mode
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.exposure import Eligibility, ExposureControl
from exam_engine.assembly.sitting import sit
from exam_engine.assembly.stepwise import AnswersDoNotMatch, finish, kept_record, linear_items, next_item, next_step
from tests.assembly.banks import answers, random_pool, small_blueprint


@pytest.fixture(scope="module")
def engine():
    return Engine(small_blueprint(), random_pool(80, seed=31), random_pool(6, seed=32, prefix="P"))


def _eligibility(engine):
    control = ExposureControl(0.5, (0.0,), np.full((2, engine.pool.size), 0.5))
    control.administered[:, :10] = 3  # some items made ineligible by earlier sittings
    control.learners[:] = 4
    eligibility = control.sitting(np.random.default_rng(5))
    for theta in (-1.0, 1.0):  # draw every class at the start and keep the draws
        eligibility.mask(theta)
    return Eligibility.given(eligibility.edges, eligibility.draws, eligibility.capped)


def test_one_item_per_request_matches_a_whole_sitting(engine):
    eligibility = _eligibility(engine)
    respond = answers(engine.pool, 3)
    whole = sit(engine, Mode.CAT, respond, seed=8, eligibility=eligibility, seen=["I001"])
    answered = []
    while (item := next_item(engine, Mode.CAT, 8, eligibility, ["I001"], answered)) is not None:
        answered.append((item, respond(item)))
    assert [item for item, _ in answered] == whole.items
    record = finish(engine, Mode.CAT, 8, eligibility, ["I001"], answered)
    assert record.as_dict() == whole.as_dict() | {"steps": record.as_dict()["steps"]}
    assert [s.item for s in record.steps] == whole.items and record.score == whole.score


def test_the_steps_kept_one_per_request_make_the_whole_sittings_record(engine):
    eligibility = _eligibility(engine)
    respond = answers(engine.pool, 6)
    whole = sit(engine, Mode.CAT, respond, seed=12, eligibility=eligibility, seen=["I003"])
    steps = []
    while (step := next_step(engine, 12, eligibility, ["I003"], [(s.item, s.score) for s in steps])) is not None:
        step.score = respond(step.item)
        steps.append(step)
    assert whole.pretest_items and whole.capped, "pretest slots and capped items are exercised"
    assert kept_record(engine, 12, eligibility, ["I003"], steps[:-1]) is None  # not complete
    kept = kept_record(engine, 12, eligibility, ["I003"], steps).as_dict()
    expected = whole.as_dict()
    untimed = [{**step, "select_ms": 0.0} for step in expected.pop("steps")]
    assert [{**step, "select_ms": 0.0} for step in kept.pop("steps")] == untimed
    assert kept == expected


def _deliver(engine, mode, seed, eligibility, seen, respond):
    answered = []
    while (item := next_item(engine, mode, seed, eligibility, seen, answered)) is not None:
        answered.append((item, respond(item)))
    return answered


@pytest.mark.parametrize("mode", [Mode.CAT, Mode.MAXINFO])
@pytest.mark.parametrize("seed, learner, seen", [(1, 0, []), (2, 5, []), (3, 7, ["I002", "I017", "I040"]),
                                                 (11, 9, ["I001", "I005"]), (23, 2, [])])
def test_each_request_chooses_what_the_whole_sitting_chooses(engine, mode, seed, learner, seen):
    eligibility = _eligibility(engine)
    respond = answers(engine.pool, learner)
    whole = sit(engine, mode, respond, seed=seed, eligibility=eligibility, seen=seen)
    assert whole.pretest_items, "the blueprint's pretest slots are exercised"
    answered = _deliver(engine, mode, seed, eligibility, seen, respond)
    assert [item for item, _ in answered] == whole.items
    assert finish(engine, mode, seed, eligibility, seen, answered).items == whole.items


@pytest.mark.parametrize("marks", [0.0, 1.0])
def test_all_wrong_and_all_right_learners_get_the_whole_sittings_items(engine, marks):
    eligibility = _eligibility(engine)
    whole = sit(engine, Mode.CAT, lambda item: marks, seed=6, eligibility=eligibility)
    assert [item for item, _ in _deliver(engine, Mode.CAT, 6, eligibility, [], lambda item: marks)] == whole.items


def test_lazily_drawn_eligibility_still_matches(engine):
    control = ExposureControl(0.5, (0.0,), np.full((2, engine.pool.size), 0.5))
    respond = answers(engine.pool, 4)
    whole = sit(engine, Mode.CAT, respond, seed=9, eligibility=control.sitting(np.random.default_rng(2)))
    answered = _deliver(engine, Mode.CAT, 9, control.sitting(np.random.default_rng(2)), [], respond)
    assert [item for item, _ in answered] == whole.items


def test_a_next_item_request_solves_one_shadow_test(engine, monkeypatch):
    import exam_engine.assembly.engine as engine_module
    eligibility = _eligibility(engine)
    respond = answers(engine.pool, 3)
    whole = sit(engine, Mode.CAT, respond, seed=8, eligibility=eligibility)
    calls = []
    solve = engine_module.maximise
    monkeypatch.setattr(engine_module, "maximise", lambda *args: calls.append(1) or solve(*args))
    for k, step in enumerate(whole.steps):
        calls.clear()
        answered = [(s.item, s.score) for s in whole.steps[:k]]
        assert next_item(engine, Mode.CAT, 8, eligibility, [], answered) == step.item
        assert len(calls) == (0 if step.pretest else 1)
    assert next_item(engine, Mode.CAT, 8, eligibility, [], [(s.item, s.score) for s in whole.steps]) is None


def test_answers_that_do_not_fit_the_sitting_are_refused(engine):
    eligibility = _eligibility(engine)
    whole = sit(engine, Mode.CAT, answers(engine.pool, 1), seed=8, eligibility=eligibility, seen=["I001"])
    first = whole.items[0]
    with pytest.raises(AnswersDoNotMatch):  # an item the learner saw in an earlier sitting
        next_item(engine, Mode.CAT, 8, eligibility, ["I001"], [("I001", 1.0)])
    with pytest.raises(AnswersDoNotMatch):  # not in the bank
        next_item(engine, Mode.CAT, 8, eligibility, [], [("X999", 1.0)])
    with pytest.raises(AnswersDoNotMatch):  # the same item twice
        next_item(engine, Mode.CAT, 8, eligibility, [], [(first, 1.0), (first, 1.0)])
    pretest = whole.pretest_items[0]
    with pytest.raises(AnswersDoNotMatch):  # a pretest item before its slot
        next_item(engine, Mode.CAT, 8, eligibility, ["I001"], [(pretest, 1.0)])
    other = next(item for item in engine.pool.ids if item not in whole.items and item != "I001")
    with pytest.raises(AnswersDoNotMatch):  # the whole run checks every choice at the end
        finish(engine, Mode.CAT, 8, eligibility, ["I001"],
               [(other, 1.0)] + [(s.item, s.score) for s in whole.steps[1:]])
    with pytest.raises(AnswersDoNotMatch, match="not complete"):
        finish(engine, Mode.CAT, 8, eligibility, [], [(first, 1.0)])


@pytest.mark.parametrize("mode", [Mode.FIXED, Mode.LOFT])
def test_linear_tests_are_known_whole_at_the_start(engine, mode):
    eligibility = _eligibility(engine)
    items = linear_items(engine, mode, 4, eligibility)
    whole = sit(engine, mode, answers(engine.pool, 1), seed=4, eligibility=eligibility)
    assert items == whole.items


def test_only_linear_tests_allow_review():
    assert Mode.FIXED.allows_review and Mode.LOFT.allows_review and not Mode.CAT.allows_review
