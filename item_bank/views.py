"""The item writers' and reviewers' workbench."""

from flask import Blueprint, render_template

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role

bp = Blueprint("item_bank", __name__, url_prefix="/workbench", template_folder="templates")


@bp.route("/")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def home() -> str:
    return render_template("item_bank/home.html")
