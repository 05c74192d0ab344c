"""Safe Exam Browser for sessions: who requires it, each session's SEB file and the Browser Exam
Keys approved for it, and the check of every learner request (`invigilation.lockdown` computes).

* The awarding body requires SEB for a unit's test; a centre's administrator for every test
  at the centre. A session requires SEB if its centre or any of its units does.
* The session's staff make its SEB file once; every download is then the same file, and the
  Config Key is derived from that file (never typed in, never shown).
* A Browser Exam Key depends on the SEB build and on the file, so the awarding body approves
  keys per session, after opening the session's file in each SEB version it allows.
* Each check is kept on the sitting for the invigilator's dashboard (written when its verdict
  changes, and at most once a minute otherwise); a change of verdict goes into the session's
  log, and every refusal into the application log. A refusal is kept although the request
  that met it is refused: it is its own unit of work.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from invigilation import lockdown
from invigilation.errors import InvigilationError
from invigilation.lockdown import Verdict
from invigilation.models.centres import Centre, UnitLockdownRule
from invigilation.models.sessions import SessionLockdown, Sitting, TestSession
from invigilation.services.event_log import append_event
from invigilation.services.setup_log import record_change
from item_bank.taxonomy.models import Unit

RECORD_EVERY = timedelta(minutes=1)  # a check with the same verdict as the last is written at most this often

REFUSALS = {
    Verdict.NOT_SAFE_EXAM_BROWSER: "This test must be sat in Safe Exam Browser. Ask your invigilator to open it "
                                   "in Safe Exam Browser with this session's file.",
    Verdict.WRONG_CONFIGURATION: "Safe Exam Browser is not running this session's settings. Ask your invigilator "
                                 "to close it and open this session's Safe Exam Browser file.",
    Verdict.UNAPPROVED_BROWSER: "This version of Safe Exam Browser is not approved for this test. "
                                "Ask your invigilator.",
    Verdict.NO_CONFIGURATION: "This test must be sat in Safe Exam Browser, and the session's Safe Exam Browser "
                              "file has not been made yet. Ask your invigilator.",
}


@dataclass(frozen=True)
class BrowserRequest:
    """What a learner's request shows of its browser: the URL it was made for and SEB's two hashes."""

    url: str
    config_key_hash: str | None
    request_hash: str | None


class BrowserRefused(InvigilationError):
    """A learner's request refused by the Safe Exam Browser check; the message says what to do."""

    status = 403

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(REFUSALS[verdict])
        self.verdict = verdict


def requires_safe_exam_browser(session: TestSession) -> bool:
    """Whether the session's centre, or the awarding body for any of its units, requires SEB."""
    if session.centre.safe_exam_browser_required:
        return True
    references = [unit.unit_reference for unit in session.units]
    return db.session.scalar(select(UnitLockdownRule.id).where(
        UnitLockdownRule.unit_reference.in_(references),
        UnitLockdownRule.safe_exam_browser_required.is_(True)).limit(1)) is not None


def units_requiring() -> list[UnitLockdownRule]:
    """The units whose test the awarding body requires SEB for."""
    return list(db.session.scalars(
        select(UnitLockdownRule).where(UnitLockdownRule.safe_exam_browser_required.is_(True))
        .order_by(UnitLockdownRule.unit_reference)))


def set_unit_requirement(unit_reference: str, required: bool, actor: User) -> UnitLockdownRule:
    """The awarding body requires SEB for a unit's test, or stops requiring it (the unit must be imported)."""
    reference = unit_reference.strip()
    if db.session.scalar(select(Unit.id).where(Unit.reference == reference)) is None:
        raise InvigilationError(f"unit: {reference[:40]!r} is not a unit of any imported qualification")
    rule = db.session.scalar(select(UnitLockdownRule).where(UnitLockdownRule.unit_reference == reference))
    before = rule.safe_exam_browser_required if rule else None
    if rule is None:
        rule = UnitLockdownRule(unit_reference=reference)
        db.session.add(rule)
    rule.safe_exam_browser_required = required
    record_change("lockdown_rule.set", reference, {"before": before, "after": required}, actor)
    _flush(f"unit: {reference} was changed by someone else at the same moment; try again")
    return rule


def set_centre_requirement(centre: Centre, required: bool, actor: User) -> None:
    """A centre's administrator requires SEB for every test at the centre, or stops requiring it."""
    record_change("centre.lockdown_set", centre.number,
                  {"before": centre.safe_exam_browser_required, "after": required}, actor)
    centre.safe_exam_browser_required = required
    db.session.flush()


def make_seb_file(session: TestSession, start_url: str, quit_url: str, actor: User) -> SessionLockdown:
    """Make the session's SEB file (start at `start_url`, quit at `quit_url`) and derive its Config Key
    from the file itself. Made once: a session's file never changes, so browsers opened with it
    stay valid."""
    if not requires_safe_exam_browser(session):
        raise InvigilationError("this session does not require Safe Exam Browser")
    if session.lockdown is not None:
        raise InvigilationError("the session's Safe Exam Browser file is made already; download it")
    data = lockdown.seb_file(lockdown.session_settings(start_url, quit_url))
    made = SessionLockdown(session=session, seb_file=data.decode("utf-8"),
                           config_key=lockdown.config_key(lockdown.read_seb_file(data)), made_by_id=actor.id)
    db.session.add(made)
    _flush("the session's Safe Exam Browser file was made by someone else at the same moment; download it")
    append_event(session.id, "session.safe_exam_browser_file_made", {"start_url": start_url, "quit_url": quit_url},
                 actor)
    return made


def set_browser_exam_keys(session: TestSession, text: str, actor: User) -> list[str]:
    """The awarding body's approved Browser Exam Keys for the session's file, one a line (none: any SEB)."""
    if session.lockdown is None:
        raise InvigilationError("make the session's Safe Exam Browser file first: its keys depend on it")
    keys = lockdown.browser_exam_keys(text)
    session.lockdown.browser_exam_keys = "\n".join(keys)
    append_event(session.id, "session.browser_exam_keys_set", {"keys": keys}, actor)
    return keys


def check(sitting: Sitting, browser: BrowserRequest, now: datetime | None = None) -> None:
    """Refuse a request for the sitting's test that SEB did not make with the session's settings
    (`BrowserRefused`); a session that does not require SEB lets every browser through. Call it
    before the request changes anything: a check that is kept commits as its own unit of work."""
    session = sitting.session
    if not requires_safe_exam_browser(session):
        return
    made = session.lockdown
    verdict = lockdown.verify(browser.url, made.config_key if made else None,
                              lockdown.browser_exam_keys(made.browser_exam_keys) if made else [],
                              browser.config_key_hash, browser.request_hash)
    now = now or utcnow()
    if verdict is not Verdict.PASSED:
        current_app.logger.warning("Safe Exam Browser check refused a request", extra={"fields": {
            "session": session.id, "sitting": sitting.id, "candidate": sitting.candidate.candidate_number,
            "verdict": verdict.value, "url": browser.url}})
    _record(sitting, verdict, browser.url, now)
    if verdict is not Verdict.PASSED:
        raise BrowserRefused(verdict)


def _record(sitting: Sitting, verdict: Verdict, url: str, now: datetime) -> None:
    changed = sitting.browser_check is not verdict
    if not changed and sitting.browser_checked_at is not None and now - sitting.browser_checked_at < RECORD_EVERY:
        return
    with unit_of_work():
        sitting.browser_check, sitting.browser_checked_at = verdict, now
        if changed:
            append_event(sitting.session_id, "sitting.browser_checked",
                         {"sitting": sitting.id, "candidate": sitting.candidate.candidate_number,
                          "verdict": verdict.value, "url": url}, None, at=now)


def _flush(clash: str) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvigilationError(clash) from None
