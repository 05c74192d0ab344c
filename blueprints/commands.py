"""``exam-engine blueprint-check`` (validate blueprints, prove the bank can meet them) and
``blueprint-defaults`` (write default blueprints for knowledge units from the taxonomy)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from blueprints.defaults import default_blueprint
from blueprints.files import BLUEPRINT_FOLDER, BlueprintError, consistency_problems, dump, load_all
from blueprints.resolve import find_blueprint, find_pools
from blueprints.taxonomy import knowledge_units
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.feasibility import FeasibilityReport, feasibility

INPUT = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("blueprint-check")
@click.argument("names", nargs=-1)
@click.option("--bank", type=INPUT, help="BANK.csv to check against; default: the unit's live bank.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@with_appcontext
def blueprint_check_command(names: tuple[str, ...], bank: Path | None, as_json: bool) -> None:
    """Validate blueprints (files or unit references; default all) and check each against the bank.

    Exits with an error if any blueprint is invalid or no test meets it.
    """
    if not names:
        try:
            names = tuple(load_all())
        except BlueprintError as error:
            raise click.ClickException(str(error)) from None
    reports, failed = [], []
    for name in names:
        blueprint = find_blueprint(name)
        try:
            pool, pretest = find_pools(blueprint, bank)
        except click.ClickException as error:
            click.echo(f"Unit {blueprint.unit}: {error.message}")
            failed.append(blueprint.unit)
            continue
        reports.append(feasibility(Engine(blueprint, pool, pretest)))
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], indent=2))
    else:
        for report in reports:
            _print(report)
    failed += [r.unit for r in reports if not r.feasible]
    if failed:
        raise click.ClickException(f"no test meets the blueprint of {', '.join(failed)}")


def _print(report: FeasibilityReport) -> None:
    click.echo(f"Unit {report.unit}: {'a test exists' if report.feasible else 'NO TEST MEETS THE RULES'}")
    for reason in report.reasons:
        click.echo(f"  why: {reason}")
    for gap in report.missing:
        click.echo(f"  missing: {gap}")
    click.echo("  LO   marks needed  items  marks available  slack  exposure margin")
    for lo in report.outcomes:
        click.echo(f"  LO{lo.number:<3}{lo.min_marks:>5}-{lo.max_marks:<8}{lo.available_items:>6}"
                   f"{lo.available_marks:>17}{lo.slack:>7}{lo.exposure_margin:>17.2f}")
    thin = [f"AC{c.number} ({c.available_items})" for c in report.criteria if c.available_items <= c.max_items]
    click.echo(f"  criteria with no more items than one test may use: {', '.join(thin) or 'none'}")
    if report.unusable_items:
        click.echo(f"  items the blueprint cannot use: {len(report.unusable_items)} "
                   f"(first: {report.unusable_items[0]})")
    if report.feasible:
        verdict = "supports" if report.supports_exposure_target else "does NOT support"
        click.echo(f"  item-disjoint tests: {report.disjoint_tests} (exposure target needs {report.tests_needed}: "
                   f"the bank {verdict} it)")
        click.echo(f"  pass mark: {report.pass_marks} marks on the reference form of {len(report.reference_form)} items")


@click.command("blueprint-defaults")
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path), default=BLUEPRINT_FOLDER,
              show_default=True, help="Folder to write the blueprint files to.")
@with_appcontext
def blueprint_defaults_command(folder: Path) -> None:
    """Write a default blueprint for every knowledge unit in the taxonomy that has none (for review)."""
    existing = set(load_all(folder)) if folder.is_dir() else set()
    units = knowledge_units()
    if not units:
        raise click.ClickException("the taxonomy holds no knowledge units; import specifications first "
                                   "(exam-engine import-spec)")
    folder.mkdir(parents=True, exist_ok=True)
    for unit in units:
        if unit.reference in existing:
            click.echo(f"{unit.reference}: has a blueprint, left as it is")
            continue
        blueprint = default_blueprint(unit.reference, unit.title, unit.outcomes, unit.minutes, unit.marks)
        problems = consistency_problems(blueprint)
        if problems:
            click.echo(f"{unit.reference}: no default ({'; '.join(problems)})")
            continue
        path = folder / f"default-{unit.reference.replace('/', '-')}.yaml"
        path.write_text(f"# Default blueprint generated from the taxonomy for {unit.reference}; review before use.\n"
                        + dump(blueprint), encoding="utf-8")
        click.echo(f"{unit.reference}: wrote {path.name} ({blueprint.total_marks} marks, {blueprint.minutes} minutes)")
