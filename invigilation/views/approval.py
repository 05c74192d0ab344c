"""The awarding body's set-up pages: approving centres and attaching their staff, and setting the
invigilation ratio of each qualification and the booking rules of each unit (its Safe Exam
Browser requirement is set in `lockdown`).

What a centre then does for itself (candidates, rooms, workstations, invigilators) is in `setup`.
"""

from flask import abort, flash, render_template, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.models.centres import DEFAULT_CANDIDATES_PER_INVIGILATOR, Centre
from invigilation.services.centres import attach_staff, candidate_counts, centre_staff, create_centre
from invigilation.services.lockdown import units_requiring
from invigilation.services.rules import bookable_units, booking_rules, ratios, set_booking_rule, set_ratio
from invigilation.services.setup_log import latest_changes, recent_changes
from invigilation.views.common import back_to, bp, failed, form_int, form_text


@bp.route("/centres", methods=["GET", "POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def centres() -> str | Response:
    """Every approved centre, and the form to approve another."""
    if request.method == "POST":
        try:
            centre = create_centre(form_text("number"), form_text("name"), current_user)
        except ValueError as error:
            failed(error)
        else:
            flash(f"{centre.name} approved as centre {centre.number}. Now attach its staff.", "success")
            return back_to("invigilation.centre_page", centre_id=centre.id)
    listed = db.session.scalars(select(Centre).order_by(Centre.number)).all()
    return render_template("invigilation/centres.html", centres=listed, candidates=candidate_counts(),
                           approved=latest_changes("centre.created"), form=request.form)


def _centre(centre_id: int) -> Centre:
    centre = db.session.get(Centre, centre_id)
    if centre is None:
        abort(404)
    return centre


@bp.route("/centres/<int:centre_id>")
@roles_required(Role.AWARDING_BODY_ADMIN)
def centre_page(centre_id: int) -> str:
    centre = _centre(centre_id)
    changes = recent_changes(("centre.created", "centre.staff_added"), subject=centre.number)
    return render_template("invigilation/centre.html", centre=centre, staff=centre_staff(centre),
                           candidates=candidate_counts().get(centre.id, 0), changes=changes)


@bp.route("/centres/<int:centre_id>/staff", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def add_centre_staff(centre_id: int) -> Response:
    centre = _centre(centre_id)
    try:
        user = attach_staff(centre, form_text("username"), current_user)
    except ValueError as error:
        failed(error)
    else:
        flash(f"{user.display_name} ({user.role.label.lower()}) now works at {centre.name}.", "success")
    return back_to("invigilation.centre_page", centre_id=centre.id)


@bp.route("/rules")
@roles_required(Role.AWARDING_BODY_ADMIN)
def rules() -> str:
    """The ratios, booking rules and Safe Exam Browser requirements in force; `?qualification=` or
    `?unit=` fills a form to change one."""
    current, listed = {rule.unit_reference: rule for rule in booking_rules()}, ratios()
    return render_template(
        "invigilation/rules.html", ratios=listed, default=DEFAULT_CANDIDATES_PER_INVIGILATOR,
        ratio_changes=latest_changes("ratio_rule.set"), booking_changes=latest_changes("booking_rule.set"),
        lockdown_rules=units_requiring(),
        lockdown_changes=latest_changes("lockdown_rule.set"),
        units=bookable_units(), booking_rules=current, chosen_unit=current.get(request.args.get("unit", "")),
        chosen_ratio=next((r for r in listed if r.qualification == request.args.get("qualification")), None))


@bp.route("/rules/ratio", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def save_ratio() -> Response:
    try:
        rule = set_ratio(form_text("qualification"), form_int("candidates_per_invigilator",
                                                              "Candidates per invigilator"), current_user)
    except ValueError as error:
        failed(error)
    else:
        flash(f"Qualification {rule.qualification}: 1 invigilator to {rule.candidates_per_invigilator} candidates.",
              "success")
    return back_to("invigilation.rules")


@bp.route("/rules/booking", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def save_booking_rule() -> Response:
    try:
        rule = set_booking_rule(form_text("unit"), form_int("minimum_notice_hours", "Minimum notice"),
                                form_int("resit_limit", "Resit limit") if form_text("resit_limit") else None,
                                form_int("waiting_period_days", "Waiting period"), current_user)
    except ValueError as error:
        failed(error)
    else:
        flash(f"Unit {rule.unit_reference}: booking rules saved.", "success")
    return back_to("invigilation.rules")
