"""Item writers and reviewers browse qualification -> unit -> LO -> AC -> amplification."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from item_bank.taxonomy.models import Qualification, Unit, UnitVersion
from item_bank.taxonomy.services import import_specification
from item_bank.taxonomy.specification import DATA_DIR, parse_specification
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in

from .specification_counts import PEARSON


@pytest.mark.parametrize("role", [Role.ITEM_WRITER, Role.REVIEWER])
def test_browse_from_qualification_to_amplification(app, client, make_user, role):
    import_specification(parse_specification(DATA_DIR / PEARSON))
    qualification = db.session.scalar(select(Qualification))
    version = db.session.scalar(select(UnitVersion).join(Unit).where(Unit.reference == "J/506/2910"))
    sign_in(client, make_user(role).username, TEST_PASSWORD)
    listing = client.get("/workbench/taxonomy/").get_data(as_text=True)
    assert "Pearson BTEC Level 3 Diploma in Customer Service" in listing
    units = client.get(f"/workbench/taxonomy/qualifications/{qualification.id}").get_data(as_text=True)
    assert "J/506/2910" in units and "35 minutes, 25 marks" in units and "Group C" in units
    page = client.get(f"/workbench/taxonomy/units/{version.id}").get_data(as_text=True)
    assert "Understand Customer Relationship Management (CRM)" in page
    assert "AC1.3/2/1" in page and "AC3.3/1/1/1" in page


@pytest.mark.parametrize("role", [Role.LEARNER, Role.INVIGILATOR, Role.CENTRE_ADMIN])
def test_other_roles_are_refused(app, client, make_user, role):
    sign_in(client, make_user(role).username, TEST_PASSWORD)
    assert client.get("/workbench/taxonomy/").status_code == 403


def test_unknown_unit_is_not_found(app, client, make_user):
    sign_in(client, make_user(Role.REVIEWER).username, TEST_PASSWORD)
    assert client.get("/workbench/taxonomy/units/999999").status_code == 404


def test_the_unit_page_counts_items_per_criterion_and_point(app, client, make_user):
    from item_bank.items.files import read_bank
    from item_bank.items.services import BANK_FOLDER, load_bank, tag_counts

    import_specification(parse_specification(DATA_DIR / PEARSON))
    load_bank()
    counts = tag_counts("Y/506/2152")
    version = db.session.scalar(select(UnitVersion).join(Unit).where(Unit.reference == "Y/506/2152"))
    sign_in(client, make_user(Role.ITEM_WRITER).username, TEST_PASSWORD)
    page = client.get(f"/workbench/taxonomy/units/{version.id}").get_data(as_text=True)
    live = [item for item in read_bank(BANK_FOLDER).items if item.unit == "Y/506/2152" and item.status == "live"]
    assert counts.criteria["AC4.2"] == sum(1 for item in live if "AC4.2" in item.criteria)
    assert f'<span class="item-count">({counts.criteria["AC4.2"]} items)</span></h3>' in page
    assert ('AC4.2/1</span> The Data Protection Act 1998, eight principles: '
            f'<span class="item-count">({counts.amplification["AC4.2/1"]} items)</span>') in page
