"""The invigilation pages' Flask blueprint, and loading objects for a page with the object-level
check applied (404 unknown, 403 not yours)."""

import re
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from exam_engine.auth.models import User
from exam_engine.core.converters import DATABASE_INT_MAX
from exam_engine.core.extensions import db
from invigilation.models.sessions import Alert, Incident, Sitting, TestSession
from invigilation.services.access import can_view
from invigilation.services.report import moment_text

bp = Blueprint("invigilation", __name__, url_prefix="/invigilation", template_folder="../templates")
Check = Callable[[User, TestSession], bool]


@bp.app_template_filter("uk_time")
def uk_time(moment: datetime | None) -> str:
    """A stored (UTC) moment as UK date and time to the minute, e.g. "Mon 23 Nov 2026 14:05"."""
    return moment_text(moment)

Record = TypeVar("Record")
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,10}")


def load_session(session_id: int, check: Check = can_view) -> TestSession:
    session = db.session.get(TestSession, session_id)
    if session is None:
        abort(404)
    if not check(current_user, session):
        abort(403)
    return session


def load_sitting(sitting_id: int, check: Check = can_view) -> Sitting:
    sitting = db.session.get(Sitting, sitting_id)
    if sitting is None:
        abort(404)
    load_session(sitting.session_id, check)
    return sitting


def load_incident(incident_id: int, check: Check = can_view) -> Incident:
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        abort(404)
    load_session(incident.session_id, check)
    return incident


def load_alert(alert_id: int, check: Check) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        abort(404)
    load_session(alert.sitting.session_id, check)
    return alert


def back_to(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values))


def failed(error: Exception) -> None:
    db.session.rollback()
    flash(f"Not done: {error}.", "error")


def form_text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def form_int(name: str, what: str, high: int = DATABASE_INT_MAX) -> int:
    """A whole number of at most `high` (in size) typed into the form; the services judge its range."""
    raw = form_text(name)
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise ValueError(f"{what} must be a whole number, not {raw[:40]!r}")
    if abs(int(raw)) > high:
        raise ValueError(f"{what} must be a whole number no larger than {high}, not {raw[:40]}")
    return int(raw)


def form_optional_int(name: str, what: str, high: int = DATABASE_INT_MAX) -> int | None:
    return form_int(name, what, high) if form_text(name) else None


def form_record(model: type[Record], name: str) -> Record | None:
    """The record whose id the form field names; None when it names none (or no id at all)."""
    raw = form_text(name)
    if not _WHOLE_NUMBER.fullmatch(raw) or not 0 < int(raw) <= DATABASE_INT_MAX:
        return None
    return db.session.get(model, int(raw))


def parse_local(date_text: str, time_text: str, timezone_: tzinfo) -> datetime:
    """A date and time typed by a person, read in the given time zone."""
    try:
        moment = datetime.strptime(f"{date_text} {time_text}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValueError(f"give the date as YYYY-MM-DD and the time as HH:MM "
                         f"(got {date_text!r} {time_text!r})") from None
    return moment.replace(tzinfo=timezone_)
