"""Results in Chromium: a standard-setting panel's rounds and decision, the awarding body's release, and the
centre's and learner's results pages, with an axe scan of each page."""

import re

import pytest
from playwright.sync_api import Page, expect

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from exam_engine.results.services.decisions import release
from exam_engine.results.services.outcomes import result_line
from invigilation.models.centres import CentreStaff
from tests.conftest import TEST_PASSWORD
from tests.delivery.conftest import design, ended  # noqa: F401 - fixtures
from tests.delivery.factory import UNIT
from tests.e2e import staff
from tests.e2e.accessibility import blocking_violations
from tests.results.factory import set_standard

pytestmark = pytest.mark.e2e

JUDGEMENT = re.compile(r"^Chance a just-passing candidate gets .+ right \(%\)$")


def accessible(page: Page) -> None:
    assert blocking_violations(page) == []


def judge_every_item(page: Page, percent: str, round_number: int) -> None:
    """Fill each item's judgement (the bank has 12 live items) and save the round."""
    inputs = page.get_by_label(JUDGEMENT)
    expect(inputs).to_have_count(12)
    for field in inputs.all():
        field.fill(percent)
    page.get_by_role("button", name=f"Save my round {round_number} judgements").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Your round {round_number} judgements are saved; you can change them until the round closes.")


def test_a_panel_judges_two_rounds_and_the_awarding_body_decides(new_page, make_user, ended):  # noqa: F811
    """Round 1, worked by hand: 8 one-mark and 4 two-mark items (16 marks); panellist A judges 40% on
    every item (cut 6.4), B 80% (12.8): panel cut 9.6 (60%), SD 6.4 / sqrt(2) = 4.5, standard error 3.2."""
    make_user(Role.AWARDING_BODY_ADMIN, "chair")
    make_user(Role.SUBJECT_EXPERT, "expert-a")
    make_user(Role.SUBJECT_EXPERT, "expert-b")
    chair = new_page()
    staff.sign_in(chair, "chair")
    chair.goto("/standards")
    expect(chair.get_by_role("cell", name="No studies yet.")).to_be_visible()
    accessible(chair)
    chair.get_by_label("Unit", exact=True).select_option(UNIT)
    chair.get_by_label("Method", exact=True).select_option("angoff")
    chair.get_by_role("button", name="Open the study").click()
    expect(chair.get_by_role("status")).to_contain_text(f"of unit {UNIT} is open for round 1.")

    experts = {}
    for username, percent in (("expert-a", "40"), ("expert-b", "80")):
        experts[username] = expert = new_page()
        staff.sign_in(expert, username)
        expert.goto("/standards")
        expert.get_by_role("link", name=re.compile(r"^Study \d+$")).click()
        expect(expert.get_by_role("heading", name="Your judgements for round 1")).to_be_visible()
        if username == "expert-a":
            accessible(expert)
        judge_every_item(expert, percent, 1)

    chair.reload()
    chair.get_by_role("button", name="Close round 1 and open round 2").click()
    expect(chair.get_by_role("status")).to_have_text(
        "Round 2 is open: the panel has the spread and impact data of round 1.")
    round_one = chair.get_by_role("region", name="Round 1")
    expect(round_one).to_contain_text("9.6 marks (60% of the marks)")
    expect(round_one).to_contain_text("SD 4.5 marks, standard error 3.2; lowest 6.4, highest 12.8")
    expect(round_one).to_contain_text(re.compile(r"\d+% of 1 past candidates would pass"))
    accessible(chair)

    for username, last in (("expert-a", "40"), ("expert-b", "80")):
        expert = experts[username]
        expert.reload()
        expect(expert.get_by_role("heading", name="Your judgements for round 2")).to_be_visible()
        expect(expert.get_by_label(JUDGEMENT).first).to_have_value(last)  # last round's judgements, filled in
        expect(expert.get_by_role("region", name="Round 1")).to_be_visible()
        judge_every_item(expert, "60", 2)

    chair.get_by_label("Reasons for adopting the last completed round's standard").fill("Round 2 agreed.")
    chair.get_by_role("button", name="Decide the standard").click()
    expect(chair.get_by_role("status")).to_have_text(f"The standard of unit {UNIT} is decided and in force.")
    decision = chair.get_by_role("region", name="The decision")
    expect(decision).to_contain_text("9.6 marks on the reference form of all 12 items")
    expect(decision).to_contain_text("Round 2 agreed.")
    expect(chair.get_by_role("button", name=re.compile("^Close round"))).to_have_count(0)
    accessible(chair)


def test_the_awarding_body_releases_a_result_only_once_a_standard_covers_it(page, make_user, ended):  # noqa: F811
    """Without a standard the result is held and cannot be chosen; with one it is released."""
    make_user(Role.AWARDING_BODY_ADMIN, "awarding-admin")
    staff.sign_in(page, "awarding-admin")
    page.goto("/results")
    row = page.locator("#pending tbody tr").filter(has_text="0001")
    expect(row).to_contain_text(f"held: no pass mark: no pass standard has been set for unit {UNIT}")
    expect(row.get_by_role("checkbox")).to_have_count(0)
    accessible(page)

    set_standard(make_user)
    page.reload()
    expect(row).to_contain_text("ready")
    page.get_by_role("checkbox", name=f"Release the result of candidate 0001, unit {UNIT}").check()
    page.get_by_role("button", name="Release the chosen results").click()
    expect(page.get_by_role("status")).to_have_text("1 result(s) released to their centres and learners.")
    expect(page.get_by_role("cell", name="No results await release.")).to_be_visible()
    accessible(page)


def test_the_centre_and_the_learner_see_the_marks_only_after_release(new_page, make_user, ended):  # noqa: F811
    """The centre sees the state but no marks until release; then the marks, the pass mark and the verdict."""
    admin = make_user(Role.CENTRE_ADMIN, "centre-admin")
    db.session.add(CentreStaff(centre_id=ended.sitting.session.centre_id, user_id=admin.id))
    db.session.commit()
    centre = new_page()
    staff.sign_in(centre, "centre-admin")
    centre.goto("/centre/results")
    row = centre.locator("#results tbody tr").filter(has_text="0001")
    expect(row.get_by_role("cell").nth(4)).to_have_text(re.compile("^held: no pass mark"))
    expect(row.get_by_role("cell").nth(5)).to_have_text("–")
    expect(centre.get_by_role("link", name="CSV")).to_have_attribute("href", "/centre/results.csv")
    expect(centre.get_by_role("link", name="JSON")).to_have_attribute("href", "/centre/results.json")

    set_standard(make_user)
    centre.reload()
    expect(row.get_by_role("cell").nth(4)).to_have_text("awaiting release")
    expect(row.get_by_role("cell").nth(5)).to_have_text("–")
    accessible(centre)

    release([ended], make_user(Role.AWARDING_BODY_ADMIN))
    db.session.commit()
    outcome = result_line(ended).outcome
    assert outcome.verdict in ("pass", "fail")
    centre.reload()
    expect(row.get_by_role("cell").nth(4)).to_have_text("released")
    expect(row.get_by_role("cell").nth(5)).to_have_text(f"{outcome.marks} of {outcome.available}")
    expect(row.get_by_role("cell").nth(6)).to_have_text(str(outcome.grade.pass_mark))
    expect(row.get_by_role("cell").nth(7)).to_have_text(outcome.verdict)
    with centre.expect_download() as download:
        centre.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "results.csv"
    accessible(centre)

    learner = new_page()
    learner.goto("/login")
    learner.get_by_label("Username").fill(ended.sitting.candidate.user.username)
    learner.get_by_label("Password").fill(TEST_PASSWORD)
    learner.get_by_role("button", name="Sign in").click()
    expect(learner.get_by_role("heading", level=1)).not_to_have_text("Sign in")
    learner.goto("/learner/results")
    mine = learner.get_by_role("region", name=f"Unit {UNIT}, sat on")
    expect(mine).to_contain_text(f"{outcome.verdict.capitalize()}: {outcome.marks} of {outcome.available} marks; "
                                 f"the pass mark was {outcome.grade.pass_mark}.")
    accessible(learner)
