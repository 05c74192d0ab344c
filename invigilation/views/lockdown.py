"""Safe Exam Browser: the awarding body requires it for a unit's test, a centre's administrator
for every test at the centre; the session's staff make and download the session's SEB file; the
awarding body approves Browser Exam Keys for it (`invigilation.services.lockdown`)."""

from flask import Response, abort, flash, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from exam_engine.auth.access import roles_required
from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.downloads import attachment
from invigilation.lockdown import MEDIA_TYPE
from invigilation.models.centres import Centre
from invigilation.models.sessions import TestSession
from invigilation.services.access import can_administer, can_conduct, centre_ids_of
from invigilation.services.lockdown import (
    make_seb_file,
    set_browser_exam_keys,
    set_centre_requirement,
    set_unit_requirement,
)
from invigilation.views.common import back_to, bp, failed, form_record, form_text, load_session

STAFF = (Role.INVIGILATOR, Role.CENTRE_ADMIN, Role.AWARDING_BODY_ADMIN)


def _required() -> bool:
    return form_text("required") == "yes"


@bp.route("/rules/safe-exam-browser", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def save_lockdown_rule() -> BaseResponse:
    try:
        rule = set_unit_requirement(form_text("unit"), _required(), current_user)
    except ValueError as error:
        failed(error)
    else:
        flash(f"Unit {rule.unit_reference}: Safe Exam Browser "
              f"{'required' if rule.safe_exam_browser_required else 'not required'}.", "success")
    return back_to("invigilation.rules", _anchor="safe-exam-browser")


@bp.route("/centre/safe-exam-browser", methods=["POST"])
@roles_required(Role.CENTRE_ADMIN)
def save_centre_lockdown() -> BaseResponse:
    centre = form_record(Centre, "centre")
    if centre is None:
        abort(404)
    if centre.id not in centre_ids_of(current_user):
        abort(403)
    set_centre_requirement(centre, _required(), current_user)
    flash(f"{centre.name}: Safe Exam Browser {'required for every test' if _required() else 'not required'}.",
          "success")
    return back_to("invigilation.centre_home")


def _runs(user: User, session: TestSession) -> bool:
    """The session's centre administrator, or an invigilator named on it."""
    return can_administer(user, session) or can_conduct(user, session)


@bp.route("/sessions/<int:session_id>/safe-exam-browser", methods=["POST"])
@roles_required(Role.INVIGILATOR, Role.CENTRE_ADMIN)
def make_lockdown_file(session_id: int) -> BaseResponse:
    """Make the session's SEB file: it starts at the learner's sign-in page, its query naming the session
    so that each session's file, and so its Config Key, is its own (the learner's pages are delivery's,
    named here by endpoint as `auth.roles` names landing pages)."""
    session = load_session(session_id, _runs)
    try:
        make_seb_file(session, url_for("delivery.sign_in", session=session.id, _external=True),
                      url_for("delivery.safe_exam_browser_closed", _external=True), current_user)
    except ValueError as error:
        failed(error)
    else:
        flash("The session's Safe Exam Browser file is made: download it and open it on every workstation.",
              "success")
    return back_to("invigilation.session_page", session_id=session.id, _anchor="safe-exam-browser")


@bp.route("/sessions/<int:session_id>/safe-exam-browser.seb")
@roles_required(*STAFF)
def lockdown_file(session_id: int) -> Response:
    """The session's SEB file, the same bytes at every download."""
    session = load_session(session_id)
    if session.lockdown is None:
        abort(404)
    return Response(session.lockdown.seb_file.encode("utf-8"), mimetype=MEDIA_TYPE,
                    headers=attachment(f"session-{session.id}.seb") | {"Cache-Control": "no-store"})


@bp.route("/sessions/<int:session_id>/browser-exam-keys", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def save_browser_exam_keys(session_id: int) -> BaseResponse:
    session = load_session(session_id)
    try:
        keys = set_browser_exam_keys(session, form_text("keys"), current_user)
    except ValueError as error:
        failed(error)
    else:
        flash(f"{len(keys)} approved Browser Exam Key{'' if len(keys) == 1 else 's'} for this session"
              + ("." if keys else ": any Safe Exam Browser version with the session's file is let in."), "success")
    return back_to("invigilation.session_page", session_id=session.id, _anchor="safe-exam-browser")
