"""Blueprint files: the shipped ones load, bad ones are refused with every fault named."""

import copy

import pytest
import yaml

from blueprints.files import BLUEPRINT_FOLDER, BlueprintError, dump, load, load_all, parse
from exam_engine.assembly.blueprint import Mode

UNIT_2 = BLUEPRINT_FOLDER / "unit2-Y-506-2152.yaml"


def test_the_three_onscreen_units_ship_with_the_documented_time_and_marks():
    blueprints = load_all()
    expected = {"Y/506/2152": (45, 30, 4), "D/506/1942": (45, 30, 5), "J/506/2910": (35, 25, 3)}
    assert {unit: (blueprints[unit].minutes, blueprints[unit].total_marks, len(blueprints[unit].outcomes))
            for unit in expected} == expected
    assert len(blueprints) > 3  # defaults for the other knowledge units, generated from the taxonomy
    unit2 = blueprints["Y/506/2152"]
    assert [len(rule.criteria) for rule in unit2.outcomes] == [5, 3, 6, 2]
    assert unit2.mode is Mode.CAT and unit2.max_exposure == 0.25
    for blueprint in blueprints.values():
        assert all(rule.min_marks >= 1 for rule in blueprint.outcomes)  # every LO assessed


def test_a_blueprint_survives_dump_and_parse():
    blueprint = load(UNIT_2)
    assert parse(yaml.safe_load(dump(blueprint)), "again") == blueprint


def _problems(data) -> list[str]:
    with pytest.raises(BlueprintError) as caught:
        parse(data, "bad.yaml")
    assert str(caught.value).startswith("bad.yaml: ")
    return caught.value.problems


@pytest.fixture
def data():
    return yaml.safe_load(UNIT_2.read_text())


def test_every_fault_is_named_by_field(data):
    bad = copy.deepcopy(data)
    bad["minutes"] = "forty-five"
    bad["mode"] = "random"
    bad["colour"] = "blue"
    del bad["total_marks"]
    bad["learning_outcomes"][1]["criteria"] = ["3.1"]
    bad["item_types"][0]["type"] = "essay"
    problems = _problems(bad)
    assert "minutes: must be an integer, got 'forty-five'" in problems
    assert any(p.startswith("mode: must be one of fixed, loft, cat") for p in problems)
    assert "colour: unknown field" in problems and "total_marks: required" in problems
    assert any("learning_outcomes[1].criteria: '3.1' is not a criterion of LO2" in p for p in problems)
    assert any(p.startswith("item_types[0].type: must be one of") for p in problems)


def test_rules_that_contradict_each_other_are_refused(data):
    bad = copy.deepcopy(data)
    bad["learning_outcomes"][0]["min_marks"] = 12  # max is 11
    bad["total_marks"] = 50  # the outcomes allow at most 35
    problems = _problems(bad)
    assert "learning_outcomes[0].max_marks: must be at least min_marks (12)" in problems
    assert any(p.startswith("total_marks: 50 is outside the outcomes' range") for p in problems)


def test_a_number_of_items_the_marks_cannot_fill_is_refused(data):
    assert load(UNIT_2).test_items == 24  # the adaptive test's length is fixed, so known from its first item
    for items in (31, 200):  # more one-mark items than marks; more items than the types allow
        bad = copy.deepcopy(data)
        bad["test_items"] = items
        assert any(p.startswith(f"test_items: {items} items cannot hold 30 marks") for p in _problems(bad))


def test_an_outcome_that_may_go_unassessed_is_refused(data):
    bad = copy.deepcopy(data)
    bad["learning_outcomes"][3]["min_marks"] = 0
    assert any("every learning outcome must be assessed" in p for p in _problems(bad))


def test_a_test_that_cannot_fit_its_time_is_refused(data):
    bad = copy.deepcopy(data)
    bad["minutes"] = 20  # 30 marks at 60 s each and two pretest slots need 34 minutes
    assert any(p.startswith("minutes: 20 cannot hold 30 marks") for p in _problems(bad))


def test_an_unreadable_file_is_reported(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("unit: [unclosed\n")
    with pytest.raises(BlueprintError, match="broken.yaml: cannot read"):
        load(path)
