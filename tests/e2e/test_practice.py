"""The practice test in Chromium: from the sign-in page, with no sign-in, through one item of every type and
every tool of the real player by keyboard, to the practice receipt; axe on every screen; nothing stored."""

import re

import pytest
from playwright.sync_api import Page, expect

from exam_engine.core.extensions import db
from tests.delivery.test_practice import row_counts
from tests.e2e.accessibility import blocking_violations
from tests.e2e.test_player import SPEECH_SPY

pytestmark = pytest.mark.e2e


def press(page: Page, name: str, key: str = "Enter", role: str = "button") -> None:
    """Move the keyboard focus to a control and press a key on it."""
    control = page.get_by_role(role, name=name, exact=True)
    control.focus()
    page.keyboard.press(key)


def scanned(page: Page) -> None:
    assert blocking_violations(page) == []


def saved(page: Page) -> None:
    expect(page.locator("#save-state")).to_have_text("Saved")


def heading(page: Page, position: int) -> None:
    expect(page.get_by_role("heading", name=f"Question {position} of 6")).to_be_focused()


def test_a_practice_test_with_every_item_type_and_tool_by_keyboard(page: Page, app):
    app.config.update(RUNNER_POLL_SECONDS=1, PRACTICE_MINUTES=4.5)  # under 5 minutes: low time from the start
    before = row_counts()
    try:
        page.add_init_script(SPEECH_SPY)
        page.goto("/learner/sign-in")
        press(page, "Try a practice test first", role="link")
        expect(page.get_by_role("heading", name="Practice test")).to_be_visible()
        scanned(page)
        press(page, "Start the practice test")
        heading(page, 1)
        expect(page.get_by_text("Practice test: nothing is stored")).to_be_visible()
        scanned(page)

        # The clock: hh:mm, low time in words, hidden and shown again.
        expect(page.locator("#timer")).to_have_text(re.compile(r"^\d\d:\d\d$"))
        expect(page.locator("#low-time")).to_have_text("Low time")
        press(page, "Hide time")
        expect(page.locator("#timer")).to_be_hidden()
        press(page, "Show time")
        expect(page.locator("#timer")).to_be_visible()

        # 1. single best answer
        press(page, "B. Next", "Space", role="radio")
        saved(page)
        expect(page.locator("#progress")).to_have_text("Question 1 of 6")
        press(page, "Next")
        # 2. multiple response: two to choose
        heading(page, 2)
        press(page, "A. The time left", "Space", role="checkbox")
        press(page, "C. Whether your answers are saved", "Space", role="checkbox")
        saved(page)
        press(page, "Next")
        # 3. ordering by Move up (B D A C from A B C D)
        heading(page, 3)
        press(page, "Move B up")
        press(page, "Move D up")
        page.keyboard.press("Enter")  # focus stays on the statement's button
        expect(page.locator(".order-item")).to_have_count(4)
        assert [page.locator(".order-item").nth(n).get_attribute("data-id") for n in range(4)] == ["B", "D", "A", "C"]
        saved(page)
        press(page, "Next")
        # 4. matching with the arrow keys in each list; flagged; read aloud
        heading(page, 4)
        for label, downs in (("1. Flag for review", 3), ("2. Hide time", 1), ("3. Help", 2)):
            page.get_by_label(label).focus()
            for _ in range(downs):
                page.keyboard.press("ArrowDown")
        expect(page.get_by_label("3. Help")).to_have_value("B")
        saved(page)
        press(page, "Flag for review")
        expect(page.get_by_role("button", name="Flagged: remove flag")).to_have_attribute("aria-pressed", "true")
        press(page, "Read aloud")
        expect(page.get_by_role("button", name="Stop reading")).to_have_attribute("aria-pressed", "true")
        spoken = page.evaluate("window.__spoken")
        assert "Statement 1. Flag for review" in spoken[0] and "Option A." in spoken[0]
        scanned(page)
        press(page, "Next")
        # 5. a scenario; 6. formatted text (a table)
        heading(page, 5)
        expect(page.get_by_role("heading", name="Sam's test")).to_be_visible()
        press(page, "A. Flag question 4 for review, then use Review answers", "Space", role="radio")
        saved(page)
        press(page, "Next")
        heading(page, 6)
        expect(page.locator("#stem table")).to_be_visible()
        expect(page.get_by_role("button", name="Next", exact=True)).to_be_disabled()
        press(page, "B. Every answer you have given is stored", "Space", role="radio")
        saved(page)
        press(page, "Previous")
        heading(page, 5)
        expect(page.get_by_role("radio", name=re.compile("^A. Flag question 4"))).to_be_checked()

        # Colours and text sizes: every one is offered in practice.
        page.get_by_label("Colours").focus()
        page.keyboard.press("End")
        expect(page.locator("body")).to_have_class(re.compile("scheme-yellow-on-black"))
        page.get_by_label("Text size").focus()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        expect(page.locator("body")).to_have_class(re.compile("text-150"))
        expect(page.get_by_label("Text size").locator("option")).to_have_count(6)
        scanned(page)

        # Help: the practice alert says what would happen.
        press(page, "Help")
        expect(page.get_by_role("dialog")).to_be_visible()
        page.keyboard.type("Practice message")
        press(page, "Alert the invigilator")
        expect(page.locator("#alert-state")).to_contain_text("no one was alerted")
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_be_hidden()
        expect(page.get_by_role("button", name="Help")).to_be_focused()

        # Review, then finish.
        press(page, "Review answers")
        expect(page.get_by_role("heading", name="Review your answers")).to_be_focused()
        expect(page.locator("#review-summary")).to_have_text("0 not answered, 1 flagged.")
        scanned(page)
        press(page, "Question 4")
        heading(page, 4)
        press(page, "Finish test")
        expect(page.get_by_role("heading", name="Finish your test")).to_be_focused()
        expect(page.locator("#finish-summary")).to_have_text("Every question given is answered.")
        press(page, "Submit my test")
        press(page, "Yes, submit now")
        expect(page.get_by_role("heading", name="Practice test finished")).to_be_visible()
        expect(page.locator("#practice-stored")).to_have_text("This was a practice test: nothing was stored.")
        expect(page.locator("#practice-score")).to_contain_text("8 of 8 marks")
        expect(page.locator("body")).to_have_class(re.compile("scheme-yellow-on-black"))  # the choice carries on
        scanned(page)
        press(page, "Try the practice test again", role="link")
        expect(page.get_by_role("button", name="Start the practice test")).to_be_visible()
        db.session.expire_all()
        assert row_counts() == before
    finally:
        app.config.update(RUNNER_POLL_SECONDS=15)
        app.config.pop("PRACTICE_MINUTES", None)
