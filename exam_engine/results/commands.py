"""`exam-engine standards`: each unit's standard in force, the evidence behind it, and how sure its
pass/fail decisions are. `exam-engine export-qti-results`: released results as QTI results reports."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from exam_engine.core.commands import reported
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.services.grading import grade
from exam_engine.results.services.outcomes import ended_attempts
from exam_engine.results.services.panel import evidence_attempts, round_reports
from exam_engine.results.services.qti_results import ReportRefused, report_name, results_report
from exam_engine.results.services.quality import classification_quality
from invigilation.models.sessions import TestSession
from item_bank.qti.versions import VERSIONS
from item_bank.standards.services import standard_in_force, units_with_live_items


@click.command("standards")
@click.option("--unit", "units", multiple=True, help="A unit reference (repeatable); by default every unit.")
@with_appcontext
def standards_command(units: tuple[str, ...]) -> None:
    """Print each unit's standard in force: the decision, every round's spread and impact, the pass
    marks of the forms candidates sat, and the classification accuracy and consistency."""
    for unit in units or units_with_live_items():
        study = standard_in_force(unit)
        if study is None:
            click.echo(f"unit {unit}: no standard in force; results are held")
            continue
        assert study.decided_at is not None and study.decided_by is not None and study.raw_cut is not None
        click.echo(f"unit {unit}: study {study.id} ({study.method.label}), decided {study.decided_at:%d %B %Y} by "
                   f"{study.decided_by.display_name}: {study.raw_cut:.1f} marks on the reference form of "
                   f"{len(study.item_version_ids)} items"
                   + (f", ability cut {study.theta_cut:.2f}" if study.theta_cut is not None else ""))
        for report in round_reports(study):
            summary = report.summary
            click.echo(f"  round {summary.round}: {len(summary.panellists)} panellists, cut {summary.raw_cut:.1f} "
                       f"of {summary.available} marks ({summary.share:.0%}), SD {summary.panel_sd:.1f}, standard "
                       f"error {summary.standard_error:.1f}; impact: {report.impact.describe()}")
        attempts, simulated = evidence_attempts(unit)
        graded = [(g.pass_mark, a.score["available_marks"]) for a in attempts if a.score
                  for g in [grade(a, study)] if g.pass_mark is not None]
        if graded:
            marks = sorted(graded)
            click.echo(f"  pass marks of the forms {len(marks)} {'simulated ' if simulated else ''}candidates sat: "
                       f"{marks[0][0]} to {marks[-1][0]} (median {marks[len(marks) // 2][0]}), of "
                       f"{min(a for _, a in graded)} to {max(a for _, a in graded)} marks")
        quality = classification_quality(study)
        if quality.accuracy is None:
            click.echo(f"  classification quality: not yet known ({quality.note})")
        else:
            assert quality.consistency is not None
            click.echo(f"  classification quality: accuracy {quality.accuracy:.3f}, consistency "
                       f"{quality.consistency:.3f} ({quality.method}, {quality.candidates} "
                       f"{'simulated ' if quality.simulated else ''}candidates)")


@click.command("export-qti-results")
@click.option("--attempt", "attempt_id", type=int, help="One attempt's id: its report is written to --out FILE.")
@click.option("--session", "session_id", type=int,
              help="A test session's id: a report per released result is written into the folder --out.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="FILE.xml (--attempt) or FOLDER (--session).")
@click.option("--version", "qti_version", type=click.Choice(sorted(VERSIONS)), default="2.2", show_default=True)
@with_appcontext
def export_qti_results_command(attempt_id: int | None, session_id: int | None, out: Path, qti_version: str) -> None:
    """Write released results as QTI results reports (assessmentResult): one attempt's, or every released
    result of a test session (held and unreleased results are listed and skipped)."""
    if (attempt_id is None) == (session_id is None):
        raise click.UsageError("give --attempt or --session (one of them)")
    qti = VERSIONS[qti_version]
    if attempt_id is not None:
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is None:
            raise click.ClickException(f"there is no attempt {attempt_id}")
        with reported(ReportRefused, OSError):
            out.write_bytes(results_report(attempt, qti))
        click.echo(f"Wrote the result of attempt {attempt_id} as QTI {qti.label} to {out}.")
        return
    if db.session.get(TestSession, session_id) is None:
        raise click.ClickException(f"there is no test session {session_id}")
    attempts = ended_attempts(session_id=session_id)
    if not attempts:
        raise click.ClickException(f"test session {session_id} has no ended attempts with results (rehearsals "
                                   "have none)")
    skipped = 0
    for n, attempt in enumerate(attempts, start=1):
        try:
            document = results_report(attempt, qti)
        except ReportRefused as refusal:
            skipped += 1
            click.echo(f"[{n}/{len(attempts)}] skipped {refusal}", err=True)
            continue
        path = out / report_name(attempt, qti)
        with reported(OSError):
            out.mkdir(parents=True, exist_ok=True)
            path.write_bytes(document)
        click.echo(f"[{n}/{len(attempts)}] attempt {attempt.id}: {path}")
    written = len(attempts) - skipped
    if not written:
        raise click.ClickException(f"none of the {len(attempts)} result(s) of test session {session_id} is "
                                   "released: nothing was written")
    click.echo(f"Wrote {written} report(s) of test session {session_id} as QTI {qti.label} to {out}"
               + (f"; {skipped} result(s) not released were skipped." if skipped else "."))
