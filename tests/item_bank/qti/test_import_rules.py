"""Import rules beyond the round trip: packaging variants, scenarios, tag corrections, units."""

import zipfile
from io import BytesIO

from sqlalchemy import select

from exam_engine.core.extensions import db
from item_bank.items.models import Item, Scenario
from item_bank.qti.safety import read_zip
from item_bank.qti.services import import_package
from item_bank.taxonomy.services import import_specification
from item_bank.taxonomy.specification import DATA_DIR, parse_specification
from tests.item_bank.qti.conftest import UNIT, load_unit, read_entry, rezip, row_counts
from tests.item_bank.specification_counts import PEARSON


def nested(package: bytes, folder: str) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(f"{folder}/{name}", source.read(name))
    return out.getvalue()


def test_a_package_inside_a_top_folder_imports(app, exported):
    report = import_package(read_zip(nested(exported["3.0"], "unit-2"), "nested.zip"), None, "me")
    assert report.rejected == [] and report.written and len(report.accepted) > 100


def test_a_scenario_differing_from_the_banks_rejects_its_items(app, exported):
    load_unit()
    manifest = read_entry(exported["2.2"], "imsmanifest.xml")
    scenario = db.session.scalar(select(Scenario).where(Scenario.unit_reference == UNIT))
    users = [item.code for item in db.session.scalars(select(Item)) if item.latest.scenario == scenario]
    changed = manifest.replace(scenario.text.encode(), b"A quite different story.")
    assert changed != manifest and users
    before = row_counts()
    report = import_package(read_zip(rezip(exported["2.2"], {"imsmanifest.xml": changed}), "x.zip"), None, "me")
    assert not report.written and row_counts() == before
    assert {r.file for r in report.rejected} == {f"items/{code}.xml" for code in users if code.startswith("U2")}
    assert all(f"scenario {scenario.code} differs from the bank's" in r.reason for r in report.rejected)
    db.session.refresh(scenario)
    assert scenario.text != "A quite different story."


def test_tag_corrections_to_items_in_the_bank_are_reported_and_applied_in_place(app, exported):
    load_unit()
    manifest = read_entry(exported["2.2"], "imsmanifest.xml").replace(
        b'id="U2-AC1.1-01" unit="Y/506/2152" criterion="AC1.1" difficulty="easy"',
        b'id="U2-AC1.1-01" unit="Y/506/2152" criterion="AC1.1" difficulty="medium"')
    report = import_package(read_zip(rezip(exported["2.2"], {"imsmanifest.xml": manifest}), "x.zip"), None, "me")
    outcomes = dict(report.accepted)
    assert outcomes["U2-AC1.1-01"] == "same content as the bank, tags or notes corrected, stays live"
    assert outcomes["U2-AC1.1-02"] == "same content as the bank, stays live"
    item = db.session.scalar(select(Item).where(Item.code == "U2-AC1.1-01"))
    assert len(item.versions) == 1 and item.latest.difficulty_rating == "medium"


def test_the_unit_given_must_agree_with_the_metadata(app, exported):
    report = import_package(read_zip(exported["3.0"], "x.zip"), "D/506/1942", "me")
    assert not report.written and row_counts() == (0, 0, 0, 0)
    assert "belongs to unit Y/506/2152, not D/506/1942" in report.rejected[0].reason


def test_tags_the_imported_taxonomy_lacks_reject_the_package(app, exported):
    import_specification(parse_specification(DATA_DIR / PEARSON))
    manifest = read_entry(exported["3.0"], "imsmanifest.xml").replace(
        b"<ee:amplification>AC1.1/1</ee:amplification>", b"<ee:amplification>AC1.1/9</ee:amplification>", 1)
    before = row_counts()
    report = import_package(read_zip(rezip(exported["3.0"], {"imsmanifest.xml": manifest}), "x.zip"), None, "me")
    assert not report.written and row_counts() == before
    assert [str(r) for r in report.rejected] == [
        "items/U2-AC1.1-01.xml: item U2-AC1.1-01, field 'amplification': AC1.1/9 is not in unit Y/506/2152 as imported"]
    assert "U2-AC1.1-01" not in dict(report.accepted) and "U2-AC1.1-02" in dict(report.accepted)
