"""The invigilator's pages under pressure, walked in Chromium: one click no longer ends the session,
evacuates or ends a candidate's test; the register is one card per candidate with the same parts in
the same order, uncramped at 1280 px and at 200% zoom; an unresolved learner alert reaches the report
and blocks sign-off until it is resolved; the reconciliation report is linked; times are UK time."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from invigilation.models.sessions import SessionState
from invigilation.services import conduct
from invigilation.services.report import stamp_text, time_text, utc_text
from invigilation.states import SittingState
from tests.e2e import staff
from tests.e2e.accessibility import blocking_violations
from tests.e2e.learner import answer_current, confirm_and_start, sign_in_with_code, submit
from tests.e2e.test_invigilation import ITEMS, alert_invigilator, candidate, check_in, end_the_session, go_to, press
from tests.invigilation.conftest import build_world

pytestmark = pytest.mark.e2e
S = SittingState
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
FACTS = ["State", "Seat", "Unit", "Identity", "Arrangements", "Sign-in code"]
PARTS = ["card-facts", "card-actions", "card-primary", "card-more", "card-danger", "card-links"]

CARDS = """(PARTS) => [...document.querySelectorAll('.candidate-card')].map(card => {
  const box = card.getBoundingClientRect();
  const controls = [...card.querySelectorAll('button, a, input, select, summary')]
    .filter(el => el.getBoundingClientRect().width > 0);
  return {
    facts: [...card.querySelectorAll('.card-facts dt')].map(dt => dt.textContent.trim()),
    parts: [...card.querySelectorAll(PARTS)].map(el => el.className.split(' ')[0]),
    outside: controls.filter(el => { const r = el.getBoundingClientRect();
      return r.left < box.left - 1 || r.right > box.right + 1; }).map(el => el.textContent.trim() || el.id),
    small: controls.filter(el => el.matches('.button') && el.getBoundingClientRect().height < 24)
      .map(el => el.textContent.trim()),
    left: box.left, top: box.top, right: box.right, bottom: box.bottom,
  };
})"""


def refresh(*records: object) -> None:
    db.session.expire_all()
    for record in records:
        db.session.refresh(record)


def cards_are_laid_out_alike(register: Page) -> None:
    """Every card has the same facts and parts in the same order, no control spills out of its card,
    buttons are big enough to hit, cards do not overlap, and the page does not scroll sideways."""
    cards = register.evaluate(CARDS, ", ".join(f".{part}" for part in PARTS))
    assert len(cards) == 2
    for card in cards:
        assert card["facts"] == FACTS
        assert card["parts"] == PARTS
        assert card["outside"] == [] and card["small"] == []
    first, second = cards
    assert first["bottom"] <= second["top"] or first["right"] <= second["left"]  # side by side or stacked
    assert register.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_one_click_no_longer_ends_a_test_evacuates_or_ends_the_session(new_page):
    world = build_world(candidates=2, extra_percent=0)
    session = world.session(start=utcnow().replace(microsecond=0))
    sittings = [world.book(session, i) for i in range(2)]
    names = [s.candidate.name for s in sittings]
    invigilator = new_page()
    invigilator.set_viewport_size({"width": 1280, "height": 800})

    staff.sign_in(invigilator, world.invigilator.username)
    invigilator.goto(f"/invigilation/sessions/{session.id}/register")
    press(invigilator, "Start the session", "Session started.")
    for name in names:
        check_in(invigilator, name, "passport")
    refresh(*sittings)
    for sitting, learner in zip(sittings, world.learners):  # both candidates start their tests
        conduct.authorise(sitting, world.invigilator)
        conduct.start_clock(sitting, learner)
    db.session.commit()
    invigilator.reload()

    cards_are_laid_out_alike(invigilator)
    invigilator.set_viewport_size({"width": 640, "height": 400})  # a 1280 x 800 window at 200% zoom
    cards_are_laid_out_alike(invigilator)
    invigilator.set_viewport_size({"width": 1280, "height": 800})
    assert blocking_violations(invigilator) == []

    # a candidate leaving unescorted: the link asks first, and going back changes nothing
    card = candidate(invigilator, names[1])
    expect(card.get_by_role("checkbox")).to_have_count(0)  # no inline "left unescorted" tick box
    card.get_by_role("link", name=f"{names[1]} left unescorted").click()
    expect(invigilator.get_by_role("heading", level=1)).to_have_text(f"Did {names[1]} leave the room unescorted?")
    expect(invigilator.get_by_role("listitem").filter(has_text="test ends now")).to_be_visible()
    assert blocking_violations(invigilator) == []
    refresh(sittings[1])
    assert sittings[1].state is S.IN_PROGRESS and not sittings[1].exits
    invigilator.get_by_role("link", name="No, go back to the register").click()
    expect(invigilator.get_by_role("heading", level=1)).to_have_text(f"Register: session {session.id}")
    refresh(sittings[1])
    assert sittings[1].state is S.IN_PROGRESS
    candidate(invigilator, names[1]).get_by_role("link", name=f"{names[1]} left unescorted").click()
    confirm = invigilator.get_by_role("button", name=f"Yes, {names[1]} left unescorted: end the test")
    confirm.focus()
    invigilator.keyboard.press("Enter")  # the confirmation works from the keyboard
    expect(invigilator.get_by_role("status").filter(has_text=f"{names[1]}: finished.")).to_be_visible()
    refresh(sittings[1])
    assert sittings[1].state is S.FINISHED and sittings[1].exits[0].escort is None

    # evacuation: one click shows what will happen; nobody is paused until it is confirmed
    invigilator.get_by_role("link", name="Evacuate", exact=True).click()
    expect(invigilator.get_by_role("heading", level=1)).to_have_text(f"Evacuate the room (session {session.id})?")
    refresh(sittings[0])
    assert sittings[0].state is S.IN_PROGRESS
    press(invigilator, "Yes, evacuate: pause everyone", "Evacuation: everyone paused")
    refresh(sittings[0])
    assert sittings[0].state is S.PAUSED

    # ending the session: one click asks first; a replay of the old one-click form is refused
    invigilator.get_by_role("link", name="End the session", exact=True).click()
    expect(invigilator.get_by_role("listitem").filter(has_text=names[0])).to_contain_text("The test ends now")
    expect(invigilator.get_by_text("This cannot be undone.")).to_be_visible()
    token = invigilator.locator('input[name="csrf_token"]').first.get_attribute("value") or ""
    replayed = invigilator.request.post(f"/invigilation/sessions/{session.id}/end", form={"csrf_token": token},
                                        max_redirects=0)
    assert replayed.status == 400 and "must be confirmed" in replayed.text()
    invigilator.get_by_role("link", name="No, go back to the register").click()
    refresh(session)
    assert session.state is SessionState.STARTED
    end_the_session(invigilator)
    refresh(session, *sittings)
    assert session.state is SessionState.ENDED and sittings[0].state is S.FINISHED


def test_an_unresolved_alert_blocks_sign_off_and_the_report_links_reconciliation_in_uk_time(new_page, runner_bank):
    runner_bank("fixed", ITEMS)
    world = build_world(candidates=1, extra_percent=0)
    session = world.session(start=utcnow().replace(microsecond=0))
    sitting = world.book(session)
    name, number = sitting.candidate.name, sitting.candidate.candidate_number
    invigilator, learner = new_page(), new_page()

    staff.sign_in(invigilator, world.invigilator.username)
    invigilator.goto(f"/invigilation/sessions/{session.id}/register")
    press(invigilator, "Start the session", "Session started.")
    check_in(invigilator, name, "passport")
    press(invigilator, f"Authorise {name}", f"{name}: authorised.")
    code = candidate(invigilator, name).locator(".sign-in-code").inner_text()
    sign_in_with_code(learner, number, code)
    confirm_and_start(learner, ITEMS)
    answer_current(learner)
    alert_invigilator(learner, "The picture does not load")
    submit(learner)

    invigilator.reload()
    end_the_session(invigilator)
    blocked = invigilator.locator("#sign-off-blocked")
    expect(blocked).to_contain_text("The register cannot be signed yet: 1 alert is not dealt with")
    expect(blocked).to_contain_text("The picture does not load")
    expect(invigilator.get_by_role("button", name="Sign the register")).to_have_count(0)
    blocked.get_by_role("link", name="session report").click()

    expect(invigilator.get_by_role("heading", level=1)).to_have_text(f"Session report: session {session.id}")
    expect(invigilator.get_by_role("heading", name="Alerts not dealt with")).to_be_visible()
    expect(invigilator.get_by_role("row", name=re.compile(re.escape(number)))).to_contain_text(
        "The picture does not load (NOT DEALT WITH)")
    assert blocking_violations(invigilator) == []
    with invigilator.expect_download() as download:
        invigilator.get_by_role("link", name="Download as CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["unresolved_alerts"] == "1" and "The picture does not load" in row["alerts"]
    refresh(sitting)
    assert row["actual_start"] == time_text(sitting.started_at)
    assert row["actual_finish"] == time_text(sitting.finished_at)
    assert row["actual_start_utc"] == utc_text(sitting.started_at)
    human = [value for column, value in row.items() if not column.endswith("_utc")]
    assert not any(ISO.search(value) for value in human) and not re.search(r":\d{2}\.\d", text)

    invigilator.get_by_label(f"What was done about {name}'s alert").fill("Reloaded the picture; no time lost")
    press(invigilator, "Resolve", f"Alert from {name} resolved.")
    expect(invigilator.get_by_text("None: every alert has been dealt with.")).to_be_visible()
    expect(invigilator.get_by_role("row", name=re.compile(re.escape(number)))).to_contain_text(
        "Reloaded the picture; no time lost")
    go_to(invigilator, "Register")
    invigilator.get_by_role("button", name="Sign the register").click()
    expect(invigilator.get_by_text(re.compile("Signed off by"))).to_be_visible()
    assert not ISO.search(invigilator.locator("main").inner_text())

    invigilator.get_by_role("link", name=f"Reconciliation report for {name}").click()
    expect(invigilator.get_by_role("heading", level=1)).to_have_text(f"Reconciliation report: {name} ({number})")
    page_text = invigilator.locator("main").inner_text()
    attempt = db.session.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id)).one()
    assert attempt.ended_at is not None
    assert "UK time" in page_text and stamp_text(attempt.ended_at.isoformat()) in page_text
    assert not ISO.search(page_text)
    assert blocking_violations(invigilator) == []
    go_to(invigilator, "Live dashboard")
    invigilator.get_by_role("link", name=f"Reconciliation report for {name}").click()
    expect(invigilator.get_by_role("heading", level=1)).to_have_text(re.compile("Reconciliation report"))
