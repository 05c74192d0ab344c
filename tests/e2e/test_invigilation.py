"""An invigilated session run from the invigilator's side in Chromium while two learners sit
the test in their own Chromium pages (separate browser contexts, as separate workstations)."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.services.report import time_text, utc_text
from invigilation.states import SittingState
from tests.e2e import staff
from tests.e2e.accessibility import blocking_violations
from tests.e2e.learner import (
    answer_current,
    confirm_and_start,
    remaining_seconds,
    shows_remaining_between,
    sign_in_with_code,
    submit,
    unlock_with_session_key,
)
from tests.invigilation.conftest import build_world

pytestmark = pytest.mark.e2e
ITEMS = 4
PAUSED_BY_INVIGILATOR = "other (paused by the invigilator)"


sign_in = staff.sign_in


def press(page: Page, name: str, done: str) -> None:
    """Press a button and wait for the page's message that it was done."""
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.get_by_role("status").filter(has_text=done)).to_be_visible()


def candidate(register: Page, name: str) -> Locator:
    """The candidate's section of the register."""
    return register.get_by_role("region", name=re.compile(re.escape(name)))


def check_in(register: Page, name: str, document: str) -> None:
    candidate(register, name).get_by_label("Identity document").select_option(label=document)
    press(register, f"Check in {name}", f"{name}: present.")


def end_the_session(register: Page) -> None:
    """End the session from the register: its button opens a confirmation that says what will happen."""
    register.get_by_role("link", name="End the session", exact=True).click()
    expect(register.get_by_role("heading", level=1)).to_have_text(re.compile(r"End session \d+\?"))
    press(register, "Yes, end the session", "Session ended.")


def go_to(invigilator: Page, link: str) -> None:
    invigilator.get_by_role("link", name=link, exact=True).click()


def shows_pause(learner: Page) -> int:
    """The learner's page shows the pause, hides the question (nothing can be answered) and
    stops the clock; returns the seconds left it shows."""
    expect(learner.get_by_role("heading", name="Your test is paused")).to_be_focused()
    expect(learner.locator("#pause-reason")).to_have_text("Reason: other.")
    expect(learner.get_by_role("heading", name=re.compile("Question"))).to_be_hidden()
    expect(learner.get_by_role("button", name="Submit my test")).to_be_hidden()
    expect(learner.locator("#timer")).to_contain_text("(paused)")
    return remaining_seconds(learner)


def shows_resumed(learner: Page, frozen: int) -> None:
    """The question is back and the clock runs on from where the pause stopped it."""
    expect(learner.get_by_role("heading", name="Your test is paused")).to_be_hidden()
    expect(learner.get_by_role("heading", name=f"Question 1 of {ITEMS}")).to_be_focused()
    shows_remaining_between(learner, frozen - 3, frozen)


def alert_invigilator(learner: Page, message: str) -> None:
    """Open Help (a dialog), send the message, see it acknowledged and the box emptied, and close it."""
    learner.get_by_role("button", name="Help").click()
    box = learner.get_by_label("Tell the invigilator what is wrong with this question (optional)")
    expect(box).to_be_focused()
    box.fill(message)
    learner.get_by_role("button", name="Alert the invigilator").click()
    expect(learner.get_by_text("Your invigilator has been alerted")).to_be_visible()
    expect(box).to_have_value("")
    learner.keyboard.press("Escape")
    expect(learner.get_by_role("button", name="Help")).to_be_focused()


def report_csv(invigilator: Page, session_id: int) -> dict[str, dict[str, str]]:
    """The session report downloaded as CSV: rows by candidate number."""
    with invigilator.expect_download() as download:
        invigilator.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename == f"session-{session_id}-report.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    return {row["candidate_number"]: row for row in csv.DictReader(io.StringIO(text))}


def test_an_invigilator_runs_a_session_while_two_learners_sit_the_test(new_page, runner_bank):
    runner_bank("fixed", ITEMS)
    world = build_world(candidates=2)
    session = world.session(start=utcnow().replace(microsecond=0))
    sittings = [world.book(session, i) for i in range(2)]
    names = [s.candidate.name for s in sittings]
    numbers = [s.candidate.candidate_number for s in sittings]
    invigilator, learners = new_page(), [new_page(), new_page()]

    sign_in(invigilator, world.invigilator.username)
    invigilator.get_by_role("link", name=re.compile(r"\d{2}:\d{2}")).click()
    go_to(invigilator, "Register")
    press(invigilator, "Start the session", "Session started.")
    check_in(invigilator, names[0], "passport")
    check_in(invigilator, names[1], "photocard licence")
    press(invigilator, f"Authorise {names[0]}", f"{names[0]}: authorised.")
    key = invigilator.locator(".session-key").inner_text()
    codes = [candidate(invigilator, name).locator(".sign-in-code").inner_text() for name in names]

    sign_in_with_code(learners[0], numbers[0], codes[0])  # authorised by the invigilator already
    confirm_and_start(learners[0], ITEMS)
    sign_in_with_code(learners[1], numbers[1], codes[1].lower())
    unlock_with_session_key(learners[1], key.lower())  # the key read out to the room unlocks a signed-in candidate
    confirm_and_start(learners[1], ITEMS)
    for learner in learners:
        answer_current(learner)

    go_to(invigilator, "Live dashboard")
    rows = invigilator.locator("#dashboard tbody tr")
    for n in range(2):
        expect(rows.nth(n).locator('[data-field="state_label"]')).to_have_text("in progress")

    go_to(invigilator, "Register")
    press(invigilator, "Pause all", "Every candidate in progress is paused.")
    frozen = [shows_pause(learner) for learner in learners]
    assert blocking_violations(learners[0]) == []
    go_to(invigilator, "Live dashboard")
    for n in range(2):
        expect(rows.nth(n).locator('[data-field="state_label"]')).to_have_text("paused")
    on_dashboard = rows.locator('[data-field="remaining"]').all_inner_texts()
    invigilator.wait_for_timeout(3500)  # a dashboard refresh and three of the learners' polls: no clock moves
    assert [remaining_seconds(learner) for learner in learners] == frozen
    assert rows.locator('[data-field="remaining"]').all_inner_texts() == on_dashboard
    go_to(invigilator, "Register")
    press(invigilator, "Resume all", "Every paused candidate in the room is resumed.")
    for learner, left in zip(learners, frozen):
        shows_resumed(learner, left)

    candidate(invigilator, names[0]).get_by_text("Extra time, move workstation or sign in again").click()
    invigilator.get_by_label(f"Extra minutes for {names[0]}").fill("10")
    candidate(invigilator, names[0]).get_by_label("Reason for extra time").fill("noise from the corridor")
    before = remaining_seconds(learners[0])
    press(invigilator, f"Give extra time to {names[0]}", f"{names[0]}: in progress.")
    expect(invigilator.get_by_text("10 min extra granted")).to_be_visible()
    shows_remaining_between(learners[0], before + 600 - 5, before + 600)

    go_to(invigilator, "Live dashboard")
    alert_invigilator(learners[1], "The picture does not load")
    expect(invigilator.get_by_text("item 1): The picture does not load")).to_be_visible()  # without a reload
    assert blocking_violations(invigilator) == []
    invigilator.get_by_role("button", name="Make incident").click()
    expect(invigilator.get_by_role("heading", level=1)).to_have_text(re.compile(r"Incident #\d+"))
    alert_text = re.compile(r"Candidate alert about item .*The picture does not load")
    expect(invigilator.get_by_text(alert_text)).to_be_visible()
    expect(invigilator.get_by_text(f"{names[1]} ({numbers[1]})")).to_be_visible()

    for learner in learners:
        submit(learner)
    go_to(invigilator, "Register")
    end_the_session(invigilator)
    invigilator.get_by_label("Note for the register").fill("Fire doors checked")
    invigilator.get_by_role("button", name="Sign the register").click()
    expect(invigilator.get_by_role("heading", level=1)).to_have_text(f"Session report: session {session.id}")
    expect(invigilator.get_by_text(re.compile("Signed off by"))).to_be_visible()
    expect(invigilator.get_by_text("verified intact")).to_be_visible()
    db.session.expire_all()
    assert all(s.state is SittingState.FINISHED for s in sittings)
    report = [invigilator.get_by_role("row", name=re.compile(re.escape(number))) for number in numbers]
    for row, sitting in zip(report, sittings):
        expect(row).to_contain_text(f"{time_text(sitting.started_at)}–{time_text(sitting.finished_at)}")
        expect(row).to_contain_text(PAUSED_BY_INVIGILATOR)
    expect(report[0]).to_contain_text("10 min at")
    expect(report[0]).to_contain_text("noise from the corridor")
    expect(report[1]).to_contain_text(re.compile(r"#\d+ candidate"))
    assert blocking_violations(invigilator) == []

    downloaded = report_csv(invigilator, session.id)
    for number, sitting in zip(numbers, sittings):
        assert downloaded[number]["actual_start"] == time_text(sitting.started_at)
        assert downloaded[number]["actual_start_utc"] == utc_text(sitting.started_at)
        assert downloaded[number]["actual_finish_utc"] == utc_text(sitting.finished_at)
        assert PAUSED_BY_INVIGILATOR in downloaded[number]["pauses"]
    assert "noise from the corridor" in downloaded[numbers[0]]["extra_time"]
    assert re.fullmatch(r"#\d+ candidate", downloaded[numbers[1]]["incidents"])

def test_a_centre_administrator_sets_up_a_session_on_accessible_pages(page: Page, app, taxonomy):
    world = build_world(candidates=1, extra_percent=0)
    candidate = world.candidates[0]
    sign_in(page, world.admin.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Centre administration")
    assert blocking_violations(page) == []

    page.get_by_role("link", name=f"edit access arrangements of {candidate.name}").click()
    page.get_by_label("Extra time").fill("50")
    page.get_by_role("button", name="Save access arrangements").click()
    expect(page.get_by_role("alert")).to_contain_text("needs an approval reference")
    expect(page.get_by_label("Extra time", exact=False).first).to_have_value("50")  # what was typed is kept
    page.get_by_label("Approval reference (needed above 25%)").fill("AAO-2026-0042")
    page.get_by_label("Reader or text-to-speech").check()
    page.get_by_role("button", name="Save access arrangements").click()
    expect(page.get_by_role("cell", name="50% extra time, reader")).to_be_visible()

    page.get_by_role("link", name="Create a session").click()
    expect(page.get_by_role("heading", name="Create a session", level=1)).to_be_visible()
    assert blocking_violations(page) == []
    page.get_by_label("Date").fill("2030-06-03")
    page.get_by_label("Scheduled start").fill("10:15")
    page.get_by_label("Unit reference(s)").fill("Y/506/2152")
    page.get_by_label("Test length in minutes").fill("1")  # the unit's specification says 45
    page.get_by_label(world.invigilator.display_name).check()
    page.get_by_role("button", name="Create session").click()
    expect(page.get_by_role("alert")).to_contain_text("unit Y/506/2152's test lasts 45 minutes, as its "
                                                      "specification states; a centre cannot change it")
    page.get_by_label("Test length in minutes").fill("")
    page.get_by_label(world.invigilator.display_name).check()
    page.get_by_role("button", name="Create session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Session \d+: Y/506/2152"))
    expect(page.get_by_text("Monday 03 June 2030, 10:15")).to_be_visible()
    expect(page.get_by_text("Session key")).to_have_count(0)  # for invigilators only

    page.get_by_label("Workstation").select_option(label="WS-2 (A2)")
    page.get_by_role("button", name="Book").click()
    row = page.get_by_role("row", name=re.compile(re.escape(candidate.candidate_number)))
    expect(row).to_contain_text("A2")
    expect(row).to_contain_text("50% extra time, reader")
    assert blocking_violations(page) == []
