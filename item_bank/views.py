"""The item writers' and reviewers' workbench, and the taxonomy they browse."""

from flask import Blueprint, render_template
from sqlalchemy import select

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role
from exam_engine.extensions import db
from item_bank.items.bank import tag_counts
from item_bank.taxonomy_import import current_versions
from item_bank.taxonomy_models import Qualification, UnitVersion

bp = Blueprint("item_bank", __name__, url_prefix="/workbench", template_folder="templates")


@bp.route("/")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def home() -> str:
    return render_template("item_bank/home.html")


@bp.route("/taxonomy/")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def qualifications() -> str:
    rows = db.session.scalars(select(Qualification).order_by(Qualification.awarding_body, Qualification.title)).all()
    return render_template("item_bank/taxonomy/qualifications.html", qualifications=rows)


@bp.route("/taxonomy/qualifications/<int:qualification_id>")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def qualification(qualification_id: int) -> str:
    found = db.get_or_404(Qualification, qualification_id)
    return render_template("item_bank/taxonomy/qualification.html", qualification=found,
                           versions=current_versions(found))


@bp.route("/taxonomy/units/<int:version_id>")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def unit_version(version_id: int) -> str:
    version = db.get_or_404(UnitVersion, version_id)
    return render_template("item_bank/taxonomy/unit.html", version=version,
                           counts=tag_counts(version.unit.reference))


# The workbench's pages register on this blueprint (imported last: they import `bp`).
from item_bank.workbench import web_evidence, web_items  # noqa: E402,F401
