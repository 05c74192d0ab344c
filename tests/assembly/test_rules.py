"""Every assembled test in every mode meets every rule, checked independently of the solver."""


import numpy as np
import pytest

from exam_engine.assembly.blueprint import Mode
from exam_engine.assembly.check import breaches
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.exposure import Eligibility
from exam_engine.assembly.simulator import simulate
from exam_engine.assembly.sitting import sit
from exam_engine.assembly.solver import maximise
from tests.assembly.banks import answers, random_pool, small_blueprint


@pytest.fixture(scope="module")
def engine():
    return Engine(small_blueprint(), random_pool(120, seed=1, enemy_every=3), random_pool(10, seed=2, prefix="P"))


@pytest.fixture(scope="module")
def simulations(engine):
    return {mode: simulate(engine, mode, examinees=12, seed=5) for mode in (Mode.FIXED, Mode.LOFT, Mode.CAT)}


@pytest.mark.parametrize("mode", [Mode.FIXED, Mode.LOFT, Mode.CAT])
def test_every_test_meets_every_rule(engine, simulations, mode):
    result = simulations[mode]
    for record in result.records:
        assert breaches(engine.blueprint, engine.pool, record.scored_items, record.pretest_items, engine.pretest) == []
    assert result.metrics["violations"] == 0
    assert result.metrics["test_length_mean"] > 0


@pytest.mark.parametrize("mode", [Mode.FIXED, Mode.LOFT, Mode.CAT])
def test_enemies_never_meet(engine, simulations, mode):
    labels = {item: engine.pool.enemies[i] for i, item in enumerate(engine.pool.ids)}
    labels |= {item: engine.pretest.enemies[i] for i, item in enumerate(engine.pretest.ids)}
    assert any(labels.values())
    for record in simulations[mode].records:
        used = [label for item in record.items for label in labels[item]]
        assert len(used) == len(set(used)), record.items


@pytest.mark.parametrize("mode", [Mode.FIXED, Mode.LOFT, Mode.CAT])
def test_pretest_items_fill_their_slots_and_are_not_scored(engine, simulations, mode):
    for record in simulations[mode].records:
        assert len(record.pretest_items) == engine.blueprint.pretest_slots
        assert set(record.pretest_items) <= set(engine.pretest.ids)
        scored_marks = sum(int(engine.pool.marks[engine.pool.index()[i]]) for i in record.scored_items)
        assert scored_marks == engine.blueprint.total_marks
        assert record.steps[0].pretest is False  # never opens a test


def test_the_independent_check_finds_breaches(engine):
    pool, blueprint = engine.pool, engine.blueprint
    good = simulate(engine, Mode.CAT, examinees=1, seed=9).records[0].scored_items
    assert breaches(blueprint, pool, good) == []
    same_ac = [item for item in pool.ids if pool.criteria[pool.index()[item]] == "1.1"][:3]
    problems = breaches(blueprint, pool, same_ac)
    assert any("total marks" in p for p in problems)
    assert any("AC1.1 has 3 items" in p for p in problems)
    assert any("LO2 has 0 marks" in p for p in problems)
    enemies = [item for item in pool.ids if pool.enemies[pool.index()[item]] == frozenset({"IE0"})]
    assert any("enemies together" in p for p in breaches(blueprint, pool, enemies))


def test_maximum_information_yardstick_ignores_the_rules(engine):
    result = simulate(engine, Mode.MAXINFO, examinees=8, seed=3)
    assert result.metrics["violations"] > 0
    assert all(sum(int(engine.pool.marks[engine.pool.index()[i]]) for i in r.scored_items) == 12
               for r in result.records)


def test_pruning_keeps_the_optimum(engine):
    """The exact pruning of variables finds the same best test as the full model."""
    layout, pool = engine.layout, engine.pool
    for theta in (-1.5, 0.2, 1.7):
        info = pool.information(theta)[0]
        given = np.array([0, 7], np.int64)
        pruned = engine.shadow_test(layout.usable, given, info)
        every = np.flatnonzero(layout.usable)
        full = maximise(layout.model(every, given), info[every])
        assert layout.candidates(layout.usable, given, info).size < every.size
        assert info[pruned.items].sum() == pytest.approx(info[full.items].sum(), rel=1e-4)
        assert set(given) <= set(pruned.items)


def test_shadow_tests_contain_the_items_given_and_the_next_item_is_from_it(engine):
    record = sit(engine, Mode.CAT, answers(engine.pool, 4), seed=11,
                 eligibility=Eligibility.everything(engine.pool.size))
    given = []
    for step in record.steps:
        if step.pretest:
            continue
        assert set(given) <= set(step.shadow_test)
        assert step.item in step.shadow_test and step.item not in given
        given.append(step.item)


def test_fixed_forms_are_disjoint_and_enough_for_the_exposure_target(engine):
    forms = engine.fixed_forms
    assert len(forms) == 3  # ceil(1 / 0.5) + 1
    items = np.concatenate(forms)
    assert items.size == np.unique(items).size


def test_linear_on_the_fly_tests_differ_between_learners(simulations):
    tests = {tuple(sorted(r.scored_items)) for r in simulations[Mode.LOFT].records}
    assert len(tests) > 1


def test_no_free_item_left_means_only_the_items_given(engine):
    layout = engine.layout
    nothing = np.zeros(engine.pool.size, bool)
    given = np.array([3, 9], np.int64)
    assert layout.candidates(nothing, given, np.ones(engine.pool.size)).tolist() == [3, 9]



def test_a_fixed_number_of_items_holds_in_every_sitting_and_is_checked():
    pool = random_pool(120, seed=5)
    given = {}
    for items in (10, 12):  # 12 marks: two two-mark items and eight one-mark, or twelve one-mark
        engine = Engine(small_blueprint(test_items=items), pool)
        for seed in range(3):
            record = sit(engine, Mode.CAT, answers(pool, seed), seed, Eligibility.everything(pool.size))
            assert len(record.scored_items) == items
            assert breaches(engine.blueprint, pool, record.scored_items, record.pretest_items, pool) == []
        given[items] = record.scored_items
    assert "12 scored items, blueprint sets 10" in breaches(small_blueprint(test_items=10), pool, given[12])
