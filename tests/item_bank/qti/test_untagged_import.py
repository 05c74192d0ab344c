"""Another bank's package, with none of our tags: its items import into the unit chosen at import as
untagged drafts, wait in the unit's tagging queue, cannot go to review until a writer tags them,
and a later import of the same items changes their content only, never the writer's tags."""

import zipfile
from io import BytesIO

import pytest
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from item_bank.items.models import Item, ItemStatus
from item_bank.qti.safety import read_zip
from item_bank.qti.services import ImportReport, export_package, import_package, summary
from item_bank.qti.versions import QTI_30
from item_bank.workbench.services.authoring import edit_item, entry_from_form
from item_bank.workbench.services.review import ReviewError, move_item
from tests.conftest import TEST_PASSWORD
from tests.helpers import item_form, sign_in
from tests.item_bank.qti.conftest import UNIT
from tests.item_bank.qti.test_foreign_items import item

QUEUED = "untagged: in the unit's tagging queue"
FOREIGN = [item("item_00017", 4, "B", stem="Which value keeps guests coming back?"), item("Q-1.2", 3, "C")]


def untagged_package(items: list[str]) -> bytes:
    """A 2.2 package as another bank writes it: a manifest listing the items, with no metadata of ours."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n, xml in enumerate(items):
            archive.writestr(f"items/{n}.xml", xml)
        resources = "".join(f'<resource identifier="R{n}" type="imsqti_item_xmlv2p2" href="items/{n}.xml">'
                            f'<file href="items/{n}.xml"/></resource>' for n in range(len(items)))
        archive.writestr("imsmanifest.xml", '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
                         f'identifier="M"><organizations/><resources>{resources}</resources></manifest>')
    return out.getvalue()


def imported(unit: str | None = UNIT) -> ImportReport:
    return import_package(read_zip(untagged_package(FOREIGN), "other-bank.zip"), unit, "importer")


def test_untagged_items_import_as_drafts_into_the_unit_chosen(app):
    report = imported()
    assert report.written and report.untagged == 2
    assert report.accepted == [
        ("item_00017", f"not a bank code: new item, draft as Y5062152-IMP001; {QUEUED}"),
        ("Q-1.2", f"not a bank code: new item, draft as Y5062152-IMP002; {QUEUED}")]
    assert summary(report) == ("other-bank.zip: 2 item(s) imported. 2 came without exam-engine metadata: untagged "
                               "drafts for the unit's tagging queue.")
    items = db.session.scalars(select(Item).order_by(Item.code)).all()
    assert [(i.unit_reference, i.source_id, i.latest.status, i.latest.untagged) for i in items] == [
        (UNIT, "item_00017", ItemStatus.DRAFT, True), (UNIT, "Q-1.2", ItemStatus.DRAFT, True)]


def test_without_a_unit_nothing_is_written_and_the_reason_names_the_missing_metadata(app):
    report = imported(unit=None)
    assert not report.written and db.session.scalars(select(Item)).all() == []
    assert {r.reason for r in report.rejected} == {
        "has no exam-engine metadata (no unit, criteria or other tags): choose the unit to import it into as an "
        "untagged draft (--unit, or the unit on the import page)"}


def test_a_writer_tags_a_queued_item_before_review_and_a_reimport_keeps_the_tags(app, client, taxonomy, make_user):
    imported()
    writer = make_user(Role.ITEM_WRITER, "importer")
    queued = db.session.scalar(select(Item).where(Item.code == "Y5062152-IMP001"))
    with pytest.raises(ReviewError, match="has no criteria or amplification yet: tag it"):
        move_item(queued.latest.id, "submit", writer, None)

    sign_in(client, writer.username, TEST_PASSWORD)
    queue = client.get("/workbench/units/Y-506-2152/tagging").get_data(as_text=True)
    assert "2 untagged items, oldest import first" in queue and f"/workbench/items/{queued.id}/edit" in queue
    assert "Tagging queue: 2 imported items without tags" in client.get(
        "/workbench/units/Y-506-2152/items").get_data(as_text=True)

    options = {f"option_{o['id']}": o["text"] for o in queued.latest.options}
    form = item_form(stem=queued.latest.stem, key="B", **options)
    version = edit_item(queued.id, entry_from_form(form, writer.username), writer)
    db.session.commit()
    assert (version.number, version.untagged, version.criteria) == (1, False, ["AC1.1"])  # tagged in place
    move_item(version.id, "submit", writer, None)
    db.session.commit()

    again = imported()
    assert dict(again.accepted)["item_00017"] == ("imported before as Y5062152-IMP001: same as the bank, stays in "
                                                  "review; the bank's tags kept")
    assert dict(again.accepted)["Q-1.2"] == ("imported before as Y5062152-IMP002: same as the bank, stays draft; "
                                             f"{QUEUED}")
    db.session.expire_all()
    assert queued.latest.criteria == ["AC1.1"] and len(queued.versions) == 1
    assert "1 untagged item, oldest import first" in client.get(
        "/workbench/units/Y-506-2152/tagging").get_data(as_text=True)


def test_untagged_drafts_export_and_come_back_untagged(app):
    imported()
    package = export_package(UNIT, QTI_30)
    assert package.exported == ["Y5062152-IMP001", "Y5062152-IMP002"]
    again = import_package(read_zip(package.data, "ours.zip"), None, "importer")
    assert again.rejected == [] and [outcome for _, outcome in again.accepted] == [
        f"same as the bank, stays draft; {QUEUED}"] * 2
