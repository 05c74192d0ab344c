"""A learner's steps on the test pages in Chromium, shared by the browser tests.

`scan` is called on every page the learner passes (tests give it an axe check).
"""

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

Scan = Callable[[Page], None]


def no_scan(page: Page) -> None:
    """Scan nothing."""


def sign_in_with_code(page: Page, candidate_number: str, code: str, scan: Scan = no_scan) -> None:
    """Sign in with the candidate number and the candidate's own sign-in code."""
    page.goto("/learner/sign-in")
    scan(page)
    page.get_by_label("Candidate number").fill(candidate_number)
    page.get_by_label("Your sign-in code").fill(code)
    page.get_by_role("button", name="Sign in").click()


def unlock_with_session_key(page: Page, key: str, scan: Scan = no_scan) -> None:
    """On the waiting page, type the session key the invigilator read out."""
    expect(page.get_by_role("heading", name="Waiting for your invigilator")).to_be_visible()
    scan(page)
    page.get_by_label(re.compile("session key")).fill(key)
    page.get_by_role("button", name="Unlock my test").click()


def confirm_and_start(page: Page, items: int, scan: Scan = no_scan) -> None:
    """Confirm the details, accept the declaration (after being told to tick it) and start the clock."""
    expect(page.get_by_role("heading", name="Check your details")).to_be_visible()
    scan(page)
    page.get_by_role("button", name="Yes, these are my details").click()
    expect(page.get_by_role("heading", name="Candidate notice and declaration")).to_be_visible()
    scan(page)
    page.get_by_role("button", name="Continue to the instructions").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box")
    page.get_by_label(re.compile("I have read the information")).check()
    page.get_by_role("button", name="Continue to the instructions").click()
    expect(page.get_by_role("heading", name="Instructions")).to_be_visible()
    scan(page)
    page.get_by_role("button", name="Start the test").click()
    expect(page.get_by_role("heading", name=f"Question 1 of {items}")).to_be_visible()
    scan(page)


def answer_current(page: Page) -> None:
    """Answer the question on screen by keyboard-reachable controls, whatever its type."""
    body = page.locator("#item-body")
    selects = body.locator("select")
    if body.locator(".order-list").count():
        body.locator("button.move-down").first.click()
    elif selects.count():
        for n in range(selects.count()):
            selects.nth(n).select_option(str(n + 1))
    elif body.locator("input[type=checkbox]").count():
        body.locator("input[type=checkbox]").nth(0).check()
        body.locator("input[type=checkbox]").nth(1).check()
    else:
        body.locator("input[type=radio]").nth(1).check()
    expect(page.locator("#save-state")).to_have_text("Saved")


def submit(page: Page, scan: Scan = no_scan) -> None:
    """Finish the test (its own screen), submit it and see every answer change checked in the reconciliation."""
    page.get_by_role("button", name="Finish test").click()
    expect(page.get_by_role("heading", name="Finish your test")).to_be_focused()
    scan(page)
    page.get_by_role("button", name="Submit my test").click()
    page.get_by_role("button", name="Yes, submit now").click()
    expect(page.get_by_role("heading", name="Your test has ended")).to_be_visible()
    expect(page.locator("#journal-result")).to_contain_text("Checked: all")
    scan(page)


def remaining_seconds(page: Page) -> int:
    """The remaining time the runner's clock holds, in whole seconds (it shows hh:mm)."""
    shown = page.locator("#timer").inner_text()
    assert re.match(r"\d\d:\d\d|under 1 min", shown), f"the clock shows {shown!r}, not hh:mm"
    return int(page.locator("#timer").get_attribute("data-seconds") or "-1")


def shows_remaining_between(page: Page, low: float, high: float, timeout: float = 5_000) -> None:
    """Wait until the runner's timer shows between `low` and `high` seconds left."""
    try:
        page.wait_for_function(
            """([low, high]) => {
                 const left = Number(document.getElementById("timer").dataset.seconds);
                 return left >= low && left <= high;
               }""", arg=[low, high], timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"the timer shows {page.locator('#timer').inner_text()!r}, "
                             f"not between {low:.0f} and {high:.0f} seconds left") from None
