"""The workbench in Chromium: an item from draft through review to pretest, its statistics and the coverage."""

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from item_bank.items.models import Item
from item_bank.items.records import CUEING_CHECKLIST
from item_bank.items.scoring import ItemType
from tests.analysis.factory import Taker, make_version, seed_attempts
from tests.e2e import staff
from tests.e2e.accessibility import blocking_violations

pytestmark = pytest.mark.e2e


def sign_in(page: Page, username: str) -> None:
    staff.sign_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Item bank workbench")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def accessible(page: Page) -> None:
    assert blocking_violations(page) == []


def write_item(page: Page) -> None:
    page.goto("/workbench/units/Y-506-2152/items/new")
    accessible(page)
    page.get_by_label("Item type", exact=True).select_option("single_best_answer")
    page.get_by_label("Stem", exact=True).fill(
        "A hotel wants guests to keep choosing it. Which value of service is it seeking?")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one assessment criterion")
    page.get_by_label("Learning outcome").select_option("LO1")
    page.locator("#crit-AC1_1").check()
    page.locator("#amp-AC1_1-1").check()
    for letter, text in zip("ABCD", ["Staff skills", "Customer loyalty", "Basic expectations", "Hard to reach"]):
        page.get_by_label(f"Option {letter}", exact=True).fill(text)
        page.get_by_label(f"Rationale for option {letter}").fill(f"Reason for {letter}.")
    page.get_by_label("Key", exact=True).fill("B")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Y5062152-AC1.1-W01")
    expect(page.get_by_role("heading", name="Preview: version 1 as the learner sees it")).to_be_visible()
    expect(page.get_by_role("group", name="Choose one answer.")).to_be_visible()
    accessible(page)


def test_an_item_goes_from_draft_through_review_to_pretest_and_shows_its_statistics(page, app, make_user, taxonomy):
    writer, reviewer = make_user(Role.ITEM_WRITER), make_user(Role.REVIEWER)
    sign_in(page, writer.username)
    write_item(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status").first).to_contain_text("is now in review")
    sign_out(page)

    sign_in(page, reviewer.username)
    page.goto("/workbench/review")
    page.get_by_role("link", name="Y5062152-AC1.1-W01").click()
    page.get_by_role("button", name="Approve for pretest").click()
    expect(page.get_by_role("alert")).to_contain_text("review checklist is not complete")
    for label in ("Key correct and unique", "Tags match ac and amplification", "No cueing between items",
                  "Plain english level3", "Distractors plausible", *CUEING_CHECKLIST.values()):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Approve for pretest").click()
    expect(page.get_by_role("heading", name="Version 1: approved for pretest")).to_be_visible()
    history = page.get_by_role("table", name="History of version 1")
    expect(history).to_contain_text(reviewer.username)
    accessible(page)

    new = db.session.scalar(select(Item).where(Item.code == "Y5062152-AC1.1-W01")).latest
    _seed_pretest_responses(new.id)
    page.get_by_role("link", name="Statistics of version 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics of Y5062152-AC1.1-W01 version 1")
    chart = page.get_by_role("img", name="Item characteristic curve of Y5062152-AC1.1-W01 version 1")
    expect(chart).to_be_visible()
    expect(chart.locator("circle.observed")).to_have_count(6)
    expect(page.get_by_role("table", name="Observed proportion of the marks by ability group")).to_be_visible()
    expect(page.locator('[data-stat="responses"]')).to_have_text("120")
    accessible(page)


def test_the_coverage_matrix_is_drawn(page, app, make_user, taxonomy):
    for n, rating in enumerate(["easy", "medium", "medium"]):
        version = make_version(f"C-{n}", ItemType.SINGLE_BEST_ANSWER, criterion="AC1.2")
        version.difficulty_rating = rating
    db.session.commit()
    sign_in(page, make_user(Role.REVIEWER).username)
    page.goto("/workbench/units/")
    page.get_by_role("link", name="Coverage of Y/506/2152").click()
    grid = page.get_by_role("img", name="Items per assessment criterion and difficulty, unit Y/506/2152")
    expect(grid).to_be_visible()
    table = page.get_by_role("table", name="Items in service per assessment criterion and difficulty rating")
    row = table.get_by_role("row").filter(has_text="AC1.2")
    expect(row.get_by_role("cell")).to_have_text(["1", "2", "0", "3"])  # easy, medium, hard, live
    accessible(page)


def _seed_pretest_responses(pretest_id: int) -> None:
    rng = np.random.default_rng(11)
    live = [make_version(f"L-{n}", ItemType.SINGLE_BEST_ANSWER, d=[1.0 - 0.5 * n]) for n in range(5)]
    takers = []
    for _ in range(120):
        theta = rng.normal()
        answers = {v.id: ("B" if rng.random() < 1 / (1 + np.exp(-(theta + v.irt_d[0]))) else "A") for v in live}
        answers[pretest_id] = "B" if rng.random() < 1 / (1 + np.exp(-theta)) else str(rng.choice(list("ACD")))
        takers.append(Taker(answers, pretest=frozenset({pretest_id}), sex=str(rng.choice(["female", "male"]))))
    seed_attempts(takers)
