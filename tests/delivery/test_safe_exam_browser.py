"""The runner under a session that requires Safe Exam Browser: every learner request must carry the
Config Key hash of its own URL (and, once the awarding body approved keys, a Browser Exam Key hash);
the expected hashes are computed here with hashlib as SEB's documentation defines them."""

import hashlib
import logging

import pytest
from sqlalchemy import select

from exam_engine.core.extensions import db
from exam_engine.delivery.services.lockdown import requested_url
from invigilation.lockdown import Verdict
from invigilation.models.centres import UnitLockdownRule
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import Sitting
from invigilation.services.lockdown import make_seb_file, set_browser_exam_keys
from tests.conftest import make_test_app
from tests.delivery.factory import UNIT, make_items, make_sitting
from tests.delivery.runner_client import Runner
from tests.helpers import csrf_token_from

BASE = "http://localhost"  # the test client's scheme and host: what SEB would have hashed
APPROVED = hashlib.sha256(b"an approved SEB build").hexdigest()


def seb_hash(url: str, key: str, base: str = BASE) -> str:
    """SEB's header value: SHA-256, lower-case hex, of the absolute URL without fragment, then the key."""
    return hashlib.sha256((base + url.split("#")[0] + key).encode("utf-8")).hexdigest()


class SafeExamBrowser(Runner):
    """A runner whose every request carries the hashes SEB computes for its URL."""

    def __init__(self, client, config_key: str, browser_exam_key: str | None = None, base: str = BASE,
                 forwarded: dict[str, str] | None = None) -> None:
        self.config_key, self.browser_exam_key, self.base = config_key, browser_exam_key, base
        self.forwarded = forwarded or {}  # what a reverse proxy in front of the app adds
        self.url_for_hash: str | None = None  # hash another URL than the one requested (a replayed header)
        super().__init__(client)

    def headers(self, url: str) -> dict[str, str]:
        hashed = self.url_for_hash or url
        headers = {**self.forwarded, "X-SafeExamBrowser-ConfigKeyHash": seb_hash(hashed, self.config_key, self.base)}
        if self.browser_exam_key:
            headers["X-SafeExamBrowser-RequestHash"] = seb_hash(hashed, self.browser_exam_key, self.base)
        return headers

    def call(self, method, url, json=None):
        response = self.client.open(url, method=method, json=json, headers={
            "X-CSRFToken": self.token, "Accept": "application/json", **self.headers(url)})
        self.responses.append(response)
        return response


@pytest.fixture
def locked(app, make_user, design):
    """A present candidate in a session whose unit the awarding body requires SEB for; the file is made."""
    make_items()
    db.session.add(UnitLockdownRule(unit_reference=UNIT, safe_exam_browser_required=True))
    setup = make_sitting(make_user)
    made = make_seb_file(setup.sitting.session, f"{BASE}/learner/sign-in?session={setup.sitting.session_id}",
                         f"{BASE}/learner/safe-exam-browser/closed", setup.invigilator)
    db.session.commit()
    return setup, made.config_key


def _check(sitting_id: int) -> Verdict | None:
    db.session.expire_all()
    return db.session.get(Sitting, sitting_id).browser_check


def _logged(session_id: int) -> list[str]:
    return [record.data["verdict"] for record in db.session.scalars(
        select(EventRecord).where(EventRecord.session_id == session_id, EventRecord.kind == "sitting.browser_checked")
        .order_by(EventRecord.sequence))]


def test_safe_exam_browser_with_the_sessions_file_sits_the_whole_test(app, locked):
    setup, key = locked
    runner = SafeExamBrowser(app.test_client(), key)
    runner.enter(setup.sitting)
    attempt = runner.start(setup.sitting.id)["attempt"]
    assert runner.call("GET", f"/api/runner/attempts/{attempt}/items/1").status_code == 200
    assert runner.client.get(f"/learner/attempts/{attempt}", headers=runner.headers(f"/learner/attempts/{attempt}")
                             ).status_code == 200
    assert _check(setup.sitting.id) is Verdict.PASSED
    assert _logged(setup.sitting.session_id) == ["passed"]  # logged when the verdict changes, not per request


def test_a_browser_without_the_headers_gets_no_seat_and_is_told_what_to_do(app, locked, caplog):
    setup, _ = locked
    plain = Runner(app.test_client())
    with caplog.at_level(logging.WARNING):
        refused = plain.sign_in(setup.candidate_number, setup.sitting.sign_in_code)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "safe_exam_browser_required"
    assert "Safe Exam Browser" in refused.get_json()["message"] and "invigilator" in refused.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Sitting, setup.sitting.id).seat_token_hash is None  # SEB can still take the seat
    assert _check(setup.sitting.id) is Verdict.NOT_SAFE_EXAM_BROWSER
    assert _logged(setup.sitting.session_id) == ["not_safe_exam_browser"]
    assert any(record.getMessage() == "Safe Exam Browser check refused a request" for record in caplog.records)
    browser = app.test_client()
    token = csrf_token_from(browser.get("/learner/sign-in").get_data(as_text=True))
    page = browser.post("/learner/sign-in", data={"csrf_token": token, "candidate_number": setup.candidate_number,
                                                  "code": setup.sitting.sign_in_code})
    assert page.status_code == 403 and "Safe Exam Browser" in page.get_data(as_text=True)


def test_a_request_without_the_headers_is_refused_mid_test(app, locked):
    """The same signed-in browser session, a request that SEB did not make (e.g. the cookie copied)."""
    setup, key = locked
    runner = SafeExamBrowser(app.test_client(), key)
    runner.enter(setup.sitting)
    attempt = runner.start(setup.sitting.id)["attempt"]
    bare = runner.client.get(f"/api/runner/attempts/{attempt}/items/1", headers={"Accept": "application/json"})
    assert bare.status_code == 403 and bare.get_json()["error"] == "safe_exam_browser_required"
    assert "item" not in bare.get_json()
    page = runner.client.get(f"/learner/attempts/{attempt}")
    assert page.status_code == 403
    assert "This test needs Safe Exam Browser" in page.get_data(as_text=True)
    assert "Stem of test item" not in page.get_data(as_text=True)
    assert _logged(setup.sitting.session_id) == ["passed", "not_safe_exam_browser"]


def test_safe_exam_browser_with_another_files_key_is_refused(app, locked):
    setup, _ = locked
    other = SafeExamBrowser(app.test_client(), hashlib.sha256(b"another session's settings").hexdigest())
    refused = other.sign_in(setup.candidate_number, setup.sitting.sign_in_code)
    assert refused.status_code == 403 and refused.get_json()["error"] == "safe_exam_browser_required"
    assert _check(setup.sitting.id) is Verdict.WRONG_CONFIGURATION
    runner = Runner(app.test_client())
    garbled = runner.client.post("/api/runner/sign-in", json={"candidate_number": setup.candidate_number,
                                                              "code": setup.sitting.sign_in_code},
                                 headers={"X-CSRFToken": runner.token, "X-SafeExamBrowser-ConfigKeyHash": "é" * 64})
    assert garbled.status_code == 403  # a header that is not hex is refused, never a server error


def test_a_header_hashed_for_another_url_is_refused(app, locked):
    """A valid header replayed on another URL: SEB hashes each URL, so it does not carry over."""
    setup, key = locked
    runner = SafeExamBrowser(app.test_client(), key)
    runner.enter(setup.sitting)
    attempt = runner.start(setup.sitting.id)["attempt"]
    runner.url_for_hash = f"/api/runner/attempts/{attempt}"
    replayed = runner.call("GET", f"/api/runner/attempts/{attempt}/items/1")
    assert replayed.status_code == 403 and replayed.get_json()["error"] == "safe_exam_browser_required"
    assert runner.call("GET", f"/api/runner/attempts/{attempt}").status_code == 200  # its own URL passes
    runner.url_for_hash = f"/api/runner/attempts/{attempt}?page=2"
    assert runner.call("GET", f"/api/runner/attempts/{attempt}").status_code == 403  # the query is part of the URL


def test_approved_browser_exam_keys_let_in_only_those_builds(app, locked):
    setup, key = locked
    set_browser_exam_keys(setup.sitting.session, APPROVED, setup.invigilator)
    db.session.commit()
    unapproved = SafeExamBrowser(app.test_client(), key, hashlib.sha256(b"a modified build").hexdigest())
    assert unapproved.sign_in(setup.candidate_number, setup.sitting.sign_in_code).status_code == 403
    assert _check(setup.sitting.id) is Verdict.UNAPPROVED_BROWSER
    without = SafeExamBrowser(app.test_client(), key)
    assert without.sign_in(setup.candidate_number, setup.sitting.sign_in_code).status_code == 403
    approved = SafeExamBrowser(app.test_client(), key, APPROVED)
    approved.enter(setup.sitting)
    assert _check(setup.sitting.id) is Verdict.PASSED


def test_until_the_file_is_made_no_browser_gets_in(app, make_user, design):
    make_items()
    setup = make_sitting(make_user)
    setup.sitting.session.centre.safe_exam_browser_required = True  # the centre requires it
    db.session.commit()
    refused = Runner(app.test_client()).sign_in(setup.candidate_number, setup.sitting.sign_in_code)
    assert refused.status_code == 403 and "not been made" in refused.get_json()["message"]
    assert _check(setup.sitting.id) is Verdict.NO_CONFIGURATION


def test_a_session_that_does_not_require_it_lets_any_browser_in(app, make_user, design):
    make_items()
    setup = make_sitting(make_user)
    Runner(app.test_client()).enter(setup.sitting)
    assert _check(setup.sitting.id) is None


@pytest.mark.parametrize("url", ["/learner/sign-in", "/learner/a%20b/p%C3%A9?x=%2F&y=a+b%20c",
                                 "/api/runner/attempts/3/items/1/media/figure%201.png"])
def test_the_url_checked_is_the_one_the_browser_wrote(app, url):
    """Percent-encoding and the query as sent: Flask's request.url would decode them."""
    with app.test_request_context(url):
        assert requested_url() == BASE + url



def test_behind_a_proxy_the_url_the_browser_used_is_checked(app, locked, database_url):
    """With PROXY_FIX_HOPS the forwarded scheme and host are what SEB hashed, not the app server's."""
    setup, key = locked
    proxied = make_test_app(database_url, PROXY_FIX_HOPS=1)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "exams.example.org", "X-Forwarded-For": "10.0.0.9",
                 "Referer": "https://exams.example.org/learner/sign-in"}  # CSRF protection checks it over HTTPS
    try:
        inside = SafeExamBrowser(proxied.test_client(), key, base=BASE, forwarded=forwarded)
        refused = inside.sign_in(setup.candidate_number, setup.sitting.sign_in_code)
        assert refused.status_code == 403 and refused.get_json()["error"] == "safe_exam_browser_required"
        outside = SafeExamBrowser(proxied.test_client(), key, base="https://exams.example.org", forwarded=forwarded)
        assert outside.sign_in(setup.candidate_number, setup.sitting.sign_in_code).status_code == 200
    finally:
        with proxied.app_context():
            db.engine.dispose()
