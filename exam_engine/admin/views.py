"""Awarding-body administrators' pages: where to go, and who viewed which live item (accounts: `accounts`)."""

from flask import Blueprint, render_template, request

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role
from item_bank.items.services import item_views

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
VIEWS_SHOWN = 500


@bp.route("/")
@roles_required(Role.AWARDING_BODY_ADMIN)
def home() -> str:
    return render_template("admin/home.html")


@bp.route("/item-views")
@roles_required(Role.AWARDING_BODY_ADMIN)
def item_view_records() -> str:
    viewer = request.args.get("viewer", "").strip()[:80]
    item = request.args.get("item", "").strip()[:80]
    views = item_views(viewer or None, item or None, limit=VIEWS_SHOWN)
    return render_template("admin/item_views.html", views=views, viewer=viewer, item=item, shown=VIEWS_SHOWN)
