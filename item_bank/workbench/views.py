"""The workbench's pages: browsing the taxonomy, writing and reviewing items (thin: the services decide)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import BANK_STAFF, Role
from exam_engine.core.extensions import db
from exam_engine.core.listing import Column, listing
from exam_engine.core.transactions import unit_of_work
from item_bank.items.files import CHECKLIST_QUESTIONS, FileProblem
from item_bank.items.models import Item, ItemCalibration, ItemStatus, ItemVersion, Scenario
from item_bank.items.records import DIFFICULTY_RATINGS
from item_bank.items.scoring import ItemType
from item_bank.items.services import record_views, tag_counts
from item_bank.taxonomy.models import Qualification, UnitVersion
from item_bank.taxonomy.services import current_unit_version, current_versions, unit_reference, unit_slug
from item_bank.workbench.services.authoring import (
    OPTION_IDS,
    PREMISE_IDS,
    AuthoringError,
    create_item,
    edit_item,
    entry_from_form,
    form_values,
    problem_anchor,
    problem_text,
)
from item_bank.workbench.services.review import MOVES, ReviewError, allowed_moves, move_item, pending_calibration

bp = Blueprint("workbench", __name__, url_prefix="/workbench", template_folder="templates")


@bp.app_template_global()
def unit_url_slug(reference: str) -> str:
    return unit_slug(reference)


@bp.route("/")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def home() -> str:
    return render_template("workbench/home.html")


@bp.route("/taxonomy/")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def qualifications() -> str:
    rows = db.session.scalars(select(Qualification).order_by(Qualification.awarding_body, Qualification.title)).all()
    return render_template("workbench/taxonomy/qualifications.html", qualifications=rows)


@bp.route("/taxonomy/qualifications/<int:qualification_id>")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def qualification(qualification_id: int) -> str:
    found = db.get_or_404(Qualification, qualification_id)
    return render_template("workbench/taxonomy/qualification.html", qualification=found,
                           versions=current_versions(found))


@bp.route("/taxonomy/units/<int:version_id>")
@roles_required(Role.ITEM_WRITER, Role.REVIEWER)
def unit_version(version_id: int) -> str:
    version = db.get_or_404(UnitVersion, version_id)
    return render_template("workbench/taxonomy/unit.html", version=version,
                           counts=tag_counts(version.unit.reference))


@bp.route("/units/")
@roles_required(*BANK_STAFF)
def units() -> str:
    references = db.session.scalars(select(Item.unit_reference).distinct().order_by(Item.unit_reference)).all()
    rows = [(reference, current_unit_version(reference)) for reference in references]
    return render_template("workbench/units.html", rows=rows)


def _status(version: ItemVersion) -> str:
    return version.status.value.replace("_", " ")


ITEM_COLUMNS: list[Column[Item]] = [
    Column("item", "Item", lambda item: item.code),
    Column("version", "Version", lambda item: item.latest.number),
    Column("status", "Status", lambda item: _status(item.latest)),
    Column("criteria", "Criteria", lambda item: ", ".join(item.latest.criteria)),
    Column("type", "Type", lambda item: item.latest.type.value.replace("_", " ")),
    Column("difficulty", "Difficulty rating", lambda item: item.latest.difficulty_rating),
    Column("writer", "Writer", lambda item: item.latest.writer),
]
TAGGING_COLUMNS: list[Column[Item]] = [
    Column("item", "Item", lambda item: item.code),
    Column("source", "Came as", lambda item: item.source_id or ""),
    Column("type", "Type", lambda item: item.latest.type.value.replace("_", " ")),
    Column("stem", "Stem", lambda item: item.latest.stem),
    Column("writer", "Imported by", lambda item: item.latest.writer),
]
QUEUE_COLUMNS: list[Column[ItemVersion]] = [
    Column("item", "Item", lambda v: v.item.code),
    Column("version", "Version", lambda v: v.number),
    Column("unit", "Unit", lambda v: v.item.unit_reference),
    Column("writer", "Writer", lambda v: v.writer),
]


@bp.route("/units/<slug>/items")
@roles_required(*BANK_STAFF)
def unit_items(slug: str) -> str:
    reference = unit_reference(slug)
    items = db.session.scalars(select(Item).where(Item.unit_reference == reference).order_by(Item.code)).all()
    return render_template("workbench/items.html", unit=reference, slug=slug, items=items,
                           listing=listing(items, ITEM_COLUMNS, request.args),
                           untagged=sum(item.latest.untagged for item in items),
                           unit_version=current_unit_version(reference))


@bp.route("/units/<slug>/tagging")
@roles_required(*BANK_STAFF)
def tagging_queue(slug: str) -> str:
    """The unit's imported items that have no tags yet, oldest first: each to be tagged by a writer."""
    reference = unit_reference(slug)
    items = db.session.scalars(select(Item).where(Item.unit_reference == reference).order_by(Item.id)).all()
    untagged = [item for item in items if item.latest.untagged]
    return render_template("workbench/tagging.html", unit=reference, slug=slug, items=untagged,
                           listing=listing(untagged, TAGGING_COLUMNS, request.args))


@bp.route("/units/<slug>/items/new", methods=["GET", "POST"])
@roles_required(Role.ITEM_WRITER)
def new_item(slug: str) -> ResponseReturnValue:
    reference = unit_reference(slug)
    problems: list[FileProblem] = []
    if request.method == "POST":
        try:
            version = create_item(reference, entry_from_form(request.form, current_user.username), current_user)
        except AuthoringError as error:
            problems = error.problems
        else:
            flash(f"Item {version.item.code} saved as a draft.", "success")
            return redirect(url_for("workbench.item_page", item_id=version.item_id))
    return _form(reference, request.form if request.method == "POST" else {}, problems, None)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ITEM_WRITER)
def edit_item_page(item_id: int) -> ResponseReturnValue:
    item = db.get_or_404(Item, item_id)
    problems: list[FileProblem] = []
    if request.method == "POST":
        try:
            version = edit_item(item_id, entry_from_form(request.form, current_user.username), current_user)
        except AuthoringError as error:
            problems = error.problems
        else:
            flash(f"Saved as draft version {version.number} of {item.code}.", "success")
            return redirect(url_for("workbench.item_page", item_id=item.id))
    values = request.form if request.method == "POST" else form_values(item.latest)
    page = _form(item.unit_reference, values, problems, item)
    if request.method == "GET":
        with unit_of_work():
            record_views(item.versions, current_user.username, "edit form")
    return page


def _form(reference: str, values: Any, problems: list[FileProblem], item: Item | None) -> tuple[str, int]:
    unit_version = current_unit_version(reference)
    if unit_version is None:
        abort(404)
    scenarios = db.session.scalars(select(Scenario).where(Scenario.unit_reference == reference)
                                   .order_by(Scenario.code)).all()
    enemy_sets = db.session.scalars(select(ItemVersion.enemy_set).join(Item).where(
        Item.unit_reference == reference, ItemVersion.enemy_set.is_not(None)).distinct()).all()
    getlist = values.getlist if hasattr(values, "getlist") else (lambda name: values.get(name, []))
    listed = [(problem_text(p), problem_anchor(p)) for p in problems]
    errors: dict[str, list[str]] = {}
    for text, anchor in listed:
        errors.setdefault(anchor, []).append(text)
    ticked = set(getlist("criteria"))
    outcome = values.get("outcome") or next(
        (o.identifier for o in unit_version.learning_outcomes if any(c.identifier in ticked for c in o.criteria)), "")
    return render_template("workbench/item_form.html", unit=reference, unit_version=unit_version,
                           item=item, in_place=item is not None and item.latest.changes_in_place,
                           values=values, getlist=getlist, problems=listed, errors=errors, outcome=outcome,
                           scenarios=scenarios, enemy_sets=enemy_sets, option_ids=OPTION_IDS, premise_ids=PREMISE_IDS,
                           types=list(ItemType), ratings=DIFFICULTY_RATINGS), (422 if problems else 200)


@bp.route("/items/<int:item_id>")
@roles_required(*BANK_STAFF)
def item_page(item_id: int) -> str:
    item = db.get_or_404(Item, item_id)
    with unit_of_work():  # the record of who saw a live item is kept whatever the page goes on to do
        record_views(item.versions, current_user.username, "item page")
    versions = list(reversed(item.versions))
    return render_template(
        "workbench/item.html", item=item, versions=versions, preview=item.latest,
        instruction=item.latest.instruction,
        moves={v.id: allowed_moves(v, current_user) for v in versions},
        proposals={v.id: pending_calibration(v) for v in versions}, checklist=CHECKLIST_QUESTIONS,
        editable=current_user.role is Role.ITEM_WRITER and item.latest.status is not ItemStatus.IN_REVIEW,
    )


@bp.route("/versions/<int:version_id>/media/<name>")
@roles_required(*BANK_STAFF)
def medium(version_id: int, name: str) -> Response:
    """An image of an item version, for its preview; a view of a live or pretest item's image is recorded."""
    version = db.get_or_404(ItemVersion, version_id)
    found = next((m for m in version.media if m.name == name), None)
    if found is None:
        abort(404)
    with unit_of_work():
        record_views([version], current_user.username, "item image")
    return Response(found.data, mimetype=found.content_type,
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@bp.route("/versions/<int:version_id>/move", methods=["POST"])
@roles_required(*BANK_STAFF)
def move(version_id: int) -> Response:
    name = request.form.get("move", "")
    try:
        version = move_item(version_id, name, current_user, request.form.get("comment"),
                            request.form.getlist("checklist"))
    except ReviewError as error:
        flash(str(error), "error")
        version = db.get_or_404(ItemVersion, version_id)
    else:
        flash(f"{MOVES[name].label}: {version.item.code} version {version.number} is now "
              f"{version.status.value.replace('_', ' ')}.", "success")
    return redirect(url_for("workbench.item_page", item_id=version.item_id))


@bp.route("/review")
@roles_required(*BANK_STAFF)
def review_queue() -> str:
    waiting = db.session.scalars(select(ItemVersion).where(ItemVersion.status.in_(
        [ItemStatus.IN_REVIEW, ItemStatus.APPROVED_FOR_PRETEST])).order_by(ItemVersion.id)).all()
    pretest = [v for v in waiting if v.status is ItemStatus.APPROVED_FOR_PRETEST]
    proposals = {v.id: pending_calibration(v) for v in pretest}
    pretest_columns = [*QUEUE_COLUMNS[:3], Column[ItemVersion](
        "calibration", "Calibration", lambda v: _calibration_state(proposals[v.id]))]
    return render_template("workbench/review.html",
                           in_review=listing([v for v in waiting if v.status is ItemStatus.IN_REVIEW],
                                             QUEUE_COLUMNS, request.args),
                           pretest=listing(pretest, pretest_columns, request.args, prefix="pretest_"))


def _calibration_state(proposal: ItemCalibration | None) -> str:
    if proposal is None:
        return "Collecting responses"
    return f"Proposed for promotion ({proposal.responses} responses)"
