"""Signing in through the browser, by keyboard, on accessible pages."""

import re

import pytest
from playwright.sync_api import Page, expect

from exam_engine.auth.roles import Role
from tests.conftest import TEST_PASSWORD
from tests.e2e.accessibility import blocking_violations
from tests.e2e.staff import pass_second_factor

pytestmark = pytest.mark.e2e

HEADINGS = {
    Role.LEARNER: "Your tests",
    Role.INVIGILATOR: "Invigilation",
    Role.ITEM_WRITER: "Item bank workbench",
    Role.REVIEWER: "Item bank workbench",
    Role.CENTRE_ADMIN: "Centre administration",
    Role.AWARDING_BODY_ADMIN: "Administration",
    Role.SUBJECT_EXPERT: "Standard setting",
}


def sign_in_by_keyboard(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.get_by_label("Username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("role", list(Role))
def test_each_role_signs_in_by_keyboard_and_lands_on_an_accessible_page(page, make_user, role):
    user = make_user(role)
    sign_in_by_keyboard(page, user.username, TEST_PASSWORD)
    pass_second_factor(page, user.username)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[role])
    assert blocking_violations(page) == []
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_sign_in_and_error_pages_are_accessible(page, make_user):
    page.goto("/login")
    assert blocking_violations(page) == []
    user = make_user(Role.LEARNER)
    sign_in_by_keyboard(page, user.username, "not the password")
    expect(page.get_by_role("alert")).to_contain_text("not right")
    assert blocking_violations(page) == []
    page.goto("/no/such/page")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Not Found")
    assert blocking_violations(page) == []


def test_a_learner_cannot_open_the_workbench(page, make_user):
    user = make_user(Role.LEARNER)
    sign_in_by_keyboard(page, user.username, TEST_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[Role.LEARNER])
    response = page.goto("/workbench/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("Forbidden")


def test_staff_enrol_an_authenticator_then_sign_in_with_its_code_on_accessible_pages(page, make_user):
    user = make_user(Role.REVIEWER)
    sign_in_by_keyboard(page, user.username, TEST_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert blocking_violations(page) == []
    page.keyboard.type("000000")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").or_(page.locator(".field-error"))).to_contain_text("not right")
    assert blocking_violations(page) == []
    pass_second_factor(page, user.username)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[Role.REVIEWER])
    page.get_by_role("button", name="Sign out").click()

    sign_in_by_keyboard(page, user.username, TEST_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Code from your authenticator app")
    assert blocking_violations(page) == []
    pass_second_factor(page, user.username)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[Role.REVIEWER])
