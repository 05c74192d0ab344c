"""The live dashboard, incidents and alerts, the malpractice report and the session report."""

from flask import Response, abort, flash, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.downloads import attachment
from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from invigilation.errors import InvigilationError
from invigilation.models.sessions import Incident, IncidentCategory, SessionState
from invigilation.services.access import can_conduct, visible_sessions
from invigilation.services.conduct import expire_overdue
from invigilation.services.event_log import session_records, verify_log
from invigilation.services.incidents import (
    alert_to_incident,
    malpractice_report,
    open_alerts,
    record_incident,
    resolve_alert,
)
from invigilation.services.lockdown import requires_safe_exam_browser
from invigilation.services.report import (
    CENTRE_TIME_ZONE,
    dashboard_rows,
    local,
    report_csv,
    report_rows,
    stamp_text,
    time_text,
)
from invigilation.services.sessions import ratio_warning
from invigilation.services.signing import signature_problems, signed_heads
from invigilation.views.common import (
    back_to,
    bp,
    failed,
    form_optional_int,
    form_text,
    load_alert,
    load_incident,
    load_session,
    parse_local,
)

VIEWERS = (Role.INVIGILATOR, Role.CENTRE_ADMIN, Role.AWARDING_BODY_ADMIN)


@bp.route("/sessions/<int:session_id>/dashboard")
@roles_required(*VIEWERS)
def dashboard(session_id: int) -> str:
    session = load_session(session_id)
    return render_template("invigilation/dashboard.html", session=session, rows=dashboard_rows(session),
                           conduct=can_conduct(current_user, session), now=time_text(utcnow()),
                           warning=ratio_warning(session), safe_exam_browser=requires_safe_exam_browser(session))


@bp.route("/sessions/<int:session_id>/status.json")
@roles_required(*VIEWERS)
def status(session_id: int) -> Response:
    """What the dashboard polls; also times out sittings whose clock has run out."""
    session = load_session(session_id)
    if session.state is SessionState.STARTED:
        with unit_of_work():  # a read that finds clocks run out times those sittings out
            expire_overdue(session)
    return jsonify(session_state=session.state.value, now=time_text(utcnow()), rows=dashboard_rows(session))


@bp.route("/sessions/<int:session_id>/incidents/new", methods=["GET", "POST"])
@roles_required(Role.INVIGILATOR)
def new_incident(session_id: int) -> str | BaseResponse:
    session = load_session(session_id, can_conduct)
    if request.method == "POST":
        try:
            category = _category()
            chosen = [s for s in session.sittings if str(s.id) in request.form.getlist("sittings")]
            duration = form_optional_int("duration", "The duration in minutes", high=24 * 60)
            when = (parse_local(session.session_date.isoformat(), form_text("time"), CENTRE_TIME_ZONE)
                    if form_text("time") else None)
            incident = record_incident(session, current_user, category, form_text("description"), chosen, when,
                                       form_text("seat"), duration, form_text("witnesses"))
        except ValueError as error:
            failed(error)
        else:
            flash(f"Incident #{incident.id} recorded.", "success")
            return back_to("invigilation.incident", incident_id=incident.id)
    return render_template("invigilation/new_incident.html", session=session, categories=list(IncidentCategory),
                           form=request.form)


def _category() -> IncidentCategory:
    try:
        return IncidentCategory(form_text("category") or "candidate")
    except ValueError:
        raise InvigilationError("choose one of the incident categories") from None


@bp.route("/incidents/<int:incident_id>")
@roles_required(*VIEWERS)
def incident(incident_id: int) -> str:
    found = load_incident(incident_id)
    report = (malpractice_report(found) if found.category is IncidentCategory.SUSPECTED_MALPRACTICE else None)
    return render_template("invigilation/incident.html", incident=found, report=report, local=local,
                           verification=verify_log(found.session_id) if report else None)


ALERT_PAGES = {"dashboard": "invigilation.dashboard", "report": "invigilation.report"}


@bp.route("/alerts/<int:alert_id>/<action>", methods=["POST"])
@roles_required(Role.INVIGILATOR)
def alert_action(alert_id: int, action: str) -> BaseResponse:
    alert = load_alert(alert_id, can_conduct)
    session_id = alert.sitting.session_id
    try:
        if action == "resolve":
            resolve_alert(alert, current_user, form_text("note"))
            flash(f"Alert from {alert.sitting.candidate.name} resolved.", "success")
        elif action == "incident":
            made = alert_to_incident(alert, current_user, _category())
            return back_to("invigilation.incident", incident_id=made.id)
        else:
            abort(404)
    except ValueError as error:
        failed(error)
    return back_to(ALERT_PAGES.get(form_text("back"), "invigilation.dashboard"), session_id=session_id)


@bp.route("/oversight")
@roles_required(Role.AWARDING_BODY_ADMIN)
def oversight() -> str:
    """The awarding body's view: every centre's sessions and every suspected malpractice report."""
    suspected = db.session.scalars(select(Incident).where(Incident.category == IncidentCategory.SUSPECTED_MALPRACTICE)
                                   .order_by(Incident.occurred_at.desc())).all()
    return render_template("invigilation/oversight.html", sessions=visible_sessions(current_user),
                           suspected=suspected, local=local)


@bp.route("/sessions/<int:session_id>/report")
@roles_required(*VIEWERS)
def report(session_id: int) -> str:
    session = load_session(session_id)
    return render_template("invigilation/report.html", session=session, rows=report_rows(session), local=local,
                           time_text=time_text, stamp_text=stamp_text, conduct=can_conduct(current_user, session),
                           unresolved=open_alerts(session),
                           verification=verify_log(session.id), signed=signed_heads(session.id)[-1:],
                           signature_problems=signature_problems(session.id, session_records(session.id)))


@bp.route("/sessions/<int:session_id>/report.csv")
@roles_required(*VIEWERS)
def report_download(session_id: int) -> Response:
    session = load_session(session_id)
    return Response(report_csv(session), mimetype="text/csv", headers=attachment(f"session-{session.id}-report.csv"))
