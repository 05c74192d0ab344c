"""Sitting whole tests in Chromium: sign in, confirm, answer, flag and review, reload, lose the network,
run out of time, submit; with an axe-core scan of every learner page on the way."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.models import AnswerEvent, Attempt, Response
from invigilation.models.sessions import Pause, PauseReason, Sitting
from invigilation.states import SittingState
from tests.delivery.factory import KEY, shift_start
from tests.e2e.accessibility import blocking_violations
from tests.e2e.learner import (
    Scan,
    answer_current,
    confirm_and_start,
    sign_in_with_code,
    submit,
    unlock_with_session_key,
)

pytestmark = pytest.mark.e2e


def accessible(page: Page) -> None:
    assert blocking_violations(page) == [], page.url


def sign_in_and_start(page: Page, sitting: Sitting, items: int, scan: Scan = accessible) -> None:
    sign_in_with_code(page, sitting.candidate.candidate_number, sitting.sign_in_code.lower(), scan)
    unlock_with_session_key(page, KEY.lower(), scan)
    confirm_and_start(page, items, scan)


def stored_answers(attempt_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Response.id)).join(Response.attempt_item)
                             .where(Response.answer.is_not(None))
                             .filter_by(attempt_id=attempt_id)) or 0


def attempt_of(sitting) -> Attempt:
    db.session.expire_all()
    return db.session.scalar(select(Attempt).where(Attempt.sitting_id == sitting.id))


def test_fixed_test_with_flag_review_reload_and_submit(page: Page, sitting_for):
    setup = sitting_for("fixed", 4)
    sign_in_and_start(page, setup.sitting, 4)
    answer_current(page)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Question 2 of 4")).to_be_visible()
    page.get_by_role("button", name="Flag for review").click()
    expect(page.get_by_role("button", name="Flagged: remove flag")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Question 3 of 4")).to_be_visible()
    answer_current(page)
    page.reload()
    expect(page.get_by_role("heading", name="Question 1 of 4")).to_be_visible()
    assert page.locator("#item-body input:checked, #item-body select").count() >= 1
    page.get_by_role("button", name="Review answers").click()
    expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
    expect(page.locator("#review-summary")).to_have_text("2 not answered, 1 flagged.")
    accessible(page)
    page.get_by_role("button", name="Question 4").click()
    expect(page.get_by_role("heading", name="Question 4 of 4")).to_be_visible()
    submit(page, accessible)
    expect(page.locator("#stored-count")).to_contain_text("2 answers are stored")
    assert stored_answers(attempt_of(setup.sitting).id) == 2


def test_linear_on_the_fly_test_survives_losing_the_network_and_a_pause(page: Page, sitting_for):
    setup = sitting_for("loft", 3, arrangements={"colour_scheme": "yellow on black", "font_size_percent": 200})
    sign_in_and_start(page, setup.sitting, 3)
    expect(page.locator("body")).to_have_class(re.compile("scheme-yellow-on-black"))
    answer_current(page)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Question 2 of 3")).to_be_visible()
    page.context.set_offline(True)
    body = page.locator("#item-body")
    if body.locator(".order-list").count():
        body.locator("button.move-down").first.click()
    elif body.locator("select").count():
        body.locator("select").nth(0).select_option("1")
        for n in range(1, body.locator("select").count()):
            body.locator("select").nth(n).select_option(str(n + 1))
    elif body.locator("input[type=checkbox]").count():
        body.locator("input[type=checkbox]").nth(0).check()
    else:
        body.locator("input[type=radio]").nth(0).check()
    expect(page.locator("#save-state")).to_contain_text("Offline")
    attempt = attempt_of(setup.sitting)
    assert stored_answers(attempt.id) == 1
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#save-state")).to_have_text("Saved")
    assert stored_answers(attempt.id) == 2
    page.get_by_label("Text size").select_option("150")
    expect(page.locator("body")).to_have_class(re.compile("text-150"))
    accessible(page)
    sitting = attempt.sitting
    db.session.add(Pause(sitting_id=sitting.id, reason=PauseReason.REST_BREAK, started_at=utcnow()))
    sitting.state = SittingState.PAUSED
    db.session.commit()
    expect(page.get_by_role("heading", name="Your test is paused")).to_be_visible()
    expect(page.locator("#pause-reason")).to_have_text("Reason: rest break.")
    expect(page.get_by_role("heading", name="Question 2 of 3")).to_be_hidden()  # nothing to read or answer
    accessible(page)
    db.session.refresh(sitting)
    sitting.pauses[0].ended_at = utcnow()
    sitting.state = SittingState.IN_PROGRESS
    db.session.commit()
    expect(page.get_by_role("heading", name="Your test is paused")).to_be_hidden()
    expect(page.get_by_role("heading", name="Question 2 of 3")).to_be_visible()
    submit(page, accessible)


def test_adaptive_test_goes_forward_with_a_confirm_step(page: Page, sitting_for):
    setup = sitting_for("cat", 3)
    sign_in_and_start(page, setup.sitting, 3)
    for number in (1, 2):
        answer_current(page)
        page.get_by_role("button", name="Next question").click()
        expect(page.get_by_role("button", name="Yes, move on")).to_be_focused()
        accessible(page)
        page.get_by_role("button", name="Yes, move on").click()
        expect(page.get_by_role("heading", name=f"Question {number + 1} of 3")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Question 3 of 3")).to_be_visible()
    answer_current(page)
    submit(page, accessible)
    attempt = attempt_of(setup.sitting)
    assert [entry.selection["position"] for entry in attempt.items] == [1, 2, 3]
    assert all("theta" in entry.selection and entry.selection["shadow_test"] for entry in attempt.items)
    assert stored_answers(attempt.id) == 3
    assert db.session.scalar(select(func.count(AnswerEvent.id)).where(AnswerEvent.attempt_id == attempt.id)) >= 3


def test_running_out_of_time_ends_the_test_and_keeps_saved_answers(page: Page, sitting_for):
    setup = sitting_for("fixed", 4, minutes=1)
    sign_in_and_start(page, setup.sitting, 4)
    answer_current(page)
    shift_start(setup.sitting, 57)
    expect(page.get_by_role("alert")).to_contain_text("5 minutes left", timeout=5_000)
    expect(page.get_by_role("heading", name="Your test has ended")).to_be_visible(timeout=15_000)
    expect(page.locator("#stored-count")).to_contain_text("The time ran out. 1 answers are stored")
    accessible(page)
    attempt = attempt_of(setup.sitting)
    assert attempt.end.value == "timed_out" and stored_answers(attempt.id) == 1
