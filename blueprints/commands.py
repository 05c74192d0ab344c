"""``exam-engine blueprint-check`` (validate blueprints, prove the bank can meet them),
``blueprint-defaults`` (write default blueprints for knowledge units from the taxonomy) and
``simulate`` (the assembly engine on a blueprint and a bank, with simulated learners)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from blueprints.defaults import default_blueprint
from blueprints.files import BLUEPRINT_FOLDER, consistency_problems, dump, load_all
from blueprints.services import find_blueprint, find_pools, knowledge_units
from exam_engine.assembly.blueprint import Mode
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.feasibility import FeasibilityReport, feasibility
from exam_engine.assembly.simulator import METRICS, simulate
from exam_engine.assembly.solver import Infeasible
from exam_engine.core.commands import reported
from item_bank.items.pools import AdaptiveGate, adaptive_gate

INPUT = click.Path(exists=True, dir_okay=False, path_type=Path)
OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


@click.command("blueprint-check")
@click.argument("names", nargs=-1)
@click.option("--bank", type=INPUT, help="BANK.csv to check against; default: the unit's live bank.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@with_appcontext
def blueprint_check_command(names: tuple[str, ...], bank: Path | None, as_json: bool) -> None:
    """Validate blueprints (files or unit references; default all) and check each against the bank.

    Against the unit's live bank it also says whether the adaptive gate is open (live sessions
    run an adaptive blueprint adaptively only then). Exits with an error if any blueprint is
    invalid or no test meets it.
    """
    if not names:
        with reported(ValueError):
            names = tuple(load_all())
    reports, failed, gates = [], [], {}
    for name in names:
        with reported(LookupError, ValueError):
            blueprint = find_blueprint(name)
        try:
            pool, pretest = find_pools(blueprint, bank)
        except (LookupError, ValueError) as error:
            click.echo(f"Unit {blueprint.unit}: {error}")
            failed.append(blueprint.unit)
            continue
        reports.append(feasibility(Engine(blueprint, pool, pretest)))
        if bank is None:
            gates[blueprint.unit] = adaptive_gate(blueprint.unit)
    if as_json:
        click.echo(json.dumps([{**r.as_dict(), **_gate_fields(gates.get(r.unit))} for r in reports], indent=2))
    else:
        for report in reports:
            _print(report)
            if report.unit in gates:
                click.echo(f"  {gates[report.unit].describe()}")
    failed += [r.unit for r in reports if not r.feasible]
    if failed:
        raise click.ClickException(f"no test meets the blueprint of {', '.join(failed)}")


def _gate_fields(gate: AdaptiveGate | None) -> dict[str, object]:
    if gate is None:
        return {}
    return {"adaptive_gate": {"open": gate.open, "live_items": gate.items,
                              "short": [{"item": code, "why": why} for code, why in gate.short]}}


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
        for reason in report.disjoint_limit:
            click.echo(f"  what stops test {report.disjoint_tests + 1} on the items left: {reason}")
        click.echo(f"  pass mark: {report.pass_marks} marks on the reference form of "
                   f"{len(report.reference_form)} items")


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


@click.command("simulate")
@click.option("--bank", type=INPUT, help="BANK.csv (item,lo,ac,marks,a,b,c[,enemy,type,status]); "
                                         "default: the unit's live bank.")
@click.option("--blueprint", "blueprint_name", required=True, help="Blueprint file or unit reference.")
@click.option("--examinees", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--mode", type=click.Choice([m.value for m in Mode]), help="Default: the blueprint's mode.")
@click.option("--json", "json_out", type=OUTPUT, help="Write the figures to this JSON file.")
@click.option("--records", type=OUTPUT, help="Write every sitting's record to this JSON file (for replay).")
@with_appcontext
def simulate_command(bank: Path | None, blueprint_name: str, examinees: int, seed: int, mode: str | None,
                     json_out: Path | None, records: Path | None) -> None:
    """Simulate sittings of a blueprint and report precision, rule breaches, exposure and speed."""
    with reported(LookupError, ValueError):
        blueprint = find_blueprint(blueprint_name)
        pool, pretest = find_pools(blueprint, bank)
    chosen = Mode(mode) if mode else blueprint.mode
    engine = Engine(blueprint, pool, pretest)
    try:
        with click.progressbar(length=examinees, label=f"{chosen.value} x {examinees}",
                               file=sys.stderr, show_pos=True, show_eta=True) as bar:
            result = simulate(engine, chosen, examinees, seed, progress=bar.update)
    except Infeasible as error:
        raise click.ClickException(f"no test meets blueprint {blueprint.unit}: {error}") from None
    for name in METRICS:
        click.echo(f"{name:24} {result.metrics[name]:.4g}")
    if json_out:
        summary = {"unit": blueprint.unit, "mode": chosen.value, "examinees": examinees, "seed": seed,
                   "bank": str(bank) if bank else "live", **result.metrics, "rmse_by_length": result.rmse_by_length}
        json_out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if records:
        records.write_text(json.dumps([r.as_dict() for r in result.records]) + "\n", encoding="utf-8")
