"""The learner's pages: sign in with candidate number and own sign-in code, wait for the
invigilator to unlock the test (or enter the session key they read out), confirm,
declaration, instructions, the test runner (driven by `static/js/runner.js` through the
JSON API), and the confirmation with the reconciliation report and the result (or a note
that the centre holds it back). Only the browser the candidate signed in on reaches their
test. The invigilator's copy of the reconciliation report lives here too. Where the session
requires Safe Exam Browser, every page refuses any other browser (`services.lockdown`).
"""

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from exam_engine.auth.access import public, roles_required
from exam_engine.auth.roles import Role
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.presenters import sitting_view, status_view
from exam_engine.delivery.services import attempts, lockdown, seating, submission
from exam_engine.delivery.services.display import display_for, recorded_display
from exam_engine.delivery.services.sittings import SIGN_IN_STATES
from invigilation.models.sessions import Sitting
from invigilation.services.access import can_view
from invigilation.services.lockdown import requires_safe_exam_browser
from invigilation.services.report import local, stamp_text
from invigilation.states import SittingState

bp = Blueprint("delivery", __name__, url_prefix="/learner", template_folder="templates")
reports_bp = Blueprint("delivery_reports", __name__, url_prefix="/delivery", template_folder="templates")
learner_only = roles_required(Role.LEARNER)
DECLARED = "declared_sittings"


@bp.before_request
def only_the_seat_holder() -> ResponseReturnValue | None:
    """Refuse a learner's browser that fails the session's Safe Exam Browser check, or that does not
    hold the seat of the test the page names."""
    if not current_user.is_authenticated or current_user.role is not Role.LEARNER:
        return None
    args = request.view_args or {}
    sitting = seating.named_sitting(args.get("attempt_id"), args.get("sitting_id"))
    refusal = lockdown.refusal(current_user, sitting)
    if refusal is not None:
        return render_template("delivery/safe_exam_browser.html", detail=str(refusal)), refusal.status
    refusal = seating.refusal(current_user, sitting)
    if refusal is None:
        return None
    return render_template("error.html", code=refusal.status, name="Not on this workstation",
                           detail=str(refusal)), refusal.status


def _next_page(sitting: Sitting) -> str:
    attempt = attempts.attempt_of(sitting)
    if attempt is not None:
        return url_for("delivery.runner" if attempt.is_open else "delivery.finished", attempt_id=attempt.id)
    if sitting.state is SittingState.PRESENT:
        return url_for("delivery.waiting", sitting_id=sitting.id)
    return url_for("delivery.confirm", sitting_id=sitting.id)


@bp.route("/")
@learner_only
def home() -> ResponseReturnValue:
    sitting = attempts.current_sitting(current_user)
    if sitting is not None and seating.held_token(sitting.id):
        return redirect(_next_page(sitting))
    return render_template("delivery/home.html", sitting=sitting)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> ResponseReturnValue:
    error, status = None, 200
    if request.method == "POST":
        try:
            signed_in = seating.sign_in(request.form.get("candidate_number", ""), request.form.get("code", ""))
        except DeliveryError as refused:
            db.session.rollback()
            error, status = str(refused), refused.status
        else:
            login_user(signed_in.learner)
            session.permanent = True
            return redirect(_next_page(signed_in.sitting))
    return render_template("delivery/sign_in.html", error=error,
                           candidate_number=request.form.get("candidate_number", "")), status


@bp.route("/sittings/<int:sitting_id>/waiting", methods=["GET", "POST"])
@learner_only
def waiting(sitting_id: int) -> ResponseReturnValue:
    """Signed in; the test is locked until the invigilator unlocks it, or the candidate enters the session key."""
    sitting = _own_sitting(sitting_id)
    if sitting.state is not SittingState.PRESENT:
        return redirect(_next_page(sitting))
    error, status = None, 200
    if request.method == "POST":
        try:
            seating.unlock(current_user, sitting, request.form.get("key", ""))
        except DeliveryError as refused:
            db.session.rollback()
            error, status = str(refused), refused.status
        else:
            return redirect(url_for("delivery.confirm", sitting_id=sitting.id))
    return render_template("delivery/waiting.html", sitting=sitting_view(sitting, None, utcnow()),
                           display=recorded_display(sitting.candidate.arrangements),
                           error=error), status


def _own_sitting(sitting_id: int) -> Sitting:
    try:
        return attempts.own_sitting(current_user, sitting_id)
    except DeliveryError:
        abort(404)


@bp.route("/sittings/<int:sitting_id>/confirm", methods=["GET", "POST"])
@learner_only
def confirm(sitting_id: int) -> str | Response:
    sitting = _own_sitting(sitting_id)
    if sitting.state is not SittingState.AUTHORISED:
        return redirect(_next_page(sitting) if sitting.state in SIGN_IN_STATES else url_for("delivery.home"))
    if request.method == "POST":
        if request.form.get("choice") == "cancel":
            attempts.cancel_before_start(current_user, sitting.id)
            logout_user()
            session.clear()
            flash("Your test has not started. Tell your invigilator what was wrong on the screen.", "info")
            return redirect(url_for("delivery.sign_in"))
        return redirect(url_for("delivery.declaration", sitting_id=sitting.id))
    return render_template("delivery/confirm.html", sitting=sitting_view(sitting, None, utcnow()),
                           display=recorded_display(sitting.candidate.arrangements))


@bp.route("/sittings/<int:sitting_id>/declaration", methods=["GET", "POST"])
@learner_only
def declaration(sitting_id: int) -> str | Response:
    sitting = _own_sitting(sitting_id)
    error = None
    if request.method == "POST":
        if request.form.get("declaration") == "accepted":
            session[DECLARED] = [*session.get(DECLARED, []), sitting.id]
            return redirect(url_for("delivery.instructions", sitting_id=sitting.id))
        error = "Tick the box to confirm the declaration before you go on."
    return render_template("delivery/declaration.html", sitting=sitting_view(sitting, None, utcnow()),
                           display=recorded_display(sitting.candidate.arrangements), error=error)


@bp.route("/sittings/<int:sitting_id>/instructions", methods=["GET", "POST"])
@learner_only
def instructions(sitting_id: int) -> str | Response:
    sitting = _own_sitting(sitting_id)
    if sitting.id not in session.get(DECLARED, []) and attempts.attempt_of(sitting) is None:
        return redirect(url_for("delivery.declaration", sitting_id=sitting.id))
    if request.method == "POST":
        try:
            attempt = attempts.start(current_user, sitting.id, declaration_accepted=True)
        except DeliveryError as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for("delivery.home"))
        return redirect(url_for("delivery.runner", attempt_id=attempt.id))
    return render_template("delivery/instructions.html", sitting=sitting_view(sitting, None, utcnow()),
                           display=recorded_display(sitting.candidate.arrangements))


def _own_attempt(attempt_id: int) -> Attempt:
    try:
        attempt = attempts.own_attempt(current_user, attempt_id)
    except DeliveryError:
        abort(404)
    submission.expire_if_due(attempt, utcnow())
    return attempt


def _display(attempt: Attempt) -> Any:
    return display_for(attempt.id, attempt.sitting.candidate.arrangements)


@bp.route("/attempts/<int:attempt_id>")
@learner_only
def runner(attempt_id: int) -> str | Response:
    attempt = _own_attempt(attempt_id)
    if not attempt.is_open:
        return redirect(url_for("delivery.finished", attempt_id=attempt.id))
    return render_template("delivery/runner.html", attempt=attempt, status=status_view(attempt, utcnow()),
                           sitting=sitting_view(attempt.sitting, attempt, utcnow()), display=_display(attempt),
                           api_url=url_for("runner_api.status", attempt_id=attempt.id),
                           finished_url=url_for("delivery.finished", attempt_id=attempt.id),
                           display_url=url_for("runner_api.display", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/finished")
@learner_only
def finished(attempt_id: int) -> str | Response:
    attempt = _own_attempt(attempt_id)
    if attempt.is_open:
        return redirect(url_for("delivery.runner", attempt_id=attempt.id))
    head = (attempt.log_head or "").upper()
    return render_template("delivery/finished.html", attempt=attempt, report=submission.reconciliation(attempt),
                           result=submission.provisional_result(attempt), display=_display(attempt),
                           ended_at=local(attempt.ended_at).strftime("%H:%M on %d %B %Y") if attempt.ended_at else "",
                           receipt="-".join(head[n:n + 4] for n in range(0, 12, 4)),
                           safe_exam_browser=requires_safe_exam_browser(attempt.sitting.session))


@bp.route("/safe-exam-browser/closed")
@public
def safe_exam_browser_closed() -> str:
    """The quit URL of every session's SEB file: SEB closes when it is asked for this page."""
    return render_template("delivery/safe_exam_browser_closed.html")


@reports_bp.route("/sittings/<int:sitting_id>/reconciliation")
@roles_required(Role.INVIGILATOR, Role.CENTRE_ADMIN, Role.AWARDING_BODY_ADMIN)
def invigilator_reconciliation(sitting_id: int) -> str:
    """The invigilator's copy of a sitting's reconciliation report, in UK time (linked from the register, the
    dashboard and the session report; its page is invigilation's, beside them)."""
    sitting = db.session.get(Sitting, sitting_id)
    if sitting is None or not can_view(current_user, sitting.session):
        abort(404)
    attempt = attempts.attempt_of(sitting)
    return render_template("invigilation/reconciliation.html", sitting=sitting, attempt=attempt, uk=stamp_text,
                           report=submission.reconciliation(attempt) if attempt else None)

