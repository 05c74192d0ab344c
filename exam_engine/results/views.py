"""Pages for standard-setting panels, the awarding body's results, centres' results and learners' own."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from exam_engine.auth.access import roles_required
from exam_engine.auth.roles import Role
from exam_engine.core.downloads import attachment
from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.services.attempts import marks_of
from exam_engine.delivery.services.replay import replay_attempt
from exam_engine.results.models import ConsiderationState, IncidentFinding, IncidentReview, SpecialConsideration
from exam_engine.results.services import achievement as achievement_services
from exam_engine.results.services import decisions
from exam_engine.results.services.achievement import achieved_units, qualification_checks
from exam_engine.results.services.exports import results_csv, results_json
from exam_engine.results.services.outcomes import (
    ResultLine,
    ended_attempts,
    incidents_touching,
    result_line,
    result_lines,
)
from exam_engine.results.services.panel import decide_with_evidence, round_reports
from exam_engine.results.services.qti_results import ReportRefused, report_name, results_report
from exam_engine.results.services.quality import classification_quality
from invigilation.models.centres import Candidate
from invigilation.models.sessions import Incident, TestSession
from invigilation.services.access import centre_ids_of, centres_of
from item_bank.items.services import record_views
from item_bank.qti.versions import VERSIONS
from item_bank.standards import services as standards
from item_bank.standards.models import StandardMethod, StandardStudy

bp = Blueprint("results", __name__, template_folder="templates")
PANEL = (Role.SUBJECT_EXPERT, Role.AWARDING_BODY_ADMIN)


def _failed(error: Exception) -> None:
    db.session.rollback()
    flash(f"Not done: {error}.", "error")


# Standard setting ------------------------------------------------------------------------------

@bp.route("/standards")
@roles_required(*PANEL)
def studies() -> str:
    rows = db.session.scalars(select(StandardStudy).order_by(StandardStudy.opened_at.desc())).all()
    return render_template("results/studies.html", studies=rows, units=standards.units_with_live_items(),
                           methods=list(StandardMethod))


@bp.route("/standards", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def open_study() -> Response:
    try:
        method = StandardMethod(request.form.get("method", ""))
        study = standards.open_study(request.form.get("unit", ""), method, current_user)
    except ValueError as error:
        _failed(error)
        return redirect(url_for("results.studies"))
    flash(f"Study {study.id} of unit {study.unit_reference} is open for round 1.", "success")
    return redirect(url_for("results.study", study_id=study.id))


def _study(study_id: int) -> StandardStudy:
    return db.get_or_404(StandardStudy, study_id)


@bp.route("/standards/<int:study_id>")
@roles_required(*PANEL)
def study(study_id: int) -> str:
    found = _study(study_id)
    versions = standards.study_versions(found)
    judging = current_user.role is Role.SUBJECT_EXPERT and not found.decided
    if judging:
        with unit_of_work():  # the page shows live items with their keys
            record_views(versions, current_user.username, "standard setting")
    own = standards.own_judgements(found, current_user, found.round) if judging else {}
    if judging and not own and found.round > 1:
        own = standards.own_judgements(found, current_user, found.round - 1)
    reports = round_reports(found)
    quality = classification_quality(found) if found.decided else None
    return render_template("results/study.html", study=found, versions=versions, judging=judging, own=own,
                           reports=reports, quality=quality)


@bp.route("/standards/<int:study_id>/judgements", methods=["POST"])
@roles_required(Role.SUBJECT_EXPERT)
def judge(study_id: int) -> Response:
    found = _study(study_id)
    try:
        if found.method is StandardMethod.BOOKMARK:
            standards.record_bookmark(found, current_user, _whole(request.form.get("page", ""), "the bookmark"))
        else:
            shares = {version_id: _whole(request.form.get(f"item-{version_id}", ""), f"item version {version_id}")
                      / 100 for version_id in found.item_version_ids}
            standards.record_angoff(found, current_user, shares)
    except ValueError as error:
        _failed(error)
    else:
        flash(f"Your round {found.round} judgements are saved; you can change them until the round closes.",
              "success")
    return redirect(url_for("results.study", study_id=found.id))


def _whole(text: str, what: str) -> int:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise ValueError(f"{what}: give a whole number, not {text[:20]!r}" if text else f"{what}: give a number")
    return int(text)


@bp.route("/standards/<int:study_id>/rounds", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def next_round(study_id: int) -> Response:
    found = _study(study_id)
    try:
        number = standards.next_round(found)
    except ValueError as error:
        _failed(error)
    else:
        flash(f"Round {number} is open: the panel has the spread and impact data of round {number - 1}.", "success")
    return redirect(url_for("results.study", study_id=found.id))


@bp.route("/standards/<int:study_id>/decision", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def decide(study_id: int) -> Response:
    found = _study(study_id)
    try:
        decide_with_evidence(found, current_user, request.form.get("rationale", ""))
    except ValueError as error:
        _failed(error)
    else:
        flash(f"The standard of unit {found.unit_reference} is decided and in force.", "success")
    return redirect(url_for("results.study", study_id=found.id))


# The awarding body's results ----------------------------------------------------------------------

@bp.route("/results")
@roles_required(Role.AWARDING_BODY_ADMIN)
def overview() -> str:
    unit = request.args.get("unit") or None
    lines = [line for line in result_lines(unit=unit) if line.release is None]
    units = standards.units_with_live_items()
    in_force = {u: standards.standard_in_force(u) for u in units}
    quality = {u: classification_quality(s) for u, s in in_force.items() if s is not None}
    reviewed = select(IncidentReview.incident_id)
    incidents = db.session.scalars(select(Incident).join(TestSession).where(
        TestSession.rehearsal.is_(False), Incident.id.not_in(reviewed)).order_by(Incident.occurred_at)).all()
    requests = db.session.scalars(select(SpecialConsideration).where(
        SpecialConsideration.state == ConsiderationState.REQUESTED).order_by(SpecialConsideration.id)).all()
    return render_template("results/overview.html", lines=lines, units=units, in_force=in_force, quality=quality,
                           incidents=incidents, requests=requests, findings=list(IncidentFinding),
                           most_marks=decisions.most_marks, unit=unit)


@bp.route("/results/release", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def release() -> Response:
    ids = [int(n) for n in request.form.getlist("attempt") if n.isascii() and n.isdigit() and len(n) < 10]
    attempts = db.session.scalars(select(Attempt).where(Attempt.id.in_(ids))).all()
    if not attempts:
        flash("Not done: choose the results to release.", "error")
    else:
        try:
            released = decisions.release(attempts, current_user)
        except ValueError as error:
            _failed(error)
        else:
            flash(f"{len(released)} result(s) released to their centres and learners.", "success")
    return redirect(url_for("results.overview"))


@bp.route("/results/incidents/<int:incident_id>/review", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def review_incident(incident_id: int) -> Response:
    incident = db.get_or_404(Incident, incident_id)
    try:
        decisions.review_incident(incident, current_user, IncidentFinding(request.form.get("finding", "")),
                                  request.form.get("note", ""))
    except ValueError as error:
        _failed(error)
    else:
        flash(f"Incident {incident.id} reviewed.", "success")
    return redirect(url_for("results.overview"))


@bp.route("/results/considerations/<int:request_id>/decision", methods=["POST"])
@roles_required(Role.AWARDING_BODY_ADMIN)
def decide_consideration(request_id: int) -> Response:
    found = db.get_or_404(SpecialConsideration, request_id)
    try:
        granted = request.form.get("decision") == "grant"
        marks = _whole(request.form.get("marks", "0") or "0", "marks added") if granted else 0
        decisions.decide_consideration(found, current_user, granted, marks, request.form.get("note", ""))
    except ValueError as error:
        _failed(error)
    else:
        flash(f"Special consideration request {found.id} {found.state.value}.", "success")
    return redirect(url_for("results.overview"))


def _attempt_for_staff(attempt_id: int) -> Attempt:
    """An ended live attempt the awarding body, or the candidate's own centre administrator, may see."""
    attempt = db.get_or_404(Attempt, attempt_id)
    session = attempt.sitting.session
    if attempt.is_open or session.rehearsal:
        abort(404)
    if current_user.role is Role.CENTRE_ADMIN and session.centre_id not in centre_ids_of(current_user):
        abort(403)
    return attempt


@bp.route("/results/attempts/<int:attempt_id>")
@roles_required(Role.AWARDING_BODY_ADMIN, Role.CENTRE_ADMIN)
def review(attempt_id: int) -> str:
    """A review of marking or an appeal: how each item was chosen and scored, and the replay check."""
    attempt = _attempt_for_staff(attempt_id)
    return render_template("results/review.html", attempt=attempt, line=result_line(attempt),
                           items=list(zip(attempt.items, marks_of(attempt.items))),
                           replay=replay_attempt(attempt.id),
                           show_keys=current_user.role is Role.AWARDING_BODY_ADMIN)


@bp.route("/results/attempts/<int:attempt_id>/qti-result")
@roles_required(Role.AWARDING_BODY_ADMIN)
def qti_result(attempt_id: int) -> Response:
    """The released result as a QTI results report (`?version=2.2` or `3.0`); for the awarding body only,
    as a correct response's marks show the item's key."""
    attempt = _attempt_for_staff(attempt_id)
    qti = VERSIONS.get(request.args.get("version", "2.2"))
    if qti is None:
        abort(400, f"Choose QTI version {' or '.join(sorted(VERSIONS))}.")
    try:
        document = results_report(attempt, qti)
    except ReportRefused as refusal:
        abort(409, f"No report: {refusal}.")
    return Response(document, mimetype="application/xml", headers=attachment(report_name(attempt, qti)))


# Centres and learners ---------------------------------------------------------------------------

def _centre_lines() -> list[ResultLine]:
    return [line for centre_id in sorted(centre_ids_of(current_user)) for line in result_lines(centre_id=centre_id)]


@bp.route("/centre/results")
@roles_required(Role.CENTRE_ADMIN)
def centre_results() -> str:
    lines = _centre_lines()
    attempts = {a.id: a for a in db.session.scalars(select(Attempt).where(
        Attempt.id.in_([line.outcome.attempt for line in lines])))}
    incidents = {n: incidents_touching(a.sitting) for n, a in attempts.items()}
    candidates = db.session.scalars(select(Candidate).where(Candidate.centre_id.in_(centre_ids_of(current_user)))
                                    .order_by(Candidate.candidate_number)).all()
    return render_template("results/centre.html", lines=lines, incidents=incidents, centres=centres_of(current_user),
                           candidates=candidates)


@bp.route("/centre/results.csv")
@roles_required(Role.CENTRE_ADMIN)
def centre_results_csv() -> Response:
    return Response(results_csv(_centre_lines()), mimetype="text/csv", headers=attachment("results.csv"))


@bp.route("/centre/results.json")
@roles_required(Role.CENTRE_ADMIN)
def centre_results_json() -> Response:
    response = jsonify(results=results_json(_centre_lines()))
    response.headers.update(attachment("results.json"))
    return response


@bp.route("/centre/results/<int:attempt_id>/consideration", methods=["POST"])
@roles_required(Role.CENTRE_ADMIN)
def request_consideration(attempt_id: int) -> Response:
    attempt = _attempt_for_staff(attempt_id)
    try:
        incident = db.session.get(Incident, _whole(request.form.get("incident", ""), "the incident"))
        if incident is None:
            raise ValueError("choose the incident that affected the candidate")
        decisions.request_consideration(attempt, incident, current_user, request.form.get("reason", ""))
    except ValueError as error:
        _failed(error)
    else:
        flash("Special consideration requested; the result is held until the awarding body decides.", "success")
    return redirect(url_for("results.centre_results"))


def _own_candidate(candidate_id: int) -> Candidate:
    candidate = db.get_or_404(Candidate, candidate_id)
    if candidate.centre_id not in centre_ids_of(current_user):
        abort(403)
    return candidate


@bp.route("/centre/candidates/<int:candidate_id>/achievement")
@roles_required(Role.CENTRE_ADMIN)
def achievement(candidate_id: int) -> str:
    candidate = _own_candidate(candidate_id)
    units = achieved_units([candidate])
    return render_template("results/achievement.html", candidate=candidate, units=units,
                           checks=qualification_checks([u.unit for u in units]))


@bp.route("/centre/candidates/<int:candidate_id>/portfolio-units", methods=["POST"])
@roles_required(Role.CENTRE_ADMIN)
def record_portfolio_unit(candidate_id: int) -> Response:
    candidate = _own_candidate(candidate_id)
    try:
        record = achievement_services.record_portfolio_unit(candidate, request.form.get("unit", ""), current_user,
                                                            request.form.get("evidence", ""))
    except ValueError as error:
        _failed(error)
    else:
        flash(f"Unit {record.unit_reference} recorded as achieved by portfolio.", "success")
    return redirect(url_for("results.achievement", candidate_id=candidate.id))


@bp.route("/learner/results")
@roles_required(Role.LEARNER)
def my_results() -> str:
    released = [line for line in map(result_line, ended_attempts(learner_id=current_user.id))
                if line.release is not None]
    candidates = db.session.scalars(select(Candidate).where(Candidate.user_id == current_user.id)).all()
    units = achieved_units(candidates)
    return render_template("results/learner.html", lines=released, units=units,
                           checks=qualification_checks([u.unit for u in units]))
