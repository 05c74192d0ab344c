"""Account pages in Chromium: the awarding body creates an account, a centre administrator resets
an invigilator's password; every page passes an axe scan and works from the keyboard."""

import pytest
from playwright.sync_api import Page, expect

from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from tests.e2e.accessibility import blocking_violations
from tests.e2e.staff import sign_in
from tests.invigilation.conftest import build_world, quick_user

pytestmark = pytest.mark.e2e


def temporary_password(page: Page) -> str:
    expect(page.get_by_text("This password is shown only once.")).to_be_visible()
    return page.locator("#temporary-password").inner_text()


def test_the_awarding_body_creates_an_account_and_a_centre_resets_a_password(new_page, app):
    world = build_world()
    quick_user(Role.AWARDING_BODY_ADMIN, "body-admin")
    db.session.commit()

    body = new_page()
    sign_in(body, "body-admin")
    body.get_by_role("link", name="Accounts: create, deactivate").click()
    expect(body.get_by_role("heading", level=1)).to_have_text("Accounts")
    assert blocking_violations(body) == []
    body.get_by_role("link", name="Create an account").click()
    body.get_by_role("button", name="Create account").click()  # nothing filled in
    expect(body.get_by_role("alert")).to_contain_text("Enter a username.")
    expect(body.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    assert blocking_violations(body) == []
    body.get_by_role("link", name="Enter a username.").click()
    expect(body.get_by_label("Username")).to_be_focused()
    body.keyboard.type("ivy-invigilator")
    body.get_by_label("Full name").fill("Ivy Invigilator")
    body.get_by_label("Role").select_option(label="Invigilator")
    body.get_by_label("Centre", exact=True).select_option(label="North College (10001)")
    body.get_by_label("Full name").press("Enter")
    expect(body.get_by_role("heading", level=1)).to_have_text("Account created")
    first_password = temporary_password(body)
    assert blocking_violations(body) == []

    ivy = new_page()
    sign_in(ivy, "ivy-invigilator", first_password)
    expect(ivy.get_by_role("heading", level=1)).to_have_text("Invigilation")

    centre = new_page()
    sign_in(centre, world.admin.username)
    centre.get_by_role("link", name="Invigilators' and learners' accounts").click()
    centre.get_by_label("Name or username").fill("ivy")
    centre.get_by_role("button", name="Show").click()
    expect(centre.get_by_role("row")).to_have_count(2)  # the header and Ivy
    assert blocking_violations(centre) == []
    centre.get_by_role("link", name="ivy-invigilator").click()
    expect(centre.get_by_role("heading", level=1)).to_contain_text("Ivy Invigilator")
    assert blocking_violations(centre) == []
    reset = centre.get_by_role("button", name="Reset password of ivy-invigilator")
    reset.focus()
    centre.keyboard.press("Enter")
    expect(centre.get_by_role("heading", level=1)).to_have_text("Password reset")
    new_password = temporary_password(centre)
    assert new_password != first_password
    assert blocking_violations(centre) == []
    centre.get_by_role("link", name="Back to ivy-invigilator").click()
    expect(centre.get_by_role("cell", name="password reset")).to_be_visible()

    ivy.reload()
    expect(ivy.get_by_role("heading", level=1)).to_have_text("Sign in")  # the reset ended her session
    sign_in(ivy, "ivy-invigilator", new_password)
    expect(ivy.get_by_role("heading", level=1)).to_have_text("Invigilation")
