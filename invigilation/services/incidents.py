"""Incidents, learners' alerts about items, and the suspected-malpractice report."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import Alert, Incident, IncidentCandidate, IncidentCategory, Sitting, TestSession
from invigilation.services.event_log import append_event
from invigilation.states import ACTIVE_STATES

MAX_ALERT_LENGTH = 1000


def add_incident(session: TestSession, reporter: User, category: IncidentCategory, when: datetime,
                 sittings: Iterable[Sitting], description: str, seat: str | None = None,
                 duration_minutes: int | None = None, witnesses: str | None = None,
                 now: datetime | None = None) -> Incident:
    """Record an incident (that happened at `when`) in the caller's transaction (no commit)."""
    sittings = list(sittings)
    if any(s.session_id != session.id for s in sittings):
        raise InvigilationError("an incident names only candidates of its own session")
    seats = seat or ", ".join(s.workstation.seat for s in sittings if s.workstation) or None
    incident = Incident(session=session, occurred_at=when, category=category, description=description, seat=seats,
                        duration_minutes=duration_minutes, witnesses=witnesses, reported_by_id=reporter.id)
    db.session.add(incident)
    db.session.flush()
    for sitting in sittings:
        db.session.add(IncidentCandidate(incident_id=incident.id, sitting_id=sitting.id))
    append_event(session.id, "incident.recorded", {
        "incident": incident.id, "category": category.value, "occurred_at": when.isoformat(),
        "sittings": [s.id for s in sittings], "description": description, "seat": seats,
        "duration_minutes": duration_minutes, "witnesses": witnesses}, reporter, at=now)
    db.session.flush()
    db.session.expire(incident, ["sittings"])
    return incident


def record_incident(session: TestSession, reporter: User, category: IncidentCategory, description: str,
                    sittings: Iterable[Sitting] = (), occurred_at: datetime | None = None, seat: str | None = None,
                    duration_minutes: int | None = None, witnesses: str | None = None) -> Incident:
    description = (description or "").strip()
    if not description:
        raise InvigilationError("describe what happened")
    if duration_minutes is not None and duration_minutes < 0:
        raise InvigilationError("the duration cannot be negative")
    incident = add_incident(session, reporter, category, occurred_at or utcnow(), sittings, description,
                            (seat or "").strip() or None, duration_minutes, (witnesses or "").strip() or None)
    db.session.flush()
    return incident


def raise_alert(sitting: Sitting, item_ref: str | None, message: str, now: datetime | None = None) -> Alert:
    """A learner flags something about an item during the test (delivery's runner calls this)."""
    now = now or utcnow()
    message = (message or "").strip()
    if not message:
        raise InvigilationError("say what the problem is")
    if len(message) > MAX_ALERT_LENGTH:
        raise InvigilationError(f"keep the message under {MAX_ALERT_LENGTH} characters")
    if sitting.state not in ACTIVE_STATES:
        raise InvigilationError("alerts can be raised only during the test")
    alert = Alert(sitting=sitting, item_ref=item_ref, message=message, raised_at=now)
    db.session.add(alert)
    db.session.flush()
    append_event(sitting.session_id, "alert.raised", {"alert": alert.id, "sitting": sitting.id, "item": item_ref,
                                                      "message": message}, sitting.candidate.user, at=now)
    db.session.flush()
    return alert


def alert_to_incident(alert: Alert, invigilator: User, category: IncidentCategory,
                      description: str | None = None, now: datetime | None = None) -> Incident:
    if not alert.is_open:
        raise InvigilationError("this alert has already been dealt with")
    text = (description or "").strip() or f"Candidate alert about item {alert.item_ref or '(none)'}: {alert.message}"
    incident = add_incident(alert.sitting.session, invigilator, category, alert.raised_at, [alert.sitting], text,
                            now=now)
    alert.incident_id = incident.id
    db.session.flush()
    return incident


def resolve_alert(alert: Alert, invigilator: User, note: str, now: datetime | None = None) -> None:
    """Deal with an alert without an incident, saying what was done (e.g. "picture reloaded; no time lost")."""
    if not alert.is_open:
        raise InvigilationError("this alert has already been dealt with")
    note = (note or "").strip()
    if not note:
        raise InvigilationError("say what was done about the alert (or make it an incident)")
    alert.dismissed_at, alert.resolved_by_id, alert.resolution_note = now or utcnow(), invigilator.id, note
    append_event(alert.sitting.session_id, "alert.resolved", {"alert": alert.id, "note": note}, invigilator,
                 at=alert.dismissed_at)
    db.session.flush()


def open_alerts(session: TestSession) -> list[Alert]:
    """The session's alerts nobody has dealt with yet, oldest first: each blocks the register's sign-off."""
    return sorted((a for s in session.sittings for a in s.alerts if a.is_open), key=lambda a: (a.raised_at, a.id))


@dataclass(frozen=True)
class MalpracticeReport:
    """What the awarding body needs about a suspected malpractice incident."""

    incident: Incident
    session: TestSession
    sittings: list[Sitting]
    log_records: list[EventRecord]  # the candidates' logged events, with their hashes


def malpractice_report(incident: Incident) -> MalpracticeReport:
    if incident.category is not IncidentCategory.SUSPECTED_MALPRACTICE:
        raise InvigilationError("only suspected-malpractice incidents have a malpractice report")
    ids = {s.id for s in incident.sittings}
    records = [r for r in db.session.scalars(
        db.select(EventRecord).where(EventRecord.session_id == incident.session_id).order_by(EventRecord.sequence))
        if r.data.get("sitting") in ids or r.data.get("incident") == incident.id]
    return MalpracticeReport(incident, incident.session, list(incident.sittings), records)
