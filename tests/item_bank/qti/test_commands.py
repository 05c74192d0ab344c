"""`exam-engine export-qti` and `exam-engine import-qti`: files, folders, single items, reports."""

import zipfile
from io import BytesIO

import pytest
from sqlalchemy import select

from exam_engine.cli import cli
from exam_engine.core.extensions import db
from item_bank.items.models import Item
from item_bank.items.scoring import ItemType
from tests.item_bank.qti.conftest import (
    FIRST,
    SECOND,
    UNIT,
    bank_items_of,
    load_unit,
    read_entry,
    rezip,
    row_counts,
    unit_files,
)


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(cli, [str(arg) for arg in args], catch_exceptions=False)


def test_export_then_import_into_an_empty_bank(run, app, tmp_path):
    load_unit()
    out = tmp_path / "unit.zip"
    result = run("export-qti", "--unit", UNIT, "--out", out, "--version", "3.0")
    assert result.exit_code == 0, result.output
    exported = sum(name.startswith("items/") and name.endswith(".xml") for name in zipfile.ZipFile(out).namelist())
    assert f"Wrote {exported} item(s) of {UNIT} as QTI 3.0" in result.output
    assert exported == len(unit_files()[0]) and "not exported" not in result.output  # every item type
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()

    dry = run("import-qti", out, "--dry-run")
    assert dry.exit_code == 0 and "dry run, nothing was written" in dry.output and row_counts() == (0, 0, 0, 0)
    result = run("import-qti", out)
    assert result.exit_code == 0, result.output
    assert f"accepted {FIRST}: new item, draft" in result.output
    assert f"unit.zip: {exported} item(s) imported." in result.output
    assert len(db.session.scalars(select(Item)).all()) == exported


def test_export_of_an_unknown_unit_fails_clearly(run, tmp_path):
    result = run("export-qti", "--unit", "Z/999/9999", "--out", tmp_path / "x.zip")
    assert result.exit_code == 1 and "no exportable items for unit 'Z/999/9999'" in result.output
    assert not (tmp_path / "x.zip").exists()


def test_import_of_a_folder_reports_rejected_files_and_writes_nothing(run, app, exported, tmp_path):
    with zipfile.ZipFile(BytesIO(exported["2.2"])) as archive:
        archive.extractall(tmp_path / "package")
    item = tmp_path / "package" / "items" / f"{SECOND}.xml"
    item.write_bytes(item.read_bytes().replace(b"choiceInteraction", b"hotspotInteraction"))
    result = run("import-qti", tmp_path / "package")
    assert result.exit_code == 1
    assert f"REJECTED items/{SECOND}.xml: uses hotspotInteraction, which we do not import" in result.output
    assert f"accepted {FIRST}: new item, draft" in result.output
    assert "rejected; 1 problem(s), so nothing was written" in result.output
    assert row_counts() == (0, 0, 0, 0)


def test_import_of_a_hostile_zip_is_refused(run, app, exported, tmp_path):
    path = tmp_path / "slip.zip"
    path.write_bytes(rezip(exported["2.2"], add={"../outside.xml": b"<x/>"}))
    result = run("import-qti", path)
    assert result.exit_code == 1
    assert "refused: slip.zip: entry '../outside.xml' climbs out of the package" in result.output
    assert "nothing was written" in result.output and row_counts() == (0, 0, 0, 0)
    assert not (tmp_path.parent / "outside.xml").exists()


def test_a_single_item_file_without_the_manifest_imports_untagged_into_the_unit_given(run, app, exported, tmp_path):
    path = tmp_path / f"{FIRST}.xml"
    path.write_bytes(read_entry(exported["3.0"], f"items/{FIRST}.xml"))
    result = run("import-qti", path)
    assert result.exit_code == 1
    assert (f"REJECTED {FIRST}.xml: has no exam-engine metadata (no unit, criteria or other tags): choose the "
            "unit to import it into as an untagged draft (--unit, or the unit on the import page)") in result.output
    assert row_counts() == (0, 0, 0, 0)
    result = run("import-qti", path, "--unit", UNIT)
    assert result.exit_code == 0, result.output
    assert (f"{FIRST}.xml: 1 item(s) imported. 1 came without exam-engine metadata: untagged drafts for the "
            "unit's tagging queue.") in result.output
    version = db.session.scalar(select(Item)).latest
    assert (version.untagged, version.status.value, version.rationale) == (True, "draft", {})


def test_a_single_item_file_of_an_extracted_package_takes_its_tags_from_the_manifest(run, app, exported, tmp_path):
    with zipfile.ZipFile(BytesIO(exported["3.0"])) as archive:
        archive.extractall(tmp_path)
    chosen = bank_items_of(ItemType.MULTIPLE_RESPONSE)[0]
    result = run("import-qti", tmp_path / "items" / f"{chosen.id}.xml")
    assert result.exit_code == 0, result.output
    assert f"{chosen.id}.xml: 1 item(s) imported." in result.output
    [item] = db.session.scalars(select(Item)).all()
    assert item.code == chosen.id and item.latest.criteria == list(chosen.criteria)
    assert item.latest.select == len(chosen.key)
