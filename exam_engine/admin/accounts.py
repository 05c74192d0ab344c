"""Account pages: the awarding-body administrator manages every account, a centre administrator
the invigilators and learners (candidates) of their own centres.

Each route declares its roles and then checks the account itself: an account outside the
actor's reach answers 404, whether or not it exists. Creating an account and resetting a
password hand over a temporary password, shown once on the page that answers the form and
never stored in the clear. Every change is written to the set-up change record (who, what,
when) in the same transaction.
"""

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, or_, select
from werkzeug.wrappers import Response
from wtforms import Field, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from exam_engine.auth.access import roles_required
from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.auth.services import (
    AccountError,
    create_user,
    needs_second_factor,
    reset_password,
    reset_second_factor,
    set_active,
    temporary_password,
)
from exam_engine.core.extensions import db
from invigilation.errors import InvigilationError
from invigilation.models.centres import Candidate, Centre, CentreStaff
from invigilation.services.access import centre_ids_of, centres_of
from invigilation.services.centres import register_candidate
from invigilation.services.setup_log import recent_changes, record_change

bp = Blueprint("accounts", __name__, url_prefix="/accounts", template_folder="templates")
log = logging.getLogger(__name__)

MANAGERS = (Role.AWARDING_BODY_ADMIN, Role.CENTRE_ADMIN)
CENTRE_MANAGED_ROLES = (Role.INVIGILATOR, Role.LEARNER)
"""The roles a centre administrator manages: never staff roles above theirs, nor other centre administrators."""
CENTRE_LINKED_ROLES = (Role.INVIGILATOR, Role.CENTRE_ADMIN, Role.LEARNER)
CHANGE_KINDS = ("account.created", "account.deactivated", "account.reactivated", "account.password_reset",
                "account.second_factor_reset")
LISTED = 500
LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})  # searched for as plain text
NO_STORE = {"Cache-Control": "no-store"}  # pages showing a temporary password


def _is_awarding_body(actor: User) -> bool:
    return actor.role is Role.AWARDING_BODY_ADMIN


def _centre_scope(centre_ids: set[int]) -> Select[tuple[int]]:
    """The ids of the invigilators and learners of these centres."""
    ids = centre_ids or {-1}
    staff = (select(CentreStaff.user_id).join(User, User.id == CentreStaff.user_id)
             .where(CentreStaff.centre_id.in_(ids), User.role == Role.INVIGILATOR))
    learners = (select(Candidate.user_id).join(User, User.id == Candidate.user_id)
                .where(Candidate.centre_id.in_(ids), User.role == Role.LEARNER))
    return staff.union(learners)  # type: ignore[return-value]


def manageable_accounts(actor: User) -> Select[tuple[User]]:
    query = select(User)
    if not _is_awarding_body(actor):
        query = query.where(User.id.in_(_centre_scope(centre_ids_of(actor))))
    return query


def can_manage(actor: User, user: User) -> bool:
    if _is_awarding_body(actor):
        return True
    if actor.role is not Role.CENTRE_ADMIN or user.role not in CENTRE_MANAGED_ROLES:
        return False
    return db.session.scalar(select(User.id).where(User.id == user.id,
                                                   User.id.in_(_centre_scope(centre_ids_of(actor))))) is not None


def _load(user_id: int) -> User:
    """The account, if the signed-in administrator may manage it; 404 otherwise (not yours looks like none)."""
    user = db.session.get(User, user_id)
    if user is None or not can_manage(current_user, user):
        abort(404)
    return user


def _record(kind: str, user: User, details: dict[str, object] | None = None) -> None:
    record_change(kind, user.username, {"role": user.role.value, **(details or {})}, current_user)
    log.info("%s: %s by %s", kind, user.username, current_user.username)


def _centres_for(actor: User) -> list[Centre]:
    if _is_awarding_body(actor):
        return list(db.session.scalars(select(Centre).order_by(Centre.name)))
    return centres_of(actor)


def _linked_centres(user: User) -> list[str]:
    staff = select(Centre.name).join(CentreStaff).where(CentreStaff.user_id == user.id)
    learner = select(Centre.name).join(Candidate).where(Candidate.user_id == user.id)
    return sorted(set(db.session.scalars(staff)) | set(db.session.scalars(learner)))


def _fail(field: Field, message: str) -> None:
    field.errors = [*field.errors, message]


def _stripped(value: str | None) -> str | None:
    return value.strip() if value else value


class AccountForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter a username."), Length(max=80),
                                                   Regexp(r"^[^\s\x00-\x1f\x7f]+$",
                                                          message="A username has no spaces or control characters.")],
                           filters=[_stripped],
                           render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})
    display_name = StringField("Full name", validators=[DataRequired("Enter the person's name."), Length(max=120),
                                                        Regexp(r"^[^\x00-\x1f\x7f]+$",
                                                               message="A name has no control characters.")],
                               filters=[_stripped], render_kw={"autocomplete": "off"})
    role = SelectField("Role", validate_choice=True)
    centre = SelectField("Centre", validate_choice=True)
    candidate_number = StringField("Candidate number (learners at a centre)", validators=[Optional(), Length(max=20)],
                                   render_kw={"autocomplete": "off", "spellcheck": "false"})
    submit = SubmitField("Create account")


def _account_form(actor: User) -> AccountForm:
    form = AccountForm()
    roles = list(Role) if _is_awarding_body(actor) else list(CENTRE_MANAGED_ROLES)
    form.role.choices = [(role.value, role.label) for role in roles]
    centres = [(str(c.id), f"{c.name} ({c.number})") for c in _centres_for(actor)]
    form.centre.choices = ([("", "No centre")] if _is_awarding_body(actor) else []) + centres
    return form


@bp.route("/")
@roles_required(*MANAGERS)
def index() -> str:
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    search = "".join(ch for ch in request.args.get("q", "") if ch.isprintable()).strip()[:80]
    roles = list(Role) if _is_awarding_body(current_user) else list(CENTRE_MANAGED_ROLES)
    query = manageable_accounts(current_user)
    if role in {r.value for r in roles}:
        query = query.where(User.role == Role(role))
    else:
        role = ""
    if status in ("active", "inactive"):
        query = query.where(User.active.is_(status == "active"))
    else:
        status = ""
    if search:
        pattern = "%" + search.translate(LIKE_ESCAPES) + "%"
        query = query.where(or_(User.username.ilike(pattern, escape="\\"),
                                User.display_name.ilike(pattern, escape="\\")))
    users = db.session.scalars(query.order_by(User.role, User.username).limit(LISTED + 1)).all()
    return render_template("accounts/index.html", users=users[:LISTED], more=len(users) > LISTED, roles=roles,
                           role=role, status=status, search=search, shown=LISTED)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new() -> ResponseReturnValue:
    form = _account_form(current_user)
    if not form.is_submitted():
        return render_template("accounts/new.html", form=form)
    if form.validate():
        role = Role(form.role.data)
        centre = db.session.get(Centre, int(form.centre.data)) if form.centre.data else None
        number = (form.candidate_number.data or "").strip()
        if centre is not None and role not in CENTRE_LINKED_ROLES:
            _fail(form.centre, f"A {role.label.lower()} is not linked to a centre: choose \"No centre\".")
        elif role is Role.LEARNER and centre is not None and not number:
            _fail(form.candidate_number, "Enter the candidate number for a learner at a centre.")
        elif number and role is not Role.LEARNER:
            _fail(form.candidate_number, "Only learners have a candidate number: leave it empty.")
        else:
            password = temporary_password()
            try:
                user = create_user(form.username.data or "", form.display_name.data or "", role, password)
            except AccountError as error:
                _fail(form.username, str(error).capitalize() + ".")
            else:
                try:
                    if centre is not None and role is Role.LEARNER:
                        register_candidate(centre, user.username, number)
                    elif centre is not None:
                        db.session.add(CentreStaff(centre=centre, user=user))
                except InvigilationError as error:
                    _fail(form.candidate_number, str(error).capitalize() + ".")
                else:
                    _record("account.created", user, {"centre": centre.number if centre else None})
                    return render_template("accounts/password.html", user=user, password=password,
                                           created=True), 200, NO_STORE
    return render_template("accounts/new.html", form=form), 422


@bp.route("/<int:user_id>")
@roles_required(*MANAGERS)
def show(user_id: int) -> str:
    user = _load(user_id)
    return render_template("accounts/show.html", user=user, centres=_linked_centres(user),
                           two_factor=needs_second_factor(user),
                           changes=recent_changes(CHANGE_KINDS, subject=user.username, limit=20))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@roles_required(*MANAGERS)
def deactivate(user_id: int) -> Response:
    return _set_active(_load(user_id), False)


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@roles_required(*MANAGERS)
def reactivate(user_id: int) -> Response:
    return _set_active(_load(user_id), True)


def _set_active(user: User, active: bool) -> Response:
    if user.active == active:
        flash(f"{user.display_name}'s account is already {'active' if active else 'deactivated'}.", "info")
        return redirect(url_for("accounts.show", user_id=user.id))
    try:
        set_active(user, active, current_user)
    except AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.show", user_id=user.id))
    _record("account.reactivated" if active else "account.deactivated", user)
    flash(f"{user.display_name}'s account is active again: they can sign in." if active else
          f"{user.display_name}'s account is deactivated: they are signed out and cannot sign in.", "success")
    return redirect(url_for("accounts.show", user_id=user.id))


@bp.route("/<int:user_id>/password", methods=["POST"])
@roles_required(*MANAGERS)
def password(user_id: int) -> ResponseReturnValue:
    user = _load(user_id)
    new_password = reset_password(user)
    _record("account.password_reset", user)
    return render_template("accounts/password.html", user=user, password=new_password, created=False), 200, NO_STORE


@bp.route("/<int:user_id>/second-factor", methods=["POST"])
@roles_required(*MANAGERS)
def second_factor(user_id: int) -> Response:
    user = _load(user_id)
    if user.totp_secret is None:
        flash(f"{user.display_name} has no authenticator app set up: nothing to reset.", "info")
        return redirect(url_for("accounts.show", user_id=user.id))
    reset_second_factor(user)
    _record("account.second_factor_reset", user)
    flash(f"{user.display_name} will set up a new authenticator app at their next sign-in; "
          "their open sessions have ended.", "success")
    return redirect(url_for("accounts.show", user_id=user.id))
