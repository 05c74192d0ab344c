"""The exam player in Chromium: ordering by keyboard and by drag and drop, read-aloud for a reader
arrangement, the clock's low-time state and hiding, help as a dialog, and axe in every colour scheme
and at 400% zoom. Screenshots of the player at 1280x800 and at 200% zoom are written outside the
repository (SCREENSHOT_DIR, default the system's temporary folder) for a reviewer to look at."""

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from tests.delivery.factory import shift_start
from tests.e2e.accessibility import blocking_violations
from tests.e2e.learner import submit
from tests.e2e.test_sitting import attempt_of, sign_in_and_start

pytestmark = pytest.mark.e2e
SPEECH_SPY = """window.__spoken = [];
if (!window.speechSynthesis) { window.speechSynthesis = { cancel() {}, speak() {} }; }
window.speechSynthesis.speak = (utterance) => window.__spoken.push(utterance.text);"""
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(tempfile.gettempdir()) / "exam-engine-screenshots"))


def stored_order(sitting) -> list[str] | None:
    attempt = attempt_of(sitting)
    db.session.expire_all()
    entry = next(e for e in db.session.get(Attempt, attempt.id).items if e.item_version.type.value == "ordering")
    return entry.response.answer if entry.response else None


def to_the_ordering_item(page: Page) -> None:
    for position in range(1, 5):
        expect(page.get_by_role("heading", name=f"Question {position} of 4")).to_be_visible()
        if page.locator(".order-list").count():
            return
        page.get_by_role("button", name="Next", exact=True).click()
    raise AssertionError("no ordering item in the test")


def test_ordering_by_keyboard_and_by_dragging_and_reading_aloud(page: Page, sitting_for):
    setup = sitting_for("fixed", 4, arrangements={"reader": True})
    page.add_init_script(SPEECH_SPY)
    sign_in_and_start(page, setup.sitting, 4)
    to_the_ordering_item(page)
    items = page.locator(".order-item")
    first = items.nth(0).get_attribute("data-id")
    second = items.nth(1).get_attribute("data-id")
    last = items.nth(3).get_attribute("data-id")
    assert stored_order(setup.sitting) is None  # the order shown is not an answer until the learner acts

    move = page.get_by_role("button", name=f"Move {first} down")
    move.focus()
    page.keyboard.press("Enter")  # keyboard alone
    expect(items.nth(1)).to_have_attribute("data-id", first)
    expect(page.get_by_role("button", name=f"Move {first} down")).to_be_focused()
    expect(page.locator("#announcer")).to_have_text(f"Statement {first} is now 2 of 4.")
    expect(page.locator("#save-state")).to_have_text("Saved")
    assert stored_order(setup.sitting)[:2] == [second, first]

    items.nth(3).drag_to(items.nth(0))  # the mouse: the last statement dragged to the top
    expect(items.nth(0)).to_have_attribute("data-id", last)
    expect(page.locator("#save-state")).to_have_text("Saved")
    assert stored_order(setup.sitting)[0] == last

    page.get_by_role("button", name="Read aloud").click()
    expect(page.get_by_role("button", name="Stop reading")).to_have_attribute("aria-pressed", "true")
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and spoken[0].startswith("Question ") and f"Option {first}." in spoken[0]
    assert blocking_violations(page) == []


def test_the_clock_the_help_dialog_and_every_colour_scheme_at_400_percent_zoom(page: Page, sitting_for):
    setup = sitting_for("fixed", 4, arrangements={"colour_scheme": "yellow on black"})
    sign_in_and_start(page, setup.sitting, 4)
    expect(page.locator("#timer")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)  # no site chrome during the test
    page.get_by_role("button", name="Hide time").click()
    expect(page.locator("#timer")).to_be_hidden()
    page.get_by_role("button", name="Show time").click()
    expect(page.locator("#timer")).to_be_visible()

    page.get_by_role("button", name="Help").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=SCREENSHOTS / "player-1280x800.png", full_page=True)
    page.set_viewport_size({"width": 640, "height": 400})  # the same screen at 200% zoom
    page.screenshot(path=SCREENSHOTS / "player-200-percent.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 256})  # 400% zoom of 1280x1024: WCAG's reflow width
    for scheme in ("standard", "cream", "blue", "yellow-on-black"):
        page.get_by_label("Colours").select_option(scheme)
        expect(page.locator("body")).to_have_class(re.compile(f"scheme-{scheme}"))
        assert blocking_violations(page) == [], scheme
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # reflows: no sideways scrolling

    page.set_viewport_size({"width": 1280, "height": 800})
    shift_start(setup.sitting, 26 * 60)  # four of its thirty minutes left
    expect(page.locator("#low-time")).to_be_visible(timeout=5_000)
    expect(page.locator("#low-time")).to_have_text("Low time")


@pytest.mark.parametrize("recorded", [None, "black on cream", "black on light blue", "yellow on black"])
def test_every_learner_page_at_400_percent_zoom_in_each_colour_scheme(page: Page, sitting_for, recorded):
    """Sign-in to receipt at 320 CSS pixels wide (400% of 1280), each page scanned by axe and free of
    sideways scrolling, in the colours the candidate's arrangement records."""
    setup = sitting_for("fixed", 4, arrangements={"colour_scheme": recorded} if recorded else None)
    page.set_viewport_size({"width": 320, "height": 256})

    def accessible_and_reflowed(shown: Page) -> None:
        assert blocking_violations(shown) == [], shown.url
        assert shown.evaluate("document.documentElement.scrollWidth") <= 320, shown.url

    sign_in_and_start(page, setup.sitting, 4, accessible_and_reflowed)
    submit(page, accessible_and_reflowed)
