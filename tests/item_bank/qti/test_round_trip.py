"""A QTI export of a real unit re-imports to the same items, in 2.2 and in 3.0."""

import re

import pytest
from sqlalchemy import select

from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from item_bank.items.models import Item, ItemStatus
from item_bank.items.scoring import ItemType
from item_bank.qti.safety import read_zip
from item_bank.qti.services import import_package
from tests.item_bank.qti.conftest import FIRST, SECOND, UNIT, load_unit, read_entry, rezip, unit_files


@pytest.mark.parametrize("version", ["2.2", "3.0"])
def test_export_reimports_to_the_same_items(app, exported, version):
    items, scenario_specs = unit_files()
    scenarios = {scenario.id: scenario for scenario in scenario_specs}
    specs = {spec.id: spec for spec in items}
    assert len(specs) > 50 and {spec.type for spec in specs.values()} == set(ItemType)  # each item type

    report = import_package(read_zip(exported[version], "unit.zip"), None, "importer")

    assert report.rejected == [] and report.written
    imported = {item.code: item.latest for item in db.session.scalars(select(Item))}
    assert set(imported) == set(specs)
    for code, spec in specs.items():
        version_row = imported[code]
        assert version_row.stem == spec.stem
        assert version_row.options == [{"id": o.id, "text": o.text} for o in spec.options]
        assert version_row.premises == [{"id": p.id, "text": p.text} for p in spec.premises]
        assert version_row.key == (spec.key if isinstance(spec.key, str) else list(spec.key))
        assert (version_row.type, version_row.marks) == (spec.type, spec.marks)
        assert version_row.item.unit_reference == UNIT
        assert version_row.criteria == list(spec.criteria)
        assert version_row.amplification == list(spec.amplification)
        assert version_row.difficulty_rating == spec.difficulty_rating
        assert version_row.enemy_set == spec.enemy_set
        assert version_row.rationale == spec.rationale
        assert version_row.writer == "importer"  # who imported it: a package's own claim of writer is not taken
        if spec.scenario is None:
            assert version_row.scenario is None
        else:
            source = scenarios[spec.scenario]
            assert (version_row.scenario.code, version_row.scenario.title, version_row.scenario.text) == (
                source.id, source.title, source.text)
        assert version_row.status is ItemStatus.DRAFT  # new to this bank: it needs review here


def test_tags_are_read_from_the_lom_record_and_from_where_earlier_3_0_exports_put_them(app, exported):
    """A 3.0 package carries our tags in each resource's LOM record, where the 3.0 package schema
    admits them; packages exported before had them directly in the resource's metadata."""
    items = unit_files()[0]
    manifest = read_entry(exported["3.0"], "imsmanifest.xml")
    assert manifest.count(b"<lom:lom>") == manifest.count(b"<ee:item ") == len(items)
    earlier = re.sub(rb"\s*</?lom:lom>", b"", manifest)

    report = import_package(read_zip(rezip(exported["3.0"], {"imsmanifest.xml": earlier}), "x.zip"), None, "me")

    assert report.rejected == [] and report.written
    assert {item.code: (item.unit_reference, item.latest.criteria, item.latest.amplification,
                        item.latest.difficulty_rating, item.latest.enemy_set, item.latest.rationale)
            for item in db.session.scalars(select(Item))} == {
        spec.id: (spec.unit, list(spec.criteria), list(spec.amplification), spec.difficulty_rating, spec.enemy_set,
                  spec.rationale) for spec in items}


def test_items_already_in_the_bank_keep_their_status_and_changed_ones_become_drafts(app, exported):
    load_unit()
    package = exported["3.0"]
    original = read_entry(package, f"items/{FIRST}.xml")
    word = original.index(b"<qti-prompt>") + len(b"<qti-prompt>")  # a one-paragraph stem is the prompt
    changed = original[:word] + b"Changed: " + original[word:]
    report = import_package(read_zip(rezip(package, {f"items/{FIRST}.xml": changed}), "unit.zip"), None, "me")

    assert report.written and report.rejected == []
    outcomes = dict(report.accepted)
    assert outcomes[FIRST] == "changed (content): new draft version 2; version 1 stays live"
    item = db.session.scalar(select(Item).where(Item.code == FIRST))
    assert [v.status for v in item.versions] == [ItemStatus.LIVE, ItemStatus.DRAFT]  # live until the draft is promoted
    assert item.latest.stem.startswith("Changed: ")
    untouched = db.session.scalar(select(Item).where(Item.code == SECOND))
    assert len(untouched.versions) == 1 and untouched.latest.status is ItemStatus.LIVE
    assert untouched.latest.review is not None  # the recorded review is not lost


def test_dry_run_reports_and_writes_nothing(app, exported):
    with unit_of_work(keep=False):
        report = import_package(read_zip(exported["2.2"], "unit.zip"), None, "me")
    assert report.accepted and report.load.created == len(report.accepted)
    assert db.session.scalar(select(Item)) is None
