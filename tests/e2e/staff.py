"""Staff steps in Chromium shared by the browser tests: signing in, second factor included."""

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.core.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.helpers import one_time_code

ENROL = "Set up your authenticator app"
CODE = "Code from your authenticator app"


def sign_in(page: Page, username: str, password: str = TEST_PASSWORD) -> None:
    """Fill in the sign-in form, then pass the second factor if the account's role takes one."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    pass_second_factor(page, username)


def pass_second_factor(page: Page, username: str) -> None:
    """On the enrolment page, read the key as a person types it into their app; on the code page,
    use the enrolled key; then type the app's current code (the field has the focus) and press
    Enter. Pages without a second factor are left alone."""
    heading = page.get_by_role("heading", level=1)
    expect(heading).not_to_have_text("Sign in")
    title = heading.inner_text()
    if title not in (ENROL, CODE):
        return
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None
    if title == ENROL:
        code = one_time_code(page.locator("#totp-secret").inner_text(), None)
    else:
        assert user.totp_secret is not None
        code = one_time_code(user.totp_secret, user.totp_last_step)
    expect(page.get_by_label(CODE)).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile(f"^({ENROL}|{CODE})$"))
