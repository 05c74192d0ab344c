"""A matching item in Chromium: the learner matches each statement by keyboard alone (typing an
option's letter in each statement's list), is stopped from using an option twice, and the
stored answer is scored by the matching rule; axe finds no violation on the item. Its stem's
formatting (a list, a table, emphasis, an image with its alt text) is drawn, and text that looks
like HTML stays text."""

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from item_bank.items.models import Item, ItemMedium, ItemStatus, ItemVersion
from item_bank.items.scoring import ItemType
from tests.delivery.factory import CALIBRATED, UNIT, blueprint, make_sitting
from tests.e2e.accessibility import blocking_violations
from tests.e2e.test_sitting import sign_in_and_start
from tests.item_bank.qti.conftest import PICTURE

pytestmark = pytest.mark.e2e
KEY = ["C", "A", "D"]  # premises 1-3 match options C, A and D; B is left over
STEM = ("Match the statements {n}.\n\n- Use each option **once** at most\n\n"
        "| Term | Note |\n|---|---|\n| <b>x</b> | *y* |\n\n![A grey strip](strip.png)")


def matching_bank() -> None:
    """Three live matching items, one per criterion the test blueprint asks for."""
    for n, criterion in enumerate(("AC1.1", "AC2.1", "AC3.1"), start=1):
        premises = [{"id": f"P{p}", "text": f"Statement {p} of item {n}"} for p in (1, 2, 3)]
        options = [{"id": k, "text": f"Meaning {k} of item {n}"} for k in "ABCD"]
        item = Item(code=f"T-M-{n:02d}", unit_reference=UNIT)
        item.versions.append(ItemVersion(
            number=1, status=ItemStatus.LIVE, type=ItemType.MATCHING, marks=2, stem=STEM.format(n=n),
            premises=premises, options=options, key=KEY, content_hash=f"m{n:063d}", criteria=[criterion],
            amplification=[], difficulty_rating="medium", rationale={p["id"]: "why" for p in premises}, writer="w",
            irt_a=1.0, irt_d=[0.5, -0.5], irt_c=0.0, **CALIBRATED,
            media=[ItemMedium(name="strip.png", content_type="image/png", data=PICTURE, sha256="0" * 64)]))
        db.session.add(item)
    db.session.commit()


@pytest.fixture
def matching_sitting(app: Flask, make_user):
    app.config["RUNNER_POLL_SECONDS"] = 1
    matching_bank()
    plan = blueprint("fixed", 3) | {"total_marks": 6, "item_types": [
        {"type": "matching", "min_items": 3, "max_items": 3, "seconds": 120}]}
    for outcome in plan["learning_outcomes"]:
        outcome |= {"min_marks": 2, "max_marks": 2}
    app.config["DELIVERY_BLUEPRINTS"] = {UNIT: plan}
    yield make_sitting(make_user)
    app.config["DELIVERY_BLUEPRINTS"] = {}
    app.config["RUNNER_POLL_SECONDS"] = 15


def test_a_learner_matches_by_keyboard_and_the_match_is_scored(page: Page, matching_sitting):
    sign_in_and_start(page, matching_sitting.sitting, 3)
    body = page.locator("#item-body")
    expect(body.locator(".match-options li")).to_have_count(4)  # every option, in full, before the statements
    expect(body.locator("#stem li strong")).to_have_text("once")
    expect(body.locator("#stem table th").first).to_have_text("Term")
    expect(body.locator("#stem td").first).to_have_text("<b>x</b>")  # drawn as text, never as HTML
    expect(body.locator("#stem td em")).to_have_text("y")
    image = body.get_by_role("img", name="A grey strip")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 2  # served inside the live sitting
    statements = [body.get_by_label(f"{p}. Statement {p}", exact=False) for p in (1, 2, 3)]
    statements[0].focus()
    page.keyboard.type("C")  # typeahead: the option whose text starts "C."
    expect(page.locator("#save-state")).to_have_text("Saved")
    statements[1].focus()
    page.keyboard.type("C")  # C is taken by statement 1
    expect(page.locator("#item-message")).to_contain_text("Use each option for one statement only")
    page.wait_for_timeout(1_500)  # past the list's typeahead, which would read "CA" as one search
    page.keyboard.type("A")
    statements[2].focus()
    page.keyboard.type("B")  # a wrong match: 2 of 3 right earns 1 mark of 2
    expect(page.locator("#item-message")).to_have_text("")
    expect(page.locator("#save-state")).to_have_text("Saved")
    assert blocking_violations(page) == []

    page.reload()
    expect(statements[0]).to_have_value("C")
    expect(statements[2]).to_have_value("B")
    page.get_by_role("button", name="Finish test").click()
    page.get_by_role("button", name="Submit my test").click()
    page.get_by_role("button", name="Yes, submit now").click()
    expect(page.get_by_role("heading", name="Your test has ended")).to_be_visible()

    db.session.expire_all()
    attempt = db.session.scalar(select(Attempt).where(Attempt.sitting_id == matching_sitting.sitting.id))
    first = next(entry for entry in attempt.items if entry.position == 1)
    assert first.response.answer == ["C", "A", "B"]
    assert attempt.score["marks"] == 1
