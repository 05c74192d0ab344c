"""The register and the invigilator's actions on the session and on each candidate."""

from collections.abc import Callable

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from invigilation.errors import InvigilationError
from invigilation.models.centres import Workstation
from invigilation.models.sessions import IdentityDocument, PauseReason, Sitting, TestSession
from invigilation.services import conduct, confirmations, seats
from invigilation.services.access import can_conduct, can_void
from invigilation.services.checkpoints import checkpoint
from invigilation.services.confirmations import Consequences
from invigilation.services.incidents import open_alerts
from invigilation.services.report import local
from invigilation.services.sessions import ratio_warning, spare_workstations
from invigilation.services.signing import SigningError, sign_head
from invigilation.views.common import back_to, bp, failed, form_record, form_text, load_session, load_sitting


@bp.route("/sessions/<int:session_id>/register")
@roles_required(Role.INVIGILATOR, Role.CENTRE_ADMIN, Role.AWARDING_BODY_ADMIN)
def register(session_id: int) -> str:
    session = load_session(session_id)
    return render_template("invigilation/register.html", session=session, local=local,
                           conduct=can_conduct(current_user, session), voider=can_void(current_user, session),
                           warning=ratio_warning(session), documents=list(IdentityDocument),
                           reasons=[r for r in PauseReason if r not in (PauseReason.EVACUATION,
                                                                        PauseReason.TEMPORARY_EXIT)],
                           free=spare_workstations(session), unresolved=open_alerts(session))


CONFIRM_SESSION: dict[str, Callable[[TestSession], Consequences]] = {
    "end": confirmations.end_session,
    "evacuate": confirmations.evacuate,
}
CONFIRM_SITTING: dict[str, Callable[[Sitting], Consequences]] = {
    "absent": confirmations.mark_absent,
    "leave-unescorted": confirmations.unescorted_exit,
}
UNCONFIRMED = ("Not done: this ends or stops candidates' tests, so it must be confirmed. Read what will happen "
               "and confirm below, or go back.")
STALE = ("Not done: what would happen has changed since the confirmation was shown (a candidate started, "
         "finished or was moved). Read it again and confirm, or go back.")


def _confirmation(consequences: Consequences, action_url: str, session: TestSession, status: int = 200,
                  problem: str | None = None, reason: str | None = None) -> ResponseReturnValue:
    """The confirmation page; also the body of the 400 or 409 that refuses an unconfirmed request."""
    return render_template("invigilation/confirm.html", consequences=consequences, action_url=action_url,
                           session=session, problem=problem, reason=reason,
                           back=url_for("invigilation.register", session_id=session.id)), status


def _refusal(consequences: Consequences, action_url: str, session: TestSession,
             reason: str | None = None) -> ResponseReturnValue | None:
    """None when the request confirms exactly these consequences; else the page refusing it."""
    given = form_text("confirm")
    if given == consequences.digest:
        return None
    return _confirmation(consequences, action_url, session, 409 if given else 400, STALE if given else UNCONFIRMED,
                         reason)


@bp.route("/sessions/<int:session_id>/<action>/confirm")
@roles_required(Role.INVIGILATOR)
def confirm_session_action(session_id: int, action: str) -> ResponseReturnValue:
    if action not in CONFIRM_SESSION:
        abort(404)
    session = load_session(session_id, can_conduct)
    return _confirmation(CONFIRM_SESSION[action](session), url_for("invigilation.session_action",
                                                                    session_id=session.id, action=action), session)


SESSION_ACTIONS: dict[str, tuple[Callable[..., object], str]] = {
    "start": (lambda s, u: conduct.start_session(s, u), "Session started."),
    "authorise-present": (lambda s, u: conduct.authorise_everyone_present(s, u),
                          "Every candidate who is present is authorised."),
    "pause-all": (lambda s, u: conduct.pause_all(s, u, PauseReason.OTHER,
                                                 form_text("note") or "paused by the invigilator"),
                  "Every candidate in progress is paused."),
    "resume-all": (lambda s, u: conduct.resume_all(s, u), "Every paused candidate in the room is resumed."),
    "evacuate": (lambda s, u: conduct.evacuate(s, u), "Evacuation: everyone paused, answers saved, incident opened."),
    "end": (lambda s, u: conduct.end_session(s, u), "Session ended."),
    "sign": (lambda s, u: conduct.sign_register(s, u, form_text("note")), "Register signed."),
}


SEALED_BY = {"end", "sign"}  # actions after which the log is checkpointed and its head signed


def _seal(session: TestSession) -> None:
    """Commit every attempt's head into the session's log, then sign the committed head."""
    with unit_of_work():  # the head is signed only once it is durable
        checkpoint(session, current_user)
    try:
        signed = sign_head(session.id)
    except SigningError as error:
        flash(f"The log's head could not be signed ({error}); the awarding body's checkpoint will sign it.",
              "error")
    else:
        if signed is not None:
            flash(f"The session's log head ({signed.length} records) is signed and sent to the awarding body.",
                  "success")


@bp.route("/sessions/<int:session_id>/<action>", methods=["POST"])
@roles_required(Role.INVIGILATOR)
def session_action(session_id: int, action: str) -> ResponseReturnValue:
    if action not in SESSION_ACTIONS:
        abort(404)
    session = load_session(session_id, can_conduct)
    if action in CONFIRM_SESSION:
        refused = _refusal(CONFIRM_SESSION[action](session), request.path, session)
        if refused is not None:
            return refused
    perform, done = SESSION_ACTIONS[action]
    try:
        perform(session, current_user)
    except ValueError as error:
        failed(error)
    else:
        flash(done, "success")
        if action in SEALED_BY:
            _seal(session)
    return back_to("invigilation.report" if action == "sign" else "invigilation.register", session_id=session.id)


def _document() -> IdentityDocument:
    try:
        return IdentityDocument(form_text("document"))
    except ValueError:
        raise InvigilationError("choose the identity document that was checked") from None


def _minutes() -> float:
    try:
        return float(form_text("minutes"))
    except ValueError:
        raise InvigilationError("give the extra time in minutes") from None


def _reason() -> PauseReason:
    try:
        return PauseReason(form_text("reason") or "other")
    except ValueError:
        raise InvigilationError("choose a reason for the pause") from None


def _target_workstation(sitting: Sitting) -> Workstation:
    workstation = form_record(Workstation, "workstation")
    if workstation is None:
        raise InvigilationError("choose the workstation to move to")
    return workstation


SITTING_ACTIONS: dict[str, Callable[[Sitting], object]] = {
    "check-in": lambda s: conduct.check_in(s, current_user, _document()),
    "authorise": lambda s: conduct.authorise(s, current_user),
    "absent": lambda s: conduct.mark_absent(s, current_user),
    "pause": lambda s: conduct.pause(s, current_user, _reason(), form_text("note") or None),
    "resume": lambda s: conduct.resume(s, current_user),
    "rest-break": lambda s: conduct.rest_break(s, current_user),
    "extra-time": lambda s: conduct.grant_extra_time(s, current_user, _minutes(), form_text("reason")),
    "leave": lambda s: conduct.leave_room(s, current_user, form_text("escort")),
    "leave-unescorted": lambda s: conduct.leave_room(s, current_user, None),
    "return": lambda s: conduct.return_to_room(s, current_user),
    "move": lambda s: conduct.move_workstation(s, current_user, _target_workstation(s), form_text("reason")),
    "readmit": lambda s: seats.readmit(s, current_user, form_text("reason")),
}


@bp.route("/sittings/<int:sitting_id>/<action>/confirm")
@roles_required(Role.INVIGILATOR)
def confirm_sitting_action(sitting_id: int, action: str) -> ResponseReturnValue:
    if action not in CONFIRM_SITTING:
        abort(404)
    sitting = load_sitting(sitting_id, can_conduct)
    return _confirmation(CONFIRM_SITTING[action](sitting), url_for("invigilation.sitting_action",
                                                                    sitting_id=sitting.id, action=action),
                         sitting.session)


@bp.route("/sittings/<int:sitting_id>/<action>", methods=["POST"])
@roles_required(Role.INVIGILATOR)
def sitting_action(sitting_id: int, action: str) -> ResponseReturnValue:
    if action not in SITTING_ACTIONS:
        abort(404)
    sitting = load_sitting(sitting_id, can_conduct)
    if action == "leave" and not form_text("escort"):
        if request.form.get("unescorted"):  # the old one-click form: an unescorted exit is confirmed on its own page
            return _confirmation(confirmations.unescorted_exit(sitting),
                                 url_for("invigilation.sitting_action", sitting_id=sitting.id,
                                         action="leave-unescorted"), sitting.session, 400, UNCONFIRMED)
        flash("Not done: give the escort's name. If the candidate left without an escort, use "
              "\u201cleft unescorted\u201d (which ends their test).", "error")
        return back_to("invigilation.register", session_id=sitting.session_id)
    if action in CONFIRM_SITTING:
        refused = _refusal(CONFIRM_SITTING[action](sitting), request.path, sitting.session)
        if refused is not None:
            return refused
    try:
        SITTING_ACTIONS[action](sitting)
    except ValueError as error:
        failed(error)
    else:
        flash(f"{sitting.candidate.name}: {sitting.state.label}.", "success")
    return back_to("invigilation.register", session_id=sitting.session_id)


@bp.route("/sittings/<int:sitting_id>/void/confirm")
@roles_required(Role.CENTRE_ADMIN, Role.AWARDING_BODY_ADMIN)
def confirm_void(sitting_id: int) -> ResponseReturnValue:
    sitting = load_sitting(sitting_id, can_void)
    return _confirmation(confirmations.void(sitting), url_for("invigilation.void", sitting_id=sitting.id),
                         sitting.session, reason="")


@bp.route("/sittings/<int:sitting_id>/void", methods=["POST"])
@roles_required(Role.CENTRE_ADMIN, Role.AWARDING_BODY_ADMIN)
def void(sitting_id: int) -> ResponseReturnValue:
    sitting = load_sitting(sitting_id, can_void)
    refused = _refusal(confirmations.void(sitting), request.path, sitting.session, reason=form_text("reason"))
    if refused is not None:
        return refused
    try:
        conduct.void(sitting, current_user, form_text("reason"))
    except ValueError as error:
        db.session.rollback()
        return _confirmation(confirmations.void(sitting), request.path, sitting.session, 422,
                             f"Not done: {error}.", form_text("reason"))
    flash(f"{sitting.candidate.name}'s test is void.", "success")
    return back_to("invigilation.register", session_id=sitting.session_id)
