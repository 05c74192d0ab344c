"""``exam-engine blueprint-check``: validate blueprints and prove the bank can meet them."""

from __future__ import annotations

import json
from pathlib import Path

import click

from blueprints.files import BlueprintError, load_all
from blueprints.resolve import find_blueprint, find_pools
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.feasibility import FeasibilityReport, feasibility

INPUT = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("blueprint-check")
@click.argument("names", nargs=-1)
@click.option("--bank", type=INPUT, help="BANK.csv to check against; default: the unit's live bank.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
def blueprint_check_command(names: tuple[str, ...], bank: Path | None, as_json: bool) -> None:
    """Validate blueprints (files or unit references; default all) and check each against the bank.

    Exits with an error if any blueprint is invalid or no test meets it.
    """
    if not names:
        try:
            names = tuple(load_all())
        except BlueprintError as error:
            raise click.ClickException(str(error)) from None
    reports = []
    for name in names:
        blueprint = find_blueprint(name)
        pool, pretest = find_pools(blueprint, bank)
        reports.append(feasibility(Engine(blueprint, pool, pretest)))
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], indent=2))
    else:
        for report in reports:
            _print(report)
    failed = [r.unit for r in reports if not r.feasible]
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
