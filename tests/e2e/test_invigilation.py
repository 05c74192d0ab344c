"""An invigilated session run from the invigilator's side in Chromium, while candidates sit
the test (their sittings are moved through the services, as delivery will move them)."""

import re

import pytest
from playwright.sync_api import Page, expect

from exam_engine.database import utcnow
from exam_engine.extensions import db
from invigilation.services import conduct
from invigilation.services.incidents import raise_alert
from invigilation.states import SittingState
from tests.conftest import TEST_PASSWORD
from tests.e2e.accessibility import blocking_violations
from tests.invigilation.conftest import build_world

pytestmark = pytest.mark.e2e


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def press(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.locator(".message").first).to_be_visible()


def test_an_invigilator_runs_a_session_while_learners_sit_the_test(page: Page, app):
    world = build_world(candidates=2)
    session = world.session(start=utcnow().replace(microsecond=0))
    sittings = [world.book(session, i) for i in range(2)]
    names = [s.candidate.name for s in sittings]
    sign_in(page, world.invigilator.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Invigilation")
    page.get_by_role("link", name=re.compile(r"\d{2}:\d{2}")).click()
    page.get_by_role("link", name="Register").click()
    expect(page.get_by_text(session.session_key)).to_be_visible()
    assert blocking_violations(page) == []

    press(page, "Start the session")
    for name in names:
        page.get_by_role("button", name=f"Check in {name}").click()
        expect(page.get_by_text(f"{name}: present")).to_be_visible()
    for name in names:
        page.get_by_role("button", name=f"Authorise {name}").click()
        expect(page.get_by_text(f"{name}: authorised")).to_be_visible()
    db.session.expire_all()  # the browser's requests changed the rows
    for sitting, learner in zip(sittings, world.learners):  # each learner confirms and starts
        conduct.start_clock(sitting, learner)

    page.get_by_role("link", name="Live dashboard").click()
    rows = page.locator("#dashboard tbody tr")
    expect(rows.nth(0).locator('[data-field="state_label"]')).to_have_text("in progress")
    raise_alert(sittings[1], "U2-007", "The picture does not load")
    expect(page.get_by_text("The picture does not load")).to_be_visible()  # appears without a reload
    assert blocking_violations(page) == []

    page.get_by_role("link", name="Register").click()
    press(page, "Pause all")
    page.get_by_role("link", name="Live dashboard").click()
    expect(rows.nth(0).locator('[data-field="state_label"]')).to_have_text("paused")
    expect(rows.nth(1).locator('[data-field="state_label"]')).to_have_text("paused")
    frozen = rows.nth(0).locator('[data-field="remaining"]').inner_text()
    page.wait_for_timeout(3500)  # at least one refresh: the paused clock must not move
    expect(rows.nth(0).locator('[data-field="remaining"]')).to_have_text(frozen)

    page.get_by_role("link", name="Register").click()
    press(page, "Resume all")
    expect(page.locator(".state").first).to_have_text("in progress")
    page.get_by_text(f"Extra time or move workstation for {names[0]}").click()
    page.get_by_label(f"Extra minutes for {names[0]}").fill("10")
    page.get_by_label("Reason for extra time").first.fill("noise from the corridor")
    press(page, f"Give extra time to {names[0]}")
    expect(page.get_by_text("10 min extra granted")).to_be_visible()

    page.get_by_role("link", name="Record an incident").click()
    page.get_by_label("Category").select_option("suspected_malpractice")
    page.get_by_label(names[1], exact=False).check()
    page.get_by_label("What happened").fill("Mobile phone seen on the desk")
    page.get_by_label("Witnesses").fill("A. Khan")
    page.get_by_role("button", name="Record incident").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Suspected malpractice report"))
    expect(page.get_by_text("Mobile phone seen on the desk", exact=True)).to_be_visible()
    assert blocking_violations(page) == []

    page.get_by_role("link", name="Register").click()
    press(page, "End the session")
    page.get_by_label("Note for the register").fill("Fire doors checked")
    page.get_by_role("button", name="Sign the register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Session report: session {session.id}")
    expect(page.get_by_text(re.compile("Signed off by"))).to_be_visible()
    expect(page.get_by_text("verified intact")).to_be_visible()
    report = page.locator("table.report tbody")
    expect(report).to_contain_text("noise from the corridor")
    expect(report).to_contain_text("suspected malpractice")
    expect(report).to_contain_text("other (paused by the invigilator)")
    assert blocking_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename == f"session-{session.id}-report.csv"
    db.session.expire_all()
    assert all(s.state is SittingState.FINISHED for s in sittings)


def test_a_centre_administrator_sets_up_a_session_on_accessible_pages(page: Page, app):
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
    assert blocking_violations(page) == []
    page.get_by_label("Date").fill("2030-06-03")
    page.get_by_label("Scheduled start").fill("10:15")
    page.get_by_label("Unit reference(s)").fill("Y/506/2152")
    page.get_by_label("Test length in minutes").fill("45")
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
