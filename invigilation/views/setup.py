"""Session lists, creating sessions, bookings and the seating plan, access arrangements."""

from datetime import date

from flask import abort, flash, render_template, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from exam_engine.auth.access import roles_required
from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models.centres import Candidate, Centre, CentreStaff, Room, Workstation
from invigilation.services.access import (
    can_administer,
    can_conduct,
    can_void,
    centre_ids_of,
    centres_of,
    visible_sessions,
)
from invigilation.services.centres import add_invigilator, add_room, register_candidate
from invigilation.services.lockdown import requires_safe_exam_browser
from invigilation.services.report import CENTRE_TIME_ZONE, local
from invigilation.services.sessions import (
    assign_workstation,
    book_candidate,
    centre_request,
    create_session,
    ratio_warning,
    save_arrangements,
    spare_workstations,
)
from invigilation.views.common import (
    back_to,
    bp,
    failed,
    form_int,
    form_optional_int,
    form_record,
    form_text,
    load_session,
    load_sitting,
    parse_local,
)

STAFF = (Role.INVIGILATOR, Role.CENTRE_ADMIN, Role.AWARDING_BODY_ADMIN)


@bp.route("/")
@roles_required(Role.INVIGILATOR)
def home() -> str:
    return render_template("invigilation/home.html", sessions=visible_sessions(current_user), local=local)


@bp.route("/centre")
@roles_required(Role.CENTRE_ADMIN)
def centre_home() -> str:
    centre_ids = centre_ids_of(current_user)
    candidates = db.session.scalars(select(Candidate).where(Candidate.centre_id.in_(centre_ids or {-1}))
                                    .order_by(Candidate.candidate_number)).all()
    return render_template("invigilation/centre_home.html", sessions=visible_sessions(current_user),
                           centres=centres_of(current_user), candidates=candidates, local=local)


def _centre_invigilators(centre_ids: set[int]) -> list[User]:
    return list(db.session.scalars(select(User).join(CentreStaff, CentreStaff.user_id == User.id)
                                   .where(CentreStaff.centre_id.in_(centre_ids or {-1}),
                                          User.role == Role.INVIGILATOR).order_by(User.display_name)))


def _my_centre() -> Centre:
    centre = form_record(Centre, "centre")
    if centre is None or centre.id not in centre_ids_of(current_user):
        abort(403)
    return centre


@bp.route("/centre/<record>", methods=["POST"])
@roles_required(Role.CENTRE_ADMIN)
def add_centre_record(record: str) -> Response:
    """Register a candidate, add a room with workstations, or add an invigilator to the centre."""
    if record not in ("candidates", "rooms", "invigilators"):
        abort(404)
    centre = _my_centre()
    try:
        if record == "candidates":
            born = form_text("date_of_birth")
            candidate = register_candidate(centre, form_text("username"), form_text("candidate_number"),
                                           date.fromisoformat(born) if born else None, form_text("sex"),
                                           form_text("groups"), form_text("uln"))
            flash(f"{candidate.name} is candidate {candidate.candidate_number}.", "success")
        elif record == "rooms":
            room = add_room(centre, form_text("name"), form_int("workstations", "Workstations"),
                            form_int("spares", "Spare workstations"))
            flash(f"{room.name} added with {len(room.workstations)} workstations.", "success")
        else:
            added = add_invigilator(centre, form_text("username"), current_user)
            flash(f"{added.display_name} added as an invigilator.", "success")
    except ValueError as error:
        failed(error)
    return back_to("invigilation.centre_home")


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(Role.CENTRE_ADMIN)
def new_session() -> str | Response:
    centre_ids = centre_ids_of(current_user)
    rooms = db.session.scalars(select(Room).where(Room.centre_id.in_(centre_ids or {-1})).order_by(Room.name)).all()
    invigilators = _centre_invigilators(centre_ids)
    if request.method == "POST":
        try:
            room = next((r for r in rooms if str(r.id) == form_text("room")), None)
            if room is None:
                raise InvigilationError("choose one of your centre's rooms")
            start = parse_local(form_text("date"), form_text("start"), CENTRE_TIME_ZONE)
            chosen = [u for u in invigilators if str(u.id) in request.form.getlist("invigilators")]
            minutes = form_optional_int("minutes", "The test length in minutes", high=600)
            units = [centre_request(ref.strip(), minutes) for ref in form_text("units").split(",") if ref.strip()]
            session = create_session(room, start.date(), start, units, chosen, current_user,
                                     form_text("qualification"))
        except ValueError as error:
            failed(error)
        else:
            flash("Session created.", "success")
            return back_to("invigilation.session_page", session_id=session.id)
    return render_template("invigilation/new_session.html", rooms=rooms, invigilators=invigilators,
                           today=date.today().isoformat(), form=request.form)


@bp.route("/sessions/<int:session_id>")
@roles_required(*STAFF)
def session_page(session_id: int) -> str:
    session = load_session(session_id)
    candidates = []
    if can_administer(current_user, session):
        booked = {s.candidate_id for s in session.sittings}
        candidates = [c for c in db.session.scalars(select(Candidate).where(Candidate.centre_id == session.centre_id)
                                                    .order_by(Candidate.candidate_number)) if c.id not in booked]
    return render_template(
        "invigilation/session.html", session=session, warning=ratio_warning(session), local=local,
        administer=can_administer(current_user, session), conduct=can_conduct(current_user, session),
        voider=can_void(current_user, session), candidates=candidates, free=spare_workstations(session),
        safe_exam_browser=requires_safe_exam_browser(session),
        approve_keys=current_user.role is Role.AWARDING_BODY_ADMIN)


@bp.route("/sessions/<int:session_id>/bookings", methods=["POST"])
@roles_required(Role.CENTRE_ADMIN)
def book(session_id: int) -> Response:
    session = load_session(session_id, can_administer)
    try:
        candidate = form_record(Candidate, "candidate")
        if candidate is None:
            raise InvigilationError("choose a candidate")
        workstation = _workstation(session.room_id)
        book_candidate(session, candidate, form_text("unit") or session.units[0].unit_reference, current_user,
                       workstation)
        flash(f"{candidate.name} booked.", "success")
    except ValueError as error:
        failed(error)
    return back_to("invigilation.session_page", session_id=session.id)


def _workstation(room_id: int) -> Workstation | None:
    if not form_text("workstation"):
        return None
    workstation = form_record(Workstation, "workstation")
    if workstation is None or workstation.room_id != room_id:
        raise InvigilationError("choose a workstation in the session's room")
    return workstation


@bp.route("/sittings/<int:sitting_id>/seat", methods=["POST"])
@roles_required(Role.CENTRE_ADMIN)
def seat(sitting_id: int) -> Response:
    sitting = load_sitting(sitting_id, can_administer)
    try:
        workstation = _workstation(sitting.session.room_id)
        if workstation is None:
            raise InvigilationError("choose a workstation")
        assign_workstation(sitting, workstation, current_user)
    except ValueError as error:
        failed(error)
    return back_to("invigilation.session_page", session_id=sitting.session_id)


ARRANGEMENT_FLAGS = ("rest_breaks", "reader", "separate_invigilation")


@bp.route("/candidates/<int:candidate_id>/arrangements", methods=["GET", "POST"])
@roles_required(Role.CENTRE_ADMIN)
def arrangements(candidate_id: int) -> str | Response:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        abort(404)
    if candidate.centre_id not in centre_ids_of(current_user):
        abort(403)
    if request.method == "POST":
        try:
            percent = form_optional_int("extra_time_percent", "Extra time (%)", high=100) or 0
            font = form_optional_int("font_size_percent", "Font size (%)", high=1000)
            changes: dict[str, object] = {name: name in request.form for name in ARRANGEMENT_FLAGS}
            changes.update(extra_time_percent=percent, font_size_percent=font,
                           approval_reference=form_text("approval_reference") or None,
                           colour_scheme=form_text("colour_scheme") or None, notes=form_text("notes") or None)
            save_arrangements(candidate, changes, current_user)
        except ValueError as error:
            failed(error)
        else:
            flash(f"Access arrangements saved for {candidate.name}.", "success")
            return back_to("invigilation.centre_home")
    return render_template("invigilation/arrangements.html", candidate=candidate,
                           profile=candidate.arrangements, form=request.form)
