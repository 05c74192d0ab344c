"""Default blueprints for knowledge units, generated from the taxonomy."""

from pathlib import Path

import pytest

from blueprints.defaults import default_blueprint
from blueprints.files import consistency_problems, load_all
from exam_engine.cli import cli


def test_a_default_blueprint_covers_every_outcome_and_is_consistent():
    outcomes = [("1", ["1.1", "1.2", "1.3", "1.4"]), ("2", ["2.1", "2.2", "2.3", "2.4", "2.5"]), ("3", ["3.1"])]
    blueprint = default_blueprint("F/506/2131", "Understand customers", outcomes)
    assert blueprint.total_marks == 20 and blueprint.minutes == 30  # 1.5 marks a criterion, at least 20
    assert [rule.criteria for rule in blueprint.outcomes] == [tuple(acs) for _, acs in outcomes]
    assert all(rule.min_marks >= 1 for rule in blueprint.outcomes)
    assert consistency_problems(blueprint) == []
    stated = default_blueprint("Y/506/2152", "Unit 2", outcomes, minutes=45, marks=30)
    assert (stated.minutes, stated.total_marks) == (45, 30)


def test_a_unit_without_criteria_has_no_default():
    with pytest.raises(ValueError, match="no assessment criteria"):
        default_blueprint("F/506/2131", "Empty", [("1", [])])


def test_the_command_writes_defaults_only_for_units_without_a_blueprint(app, tmp_path):
    runner = app.test_cli_runner()
    imported = runner.invoke(cli, ["import-spec", "item_bank/data/specifications/000_75073d9252edddf0.txt"])
    assert imported.exit_code == 0, imported.output
    (tmp_path / "mine.yaml").write_text(
        Path("blueprints/data/unit2-Y-506-2152.yaml").read_text().replace("Y/506/2152", "F/506/2131"))
    result = runner.invoke(cli, ["blueprint-defaults", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "F/506/2131: has a blueprint, left as it is" in result.output
    written = load_all(tmp_path)
    assert "J/506/2132" in written and written["J/506/2132"].total_marks == 35
    assert all(not consistency_problems(b) for b in written.values())
