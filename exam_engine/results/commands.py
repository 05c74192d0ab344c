"""`exam-engine standards`: each unit's standard in force, the evidence behind it, and how sure its
pass/fail decisions are."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from exam_engine.delivery.services.grading import grade
from exam_engine.results.services.panel import evidence_attempts, round_reports
from exam_engine.results.services.quality import classification_quality
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
