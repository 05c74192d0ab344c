"""Awarding-body administrators' pages: accounts, and who viewed which live item."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from exam_engine.auth.access import roles_required
from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.auth.services import needs_second_factor, reset_second_factor
from exam_engine.core.extensions import db
from invigilation.services.setup_log import record_change
from item_bank.items.services import item_views

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
VIEWS_SHOWN = 500


@bp.route("/")
@roles_required(Role.AWARDING_BODY_ADMIN)
def home() -> str:
    users = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/home.html", users=users, needs_second_factor=needs_second_factor)


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def reset_authenticator(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    reset_second_factor(user)
    record_change("account.second_factor_reset", user.username, {"role": user.role.value}, current_user)
    flash(f"{user.username} will set up a new authenticator app at their next sign-in; "
          f"their open sessions have ended.", "success")
    return redirect(url_for("admin.home"))


@bp.route("/item-views")
@roles_required(Role.AWARDING_BODY_ADMIN)
def item_view_records() -> str:
    viewer = request.args.get("viewer", "").strip()[:80]
    item = request.args.get("item", "").strip()[:80]
    views = item_views(viewer or None, item or None, limit=VIEWS_SHOWN)
    return render_template("admin/item_views.html", views=views, viewer=viewer, item=item, shown=VIEWS_SHOWN)
