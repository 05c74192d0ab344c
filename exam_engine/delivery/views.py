"""The learner's pages."""

from flask import Blueprint, render_template

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role

bp = Blueprint("delivery", __name__, url_prefix="/learner", template_folder="templates")


@bp.route("/")
@roles_required(Role.LEARNER)
def home() -> str:
    return render_template("delivery/home.html")
