"""Awarding-body administrators' pages."""

from flask import Blueprint, render_template
from sqlalchemy import select

from exam_engine.auth.access import roles_required
from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.route("/")
@roles_required(Role.AWARDING_BODY_ADMIN)
def home() -> str:
    users = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/home.html", users=users)
