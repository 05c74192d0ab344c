"""Import rules beyond the round trip: packaging variants, scenarios, tag corrections, units."""

import zipfile
from io import BytesIO

from sqlalchemy import select

from exam_engine.core.extensions import db
from item_bank.items.models import Item, ItemStatus, ItemVersion
from item_bank.items.scoring import ItemType
from item_bank.qti.safety import read_zip
from item_bank.qti.services import import_package
from item_bank.taxonomy.services import import_specification
from item_bank.taxonomy.specification import DATA_DIR, parse_specification
from tests.item_bank.qti.conftest import (
    FIRST,
    SECOND,
    UNIT,
    bank_items_of,
    load_unit,
    next_code,
    read_entry,
    rezip,
    row_counts,
)
from tests.item_bank.specification_counts import PEARSON


def nested(package: bytes, folder: str) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(f"{folder}/{name}", source.read(name))
    return out.getvalue()


def test_a_package_inside_a_top_folder_imports(app, exported):
    report = import_package(read_zip(nested(exported["3.0"], "unit-2"), "nested.zip"), None, "me")
    assert report.rejected == [] and report.written and len(report.accepted) > 50


def test_a_scenario_differing_from_the_banks_rejects_its_items(app, exported):
    load_unit()
    manifest = read_entry(exported["2.2"], "imsmanifest.xml")
    in_service = [item for item in db.session.scalars(select(Item)) if item.latest.status is not ItemStatus.RETIRED]
    scenario = next(item.latest.scenario for item in in_service if item.latest.scenario is not None)  # exported
    users = [item.code for item in in_service if item.latest.scenario == scenario]
    changed = manifest.replace(scenario.text.encode(), b"A quite different story.")
    assert changed != manifest and users
    before = row_counts()
    report = import_package(read_zip(rezip(exported["2.2"], {"imsmanifest.xml": changed}), "x.zip"), None, "me")
    assert not report.written and row_counts() == before
    assert {r.file for r in report.rejected} == {f"items/{code}.xml" for code in users if code.startswith("U2")}
    assert all(f"scenario {scenario.code} differs from the bank's" in r.reason for r in report.rejected)
    db.session.refresh(scenario)
    assert scenario.text != "A quite different story."


def test_a_tag_correction_to_a_live_item_becomes_a_draft_version_for_review(app, exported):
    """Re-importing a package whose content is unchanged but whose tags differ never rewrites the live
    version in place (the enemy sets, tags and rationale that assembly and reviewers rely on)."""
    load_unit()
    first = bank_items_of(ItemType.SINGLE_BEST_ANSWER)[0]
    rating = first.difficulty_rating
    other = "hard" if rating == "medium" else "medium"
    record = f'id="{first.id}" unit="{UNIT}" criterion="{first.criterion}" difficulty="{{}}"'
    manifest = read_entry(exported["2.2"], "imsmanifest.xml").replace(
        record.format(rating).encode(), record.format(other).encode())
    report = import_package(read_zip(rezip(exported["2.2"], {"imsmanifest.xml": manifest}), "x.zip"), None, "me")
    outcomes = dict(report.accepted)
    assert outcomes[FIRST] == "changed (difficulty_rating): new draft version 2; version 1 stays live"
    assert outcomes[SECOND] == "same as the bank, stays live"
    item = db.session.scalar(select(Item).where(Item.code == FIRST))
    live, draft = item.versions
    assert (live.status, live.difficulty_rating) == (ItemStatus.LIVE, rating)
    assert (draft.status, draft.difficulty_rating, draft.writer) == (ItemStatus.DRAFT, other, "me")
    assert draft.review is None and draft.status_changes[0].changed_by == "me"


def test_a_package_naming_another_writer_and_a_reviewer_changes_no_live_item(app, exported):
    load_unit()
    manifest = read_entry(exported["2.2"], "imsmanifest.xml").replace(
        b'writer="', b'writer="a-reviewer" x-was="', 1)
    before = {v.id: (v.writer, v.review) for v in db.session.scalars(select(ItemVersion))}
    report = import_package(read_zip(rezip(exported["2.2"], {"imsmanifest.xml": manifest}), "x.zip"), None, "me")
    assert report.written and report.load.new_versions == 0 and report.load.updated == 0
    assert {v.id: (v.writer, v.review) for v in db.session.scalars(select(ItemVersion))} == before


def test_an_item_whose_code_another_units_item_has_gets_the_units_next_code(app, exported):
    """The next code of the unit and criterion (one above the highest in use), keeping the code it came
    with as its source id; importing the package again finds it by that source id."""
    load_unit()
    code = next_code(SECOND.split("-")[1])
    db.session.scalar(select(Item).where(Item.code == SECOND)).unit_reference = "D/506/1942"
    db.session.flush()
    report = import_package(read_zip(exported["2.2"], "x.zip"), None, "me")
    assert dict(report.accepted)[SECOND] == f"code taken by another unit's item: new item, draft as {code}"
    item = db.session.scalar(select(Item).where(Item.code == code))
    assert (item.unit_reference, item.source_id) == (UNIT, SECOND)
    again = import_package(read_zip(exported["2.2"], "x.zip"), None, "me")
    assert dict(again.accepted)[SECOND] == f"imported before as {code}: same as the bank, stays draft"


def test_the_unit_given_must_agree_with_the_metadata(app, exported):
    report = import_package(read_zip(exported["3.0"], "x.zip"), "D/506/1942", "me")
    assert not report.written and row_counts() == (0, 0, 0, 0)
    assert "belongs to unit Y/506/2152, not D/506/1942" in report.rejected[0].reason


def test_tags_the_imported_taxonomy_lacks_reject_the_package(app, exported):
    import_specification(parse_specification(DATA_DIR / PEARSON))
    manifest = read_entry(exported["3.0"], "imsmanifest.xml")
    start = manifest.index(f'id="{FIRST}"'.encode())
    tag = manifest.index(b"<ee:amplification>", start)
    end = manifest.index(b"</ee:amplification>", tag)
    criterion = FIRST.split("-")[1]
    manifest = manifest[:tag] + f"<ee:amplification>{criterion}/9".encode() + manifest[end:]
    before = row_counts()
    report = import_package(read_zip(rezip(exported["3.0"], {"imsmanifest.xml": manifest}), "x.zip"), None, "me")
    assert not report.written and row_counts() == before
    assert [str(r) for r in report.rejected] == [
        f"items/{FIRST}.xml: item {FIRST}, field 'amplification': {criterion}/9 is not in unit Y/506/2152 as imported"]
    assert FIRST not in dict(report.accepted) and SECOND in dict(report.accepted)


def test_an_order_interaction_ordering_only_some_options_is_rejected(app, exported):
    ordering = bank_items_of(ItemType.ORDERING)[0]
    name = f"items/{ordering.id}.xml"
    item = read_entry(exported["3.0"], name).replace(
        b'<qti-order-interaction response-identifier="RESPONSE"',
        b'<qti-order-interaction max-choices="2" response-identifier="RESPONSE"')
    report = import_package(read_zip(rezip(exported["3.0"], {name: item}), "x.zip"), None, "me")
    assert not report.written and row_counts() == (0, 0, 0, 0)
    assert [(r.file, r.reason.split(" is none of ")[0]) for r in report.rejected] == [
        (name, f"qti-order-interaction with cardinality 'ordered', max-choices 2 and {len(ordering.key)} correct "
               "response(s)")]
