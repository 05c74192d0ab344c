"""Importing specifications into the taxonomy, re-importing, new editions, and the export."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exam_engine.cli import cli
from exam_engine.core.extensions import db
from item_bank.taxonomy.models import AmplificationPoint, AssessmentCriterion, Qualification, Unit, UnitVersion
from item_bank.taxonomy.specification import DATA_DIR

from .specification_counts import GQA, PEARSON

PEARSON_NUMBER = "Pearson BTEC Level 3 Diploma in Customer Service"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def row_counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Qualification, Unit, UnitVersion, AssessmentCriterion, AmplificationPoint)}


def test_import_all_five_then_again_changes_nothing(run):
    first = run("import-spec", str(DATA_DIR))
    assert first.exit_code == 0, first.output
    assert "units 45, learning outcomes 130, assessment criteria 617, amplification points 708" in first.output
    assert len(first.output.splitlines()) < 80 and "run with --verbose to list them" in first.output
    counts = row_counts()
    assert counts["Qualification"] == 5
    again = run("import-spec", "--verbose", str(DATA_DIR))
    assert "corrected 001_104cb6e23c3ebe91.txt T/506/2952 ac 1.1 text (line 1757)" in again.output
    assert again.output.count("nothing changed") == 5
    assert row_counts() == counts
    # D/506/2119 is shared by Highfield, Pearson and BIIAB: one unit, one version per document
    unit = db.session.scalar(select(Unit).where(Unit.reference == "D/506/2119"))
    assert len(unit.versions) == 3


def test_dry_run_stores_nothing(run):
    result = run("import-spec", "--dry-run", str(DATA_DIR / GQA))
    assert result.exit_code == 0 and "would be stored" in result.output
    assert row_counts()["Qualification"] == 0


def test_a_file_that_is_not_a_specification_is_refused_and_nothing_written(run, tmp_path: Path):
    notes = tmp_path / "minutes.txt"
    notes.write_text("Minutes of the standardisation meeting\n1.1 Apologies\n", encoding="utf-8")
    result = run("import-spec", str(notes))
    assert result.exit_code == 1
    assert "minutes.txt: not a qualification specification" in result.output
    assert "nothing was imported" in result.output
    assert row_counts()["Qualification"] == 0


def test_a_later_edition_that_changes_an_ac_creates_a_new_unit_version(run, tmp_path: Path):
    run("import-spec", str(DATA_DIR / PEARSON))
    original = db.session.scalar(select(UnitVersion).join(Unit).where(Unit.reference == "Y/506/2152"))
    criterion_ids = [ac.id for lo in original.learning_outcomes for ac in lo.criteria]
    edition = tmp_path / PEARSON
    text = (DATA_DIR / PEARSON).read_text(encoding="utf-8")
    edition.write_text(text.replace("1.3\tDescribe techniques used to identify service failures",
                                    "1.3\tDescribe techniques used to identify and record service failures"),
                       encoding="utf-8")
    result = run("import-spec", str(edition))
    assert "units: 0 created, 1 new versions, 44 unchanged" in result.output
    assert "new version of Y/506/2152 (v2): AC 1.3 text" in result.output
    db.session.expire_all()
    versions = db.session.scalars(select(UnitVersion).join(Unit).where(Unit.reference == "Y/506/2152")
                                  .order_by(UnitVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].superseded_at is not None and versions[1].superseded_at is None
    kept = [ac.id for lo in versions[0].learning_outcomes for ac in lo.criteria]
    assert kept == criterion_ids  # the criteria items are tagged to are kept, not rewritten
    assert versions[0].learning_outcomes[0].criteria[2].text == "Describe techniques used to identify service failures"


def test_export_taxonomy_json(run):
    run("import-spec", str(DATA_DIR / PEARSON))
    result = run("export-taxonomy", "--qualification", PEARSON_NUMBER, "--format", "json")
    document = json.loads(result.output)
    assert document["qualification"] == {"number": PEARSON_NUMBER, "title": PEARSON_NUMBER, "awarding_body": "Pearson"}
    units = {unit["reference"]: unit for unit in document["units"]}
    assert len(units) == 45
    unit = units["Y/506/2152"]
    assert {key: unit[key] for key in ("title", "level", "credit", "glh", "type", "onscreen_test")} == {
        "title": "Understand the Customer Service Environment", "level": 3, "credit": 5, "glh": 40,
        "type": "knowledge", "onscreen_test": {"minutes": 45, "marks": 30}}
    criterion = unit["learning_outcomes"][0]["criteria"][1]
    assert criterion["number"] == "1.2"
    assert criterion["amplification"][1]["id"] == "AC1.2/2"
    assert criterion["amplification"][1]["children"][0] == {
        "id": "AC1.2/2/1", "text": "identify the key journey steps in a sequential order", "children": []}
    assert units["L/506/2150"]["onscreen_test"] is None


def test_export_of_an_unknown_qualification_says_which_exist(app):
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["export-taxonomy", "--qualification", "999/9999/9"])
    assert result.exit_code == 1 and "no qualification '999/9999/9'" in result.output
