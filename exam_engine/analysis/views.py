"""The workbench's evidence pages: item statistics, coverage, the statistics CSV."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from exam_engine.analysis import formatting, plots
from exam_engine.analysis.services.coverage import unit_coverage
from exam_engine.analysis.services.evidence import statistics_csv, unit_evidence, version_statistics
from exam_engine.analysis.services.model_fit import MIN_FORM_PERSONS, MIN_PAIR_PERSONS, MISFIT_P, Q3_CRITERION
from exam_engine.analysis.services.pretest import calibration_progress
from exam_engine.analysis.services.statistics import MIN_CLASSICAL, MIN_DIF_GROUP, MIN_IRT
from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import BANK_STAFF
from exam_engine.core.downloads import attachment
from exam_engine.core.extensions import db
from exam_engine.core.listing import Column, listing
from exam_engine.core.transactions import unit_of_work
from item_bank.items.models import ItemVersion
from item_bank.items.records import DIFFICULTY_RATINGS
from item_bank.items.services import record_views, unit_has_items
from item_bank.taxonomy.services import unit_reference, unit_slug

bp = Blueprint("analysis", __name__, url_prefix="/workbench", template_folder="templates")
bp.add_app_template_filter(formatting.number, "stat")
bp.add_app_template_filter(formatting.p_value, "p_value")


@bp.route("/versions/<int:version_id>/statistics")
@roles_required(*BANK_STAFF)
def statistics(version_id: int) -> str:
    version = db.get_or_404(ItemVersion, version_id)
    with unit_of_work():  # the page shows the options and the key
        record_views([version], current_user.username, "statistics")
    evidence = unit_evidence(version.item.unit_reference)
    stats, flags = version_statistics(evidence, version)
    chart = plots.curve_with_points(
        "icc", f"Item characteristic curve of {version.item.code} version {version.number}",
        "The line is the model's expected proportion of the marks at each ability; the circles are the "
        "observed proportions of learners grouped by ability (larger circles: more learners). "
        "The table after the chart gives the same numbers.",
        stats.curve, [] if stats.withheld("observed") else stats.observed, "Ability (logits)", "Proportion of marks")
    return render_template("analysis/statistics.html", version=version, stats=stats, flags=flags,
                           calibration=calibration_progress(evidence, version),
                           chart=chart, min_classical=MIN_CLASSICAL, min_irt=MIN_IRT, min_dif=MIN_DIF_GROUP,
                           q3_criterion=Q3_CRITERION, min_pair=MIN_PAIR_PERSONS, unit_mean_q3=evidence.fit.mean_q3)


@bp.route("/units/<slug>/statistics.csv")
@roles_required(*BANK_STAFF)
def statistics_export(slug: str) -> Response:
    reference = unit_reference(slug)
    if not unit_has_items(reference):
        abort(404)
    return Response(statistics_csv(reference), mimetype="text/csv",
                    headers=attachment(f"item-statistics-{unit_slug(reference)}.csv"))


@bp.route("/units/<slug>/statistics")
@roles_required(*BANK_STAFF)
def unit_statistics(slug: str) -> str:
    """The unit's model fit: M2/RMSEA2, every item's S-X^2 and the scenario pairs' Q3."""
    reference = unit_reference(slug)
    if not unit_has_items(reference):
        abort(404)
    evidence = unit_evidence(reference)
    fit = evidence.fit
    columns: list[Column[ItemVersion]] = [
        Column("item", "Item", lambda v: f"{v.item.code} v{v.number}"),
        Column("s_x2", "S-X²", lambda v: fit.items[v.id].statistic),
        Column("df", "df", lambda v: fit.items[v.id].df),
        Column("p", "p", lambda v: fit.items[v.id].p_value),
        Column("learners", "Learners (forms)", lambda v: fit.items[v.id].learners or None),
    ]
    return render_template("analysis/unit_statistics.html", unit=reference, slug=slug, fit=fit,
                           dim=evidence.dimensionality, items=listing(evidence.versions, columns, request.args),
                           versions=evidence.versions, learners=evidence.matrix.n_persons,
                           fixed=int(evidence.matrix.fixed_rows().sum()), min_form=MIN_FORM_PERSONS,
                           misfit_p=MISFIT_P, q3_criterion=Q3_CRITERION, min_pair=MIN_PAIR_PERSONS)


@bp.route("/units/<slug>/coverage")
@roles_required(*BANK_STAFF)
def coverage(slug: str) -> str:
    reference = unit_reference(slug)
    since, until = _day(request.args.get("since")), _day(request.args.get("until"), end=True)
    try:
        found = unit_coverage(reference, since, until)
    except LookupError:
        abort(404)
    grid = plots.heat_grid(
        "coverage-grid", f"Items per assessment criterion and difficulty, unit {reference}",
        "One row per assessment criterion, one column per difficulty rating; each cell gives the number "
        "of items in service. The table after the chart gives the same numbers.",
        [row.identifier for row in found.rows], list(DIFFICULTY_RATINGS), [row.counts for row in found.rows])
    exposure = plots.bars(
        "exposure", f"Item exposure, unit {reference}",
        "Share of the period's attempts given each item, most exposed first (at most 30 items drawn). "
        "The exposure table gives every item.",
        [(f"{code} v{number}", round(share, 3)) for code, number, share in found.exposure[:30]],
        "Share of attempts") if found.exposure else None
    return render_template("analysis/coverage.html", coverage=found, grid=grid, exposure=exposure,
                           ratings=DIFFICULTY_RATINGS, slug=slug, since=request.args.get("since", ""),
                           until=request.args.get("until", ""))


def _day(text: str | None, end: bool = False) -> datetime | None:
    """A yyyy-mm-dd date from the period form as an aware UTC bound (the end is exclusive, next day)."""
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date() + timedelta(days=1 if end else 0)
    except (ValueError, OverflowError):
        abort(400, description=f"{text[:40]!r} is not a date like 2026-11-22")
    return datetime.combine(day, time(), tzinfo=UTC)
