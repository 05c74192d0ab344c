"""An awarding-body administrator approves a centre, attaches its administrator and sets a ratio and
a unit's booking rules in Chromium, by keyboard alone, with an axe scan of each page."""

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.models.centres import Centre, CentreStaff, RatioRule, UnitBookingRule
from item_bank.taxonomy.services import import_specification
from item_bank.taxonomy.specification import DATA_DIR, parse_specification
from tests.conftest import TEST_PASSWORD
from tests.e2e.accessibility import blocking_violations
from tests.e2e.staff import pass_second_factor
from tests.invigilation.conftest import UNIT, quick_user

pytestmark = pytest.mark.e2e


def tab_to(page: Page, target: Locator, limit: int = 80) -> None:
    """Press Tab until `target` has the focus (fails if the keyboard cannot reach it)."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} cannot be reached with the Tab key")


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def test_an_awarding_body_admin_approves_a_centre_and_sets_the_rules_by_keyboard(page: Page, app):
    import_specification(parse_specification(DATA_DIR / "001_104cb6e23c3ebe91.txt"))
    quick_user(Role.AWARDING_BODY_ADMIN, "awarding-admin")
    quick_user(Role.CENTRE_ADMIN, "west-admin")
    db.session.commit()
    page.goto("/login")
    type_into(page, page.get_by_label("Username"), "awarding-admin")
    type_into(page, page.get_by_label("Password"), TEST_PASSWORD)
    page.keyboard.press("Enter")
    pass_second_factor(page, "awarding-admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")

    tab_to(page, page.get_by_role("link", name="Centres and their staff"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Centres")
    assert blocking_violations(page) == []
    type_into(page, page.get_by_label("Centre number"), "70007")
    type_into(page, page.get_by_label("Centre name"), "West Academy")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("West Academy (centre 70007)")
    type_into(page, page.get_by_label("Username of a centre administrator or invigilator"), "west-admin")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("now works at West Academy")
    assert blocking_violations(page) == []

    tab_to(page, page.get_by_role("link", name="All centres"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("cell", name="70007")).to_be_visible()
    tab_to(page, page.get_by_role("link", name="Invigilation ratios and booking rules"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invigilation ratios and booking rules")
    assert blocking_violations(page) == []
    type_into(page, page.get_by_label("Qualification number"), "600/1234/5")
    type_into(page, page.get_by_label("Candidates per invigilator"), "15")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Qualification 600/1234/5: 1 invigilator to 15 candidates.")

    tab_to(page, page.get_by_label("Unit", exact=True))
    page.keyboard.type(UNIT)  # a closed list box selects the option whose text starts with what is typed
    expect(page.get_by_label("Unit", exact=True)).to_have_value(UNIT)
    type_into(page, page.get_by_label("Minimum notice in hours"), "48")
    type_into(page, page.get_by_label("Resits allowed after the first sitting"), "1")
    type_into(page, page.get_by_label("Waiting period before a resit, in days"), "14")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(f"Unit {UNIT}: booking rules saved.")
    expect(page.get_by_role("row", name=f"{UNIT} 48 1 14")).to_be_visible()
    assert blocking_violations(page) == []

    db.session.expire_all()  # the browser's requests wrote these rows
    centre = db.session.scalar(select(Centre).where(Centre.number == "70007"))
    staff = db.session.scalars(select(CentreStaff).where(CentreStaff.centre_id == centre.id))
    assert [s.user.username for s in staff] == ["west-admin"]
    assert db.session.scalar(select(RatioRule.candidates_per_invigilator)) == 15
    rule = db.session.scalar(select(UnitBookingRule))
    assert (rule.unit_reference, rule.minimum_notice_hours, rule.resit_limit, rule.waiting_period_days) == \
        (UNIT, 48, 1, 14)
