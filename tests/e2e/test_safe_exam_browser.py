"""A test that requires Safe Exam Browser, in Chromium: a browser that adds SEB's Config Key hash of
each URL it requests (page loads and the runner's fetches alike) sits the whole test; a plain one is
refused and told what to do; the invigilator's dashboard shows both checks."""

import hashlib

import pytest
from playwright.sync_api import Page, expect

from exam_engine.core.extensions import db
from invigilation.lockdown import Verdict
from invigilation.models.centres import UnitLockdownRule
from invigilation.models.sessions import Sitting
from invigilation.services.lockdown import make_seb_file
from tests.delivery.factory import KEY, UNIT, make_sitting
from tests.e2e.accessibility import blocking_violations
from tests.e2e.learner import answer_current, confirm_and_start, sign_in_with_code, submit, unlock_with_session_key

pytestmark = pytest.mark.e2e


def as_safe_exam_browser(page: Page, config_key: str) -> None:
    """Make the page send what SEB sends: with each request, SHA-256 of its URL (no fragment) and the key.
    Chromium's own interception (DevTools Fetch) pauses every request, redirected ones included, so each
    carries the hash of its own URL, as SEB's do."""
    devtools = page.context.new_cdp_session(page)

    def add_hash(event: dict) -> None:
        request = event["request"]
        digest = hashlib.sha256((request["url"].split("#")[0] + config_key).encode("utf-8")).hexdigest()
        headers = {**request["headers"], "X-SafeExamBrowser-ConfigKeyHash": digest}
        devtools.send("Fetch.continueRequest", {"requestId": event["requestId"],
                                                "headers": [{"name": k, "value": v} for k, v in headers.items()]})

    devtools.on("Fetch.requestPaused", add_hash)
    devtools.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]})


def test_only_safe_exam_browser_sits_a_test_that_requires_it(new_page, runner_bank, make_user, live_server):
    runner_bank("fixed", 4)
    db.session.add(UnitLockdownRule(unit_reference=UNIT, safe_exam_browser_required=True))
    setup = make_sitting(make_user)
    start = f"{live_server}/learner/sign-in?session={setup.sitting.session_id}"
    made = make_seb_file(setup.sitting.session, start, f"{live_server}/learner/safe-exam-browser/closed",
                         setup.invigilator)
    db.session.commit()

    plain = new_page()
    sign_in_with_code(plain, setup.candidate_number, setup.sitting.sign_in_code)
    expect(plain.get_by_role("alert")).to_contain_text("must be sat in Safe Exam Browser")
    db.session.expire_all()
    assert db.session.get(Sitting, setup.sitting.id).browser_check is Verdict.NOT_SAFE_EXAM_BROWSER

    seb = new_page()
    as_safe_exam_browser(seb, made.config_key)
    seb.goto(start)  # SEB opens the file's start URL
    sign_in_with_code(seb, setup.candidate_number, setup.sitting.sign_in_code)
    unlock_with_session_key(seb, KEY)
    confirm_and_start(seb, 4)
    answer_current(seb)
    seb.get_by_role("button", name="Next").click()
    expect(seb.get_by_role("heading", name="Question 2 of 4")).to_be_visible()
    answer_current(seb)
    submit(seb)
    expect(seb.get_by_role("link", name="Close Safe Exam Browser")).to_be_visible()
    assert blocking_violations(seb) == []
    db.session.expire_all()
    assert db.session.get(Sitting, setup.sitting.id).browser_check is Verdict.PASSED
