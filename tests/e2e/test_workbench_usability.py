"""The workbench's usability findings, walked in Chromium (each test fails on the workbench as the tester found it).

1. secondary buttons were white on white; 2. the item form reported one group of problems at a
time, in developer wording; 3. the form put 123 checkboxes (about 6,600 px) before the question;
4. long lists had no filter or sort; 5. statistics at one response showed fit statistics, four
decimals and "-0.0000".
"""

import re

import pytest
from playwright.sync_api import Page, expect

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from item_bank.items.models import ItemStatus
from item_bank.items.scoring import ItemType
from tests.analysis.factory import Taker, make_version, seed_attempts
from tests.e2e.accessibility import blocking_violations
from tests.e2e.test_workbench import sign_in

pytestmark = pytest.mark.e2e

NEW_ITEM = "/workbench/units/Y-506-2152/items/new"
VIEWPORT = {"width": 1280, "height": 800}

CONTRAST = """el => {
  const rgb = text => (text.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const c = [r, g, b].map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  let parent = el.parentElement, behind = null;
  while (parent && !behind) { const c = getComputedStyle(parent).backgroundColor;
    if (rgb(c).length === 3 || rgb(c)[3] > 0) { behind = rgb(c).slice(0, 3); } parent = parent.parentElement; }
  behind = behind || [255, 255, 255];
  const style = getComputedStyle(el);
  const edge = Math.max(ratio(rgb(style.borderTopColor).slice(0, 3), behind),
                        ratio(rgb(style.backgroundColor).slice(0, 3), behind));
  return {edge, text: ratio(rgb(style.color).slice(0, 3), rgb(style.backgroundColor).slice(0, 3))};
}"""


def accessible(page: Page) -> None:
    assert blocking_violations(page) == []


def test_secondary_buttons_are_visible_on_light_pages_and_in_the_dark_header(page, make_user, taxonomy):
    make_version("B-1", ItemType.SINGLE_BEST_ANSWER)
    sign_in(page, make_user(Role.REVIEWER).username)
    for path, name in (("/workbench/units/Y-506-2152/coverage", "Show the period"),
                       ("/workbench/units/Y-506-2152/items", "Filter")):
        page.goto(path)
        button = page.get_by_role("main").get_by_role("button", name=name)
        seen = button.evaluate(CONTRAST)
        assert seen["edge"] >= 3, f"{name} on {path}: its edge has a contrast of {seen['edge']:.2f} with the page"
        assert seen["text"] >= 4.5
        accessible(page)
    sign_out = page.get_by_role("banner").get_by_role("button", name="Sign out")
    seen = sign_out.evaluate(CONTRAST)
    assert seen["edge"] >= 3 and seen["text"] >= 4.5


def test_the_item_form_lists_every_problem_at_once_in_plain_words(page, make_user, taxonomy):
    sign_in(page, make_user(Role.ITEM_WRITER).username)
    page.goto(NEW_ITEM)
    page.get_by_label("Option A", exact=True).fill("Staff skills")
    page.get_by_label("Option B", exact=True).fill("Customer loyalty")
    page.get_by_label("Option D", exact=True).fill("Hard to reach")
    page.get_by_label("Rationale for option A").fill("Not a value of service.")
    page.get_by_role("button", name="Save draft").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading")).to_have_text("There are 7 problems with the item")
    expect(summary.get_by_role("listitem")).to_have_text([
        "Write the question (the stem)",
        "Option C is empty",
        "Choose the key: the letter of the right option",
        "Give a reason for option B: why it is right or wrong",
        "Give a reason for option D: why it is right or wrong",
        "Choose at least one assessment criterion",
        "Choose at least one amplification point that the item tests",
    ])
    assert not re.search(r"must be|non-empty|field|_", summary.inner_text())
    expect(page.locator("#option_C")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-option_C")).to_have_text("Error: Option C is empty")
    summary.get_by_role("link", name="Option C is empty").click()
    expect(page).to_have_url(re.compile("#option_C$"))
    expect(page.locator("#option_C")).to_be_in_viewport()
    accessible(page)


def test_the_question_comes_first_and_the_criteria_are_those_of_the_chosen_outcome(page, make_user, taxonomy):
    page.set_viewport_size(VIEWPORT)
    sign_in(page, make_user(Role.ITEM_WRITER).username)
    page.goto(NEW_ITEM)
    stem = page.get_by_label("Stem", exact=True).bounding_box()
    assert stem is not None and stem["y"] + stem["height"] <= VIEWPORT["height"], stem
    before_stem = page.evaluate("""() => { const stem = document.getElementById('stem');
      return [...document.querySelectorAll('input[type=checkbox]')]
        .filter(box => box.compareDocumentPosition(stem) & Node.DOCUMENT_POSITION_FOLLOWING).length; }""")
    assert before_stem == 0
    assert page.evaluate("document.documentElement.scrollHeight") < 3000  # 8,073 px before the change
    assert page.locator("input[name=criteria]:visible").count() == 0  # until an outcome is chosen
    expect(page.locator("#criteria-status")).to_have_text("Choose a learning outcome to see its assessment criteria.")
    accessible(page)

    page.get_by_label("Learning outcome").select_option("LO2")
    shown = page.locator("input[name=criteria]:visible")
    assert shown.count() > 0
    assert all(value.startswith("AC2.") for value in shown.evaluate_all("boxes => boxes.map(b => b.value)"))
    expect(page.locator("#criteria-status")).to_contain_text("assessment criteria of LO2")
    page.get_by_label("Stem", exact=True).fill("Which of these is a customer service standard?")
    for letter, text in zip("ABCD", ["A published response time", "A logo", "A slogan", "A car park"]):
        page.get_by_label(f"Option {letter}", exact=True).fill(text)
        page.get_by_label(f"Rationale for option {letter}").fill(f"Reason for {letter}.")
    page.get_by_label("Key", exact=True).fill("A")
    page.locator("#crit-AC2_1").check()
    page.locator("#amp-AC2_1-1").check()
    page.get_by_label("Learning outcome").select_option("LO1")  # a ticked group stays in view
    expect(page.locator("#crit-AC2_1")).to_be_visible()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Y5062152-AC2.1-W01")


def test_without_script_every_outcome_is_a_folded_group(new_page, browser, live_server, make_user, taxonomy):
    writer = make_user(Role.ITEM_WRITER)
    context = browser.new_context(base_url=live_server, locale="en-GB", java_script_enabled=False,
                                  viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, writer.username)
        page.goto(NEW_ITEM)
        groups = page.locator("details.outcome-group")
        assert groups.count() >= 2
        assert page.locator("input[name=criteria]:visible").count() == 0
        stem = page.get_by_label("Stem", exact=True).bounding_box()
        assert stem is not None and stem["y"] + stem["height"] <= VIEWPORT["height"]
        groups.first.locator("summary").click()
        expect(page.locator("#crit-AC1_1")).to_be_visible()
    finally:
        context.close()


def test_long_lists_are_filtered_and_sorted(page, make_user, taxonomy):
    for n in range(12):
        make_version(f"LIST-{n:02d}", ItemType.SINGLE_BEST_ANSWER, status=ItemStatus.IN_REVIEW,
                     criterion="AC1.2" if n % 3 else "AC1.1", writer=f"writer-{n % 2}")
    untagged = make_version("RAW-1", ItemType.SINGLE_BEST_ANSWER, status=ItemStatus.DRAFT)
    untagged.criteria, untagged.amplification = [], []
    db.session.commit()
    sign_in(page, make_user(Role.REVIEWER).username)

    page.goto("/workbench/units/Y-506-2152/items")
    table = page.get_by_role("table", name=re.compile("items"))
    expect(table.locator("tbody tr")).to_have_count(13)
    page.get_by_label("Filter the items").fill("AC1.1")
    page.get_by_role("button", name="Filter").click()
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table.get_by_role("caption")).to_contain_text('4 of 13 items matching "AC1.1"')
    table.get_by_role("link", name=re.compile("^Item")).click()
    expect(table.get_by_role("columnheader", name=re.compile("^Item"))).to_have_attribute("aria-sort", "ascending")
    table.get_by_role("link", name=re.compile("^Item")).click()
    expect(table.get_by_role("columnheader", name=re.compile("^Item"))).to_have_attribute("aria-sort", "descending")
    expect(table.locator("tbody th")).to_have_text(["LIST-09", "LIST-06", "LIST-03", "LIST-00"])
    expect(page.get_by_label("Filter the items")).to_have_value("AC1.1")  # the filter is kept while sorting
    accessible(page)

    page.goto("/workbench/review")
    page.get_by_label("Filter the queue").fill("LIST-1")
    page.get_by_role("button", name="Filter").click()
    in_review = page.get_by_role("table", name=re.compile("in review"))
    expect(in_review.locator("tbody th")).to_have_text(["LIST-10", "LIST-11"])
    in_review.get_by_role("link", name=re.compile("^Version")).click()
    expect(in_review.get_by_role("columnheader", name=re.compile("^Version"))).to_have_attribute(
        "aria-sort", "ascending")
    accessible(page)

    page.goto("/workbench/units/Y-506-2152/tagging")
    tagging = page.get_by_role("table", name=re.compile("untagged"))
    expect(tagging.locator("tbody th")).to_have_text(["RAW-1"])
    page.get_by_label("Filter the queue").fill("nothing like this")
    page.get_by_role("button", name="Filter").click()
    expect(tagging.locator("tbody")).to_have_text("No untagged item matches.")
    accessible(page)


def test_statistics_at_one_response_are_withheld_and_numbers_have_two_decimals(page, make_user, taxonomy):
    version = make_version("ONE-1", ItemType.SINGLE_BEST_ANSWER)
    other = make_version("ONE-2", ItemType.SINGLE_BEST_ANSWER)
    seed_attempts([Taker({version.id: "B", other.id: "A"}, sex="female")])
    sign_in(page, make_user(Role.REVIEWER).username)
    page.goto(f"/workbench/versions/{version.id}/statistics")
    expect(page.locator('[data-stat="responses"]')).to_have_text("1")
    expect(page.get_by_role("status")).to_contain_text("facility, discrimination (corrected item-total "
                                                       "correlation), option shares, response time and flags "
                                                       "from 30 responses; item fit and the observed curve from 100")
    expect(page.locator('[data-stat="facility"]')).to_have_text("Not shown: shown from 30 responses")
    expect(page.locator('[data-stat="correlation"]')).to_have_text("Not shown: shown from 30 responses")
    expect(page.locator('[data-stat="fit"]')).to_have_text("Not shown: shown from 100 responses")
    expect(page.locator('[data-stat="seconds"]')).to_have_text("Not shown: shown from 30 responses")
    expect(page.locator("[data-option-share]")).to_have_count(0)
    expect(page.locator("circle.observed")).to_have_count(0)
    text = page.get_by_role("main").inner_text()
    assert not re.search(r"\d\.\d{3}", text), re.findall(r"\S*\d\.\d{3}\S*", text)
    assert "-0.00" not in text and "+0.00" not in text
    expect(page.locator('[data-stat="difficulty"]')).to_have_text("0.00")  # d = 0: never "-0.00"
    accessible(page)

    page.goto("/workbench/units/Y-506-2152/statistics")
    fit = page.get_by_role("table", name=re.compile("S-X²"))
    expect(fit.locator("tbody th")).to_have_text(["ONE-1 v1", "ONE-2 v1"])
    fit.get_by_role("link", name=re.compile("^Item")).click()
    fit.get_by_role("link", name=re.compile("^Item")).click()
    expect(fit.locator("tbody th")).to_have_text(["ONE-2 v1", "ONE-1 v1"])
    page.get_by_label("Filter the items").fill("one-1")
    page.get_by_role("button", name="Filter").click()
    expect(fit.locator("tbody th")).to_have_text(["ONE-1 v1"])
    text = page.get_by_role("main").inner_text()
    assert not re.search(r"-0\.0+\b", text) and "+0.00" not in text
    accessible(page)
