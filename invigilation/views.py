"""Invigilators' and centre administrators' pages."""

from flask import Blueprint, render_template

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role

bp = Blueprint("invigilation", __name__, url_prefix="/invigilation", template_folder="templates")


@bp.route("/")
@roles_required(Role.INVIGILATOR)
def home() -> str:
    return render_template("invigilation/home.html")


@bp.route("/centre")
@roles_required(Role.CENTRE_ADMIN)
def centre_home() -> str:
    return render_template("invigilation/centre_home.html")
