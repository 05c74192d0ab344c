"""`exam-engine import-spec`, `exam-engine export-taxonomy` and `exam-engine qualification check`."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from item_bank.taxonomy.models import Qualification
from item_bank.taxonomy.services import (
    ImportResult,
    QualificationCheckError,
    check_qualification,
    current_versions,
    import_specification,
    version_as_parsed,
)
from item_bank.taxonomy.specification import NotASpecificationError, parse_specification
from item_bank.taxonomy.specification.corrections import CorrectionsError
from item_bank.taxonomy.specification.export import unit_dict
from item_bank.taxonomy.specification.report import format_report


def _documents(paths: tuple[Path, ...]) -> list[Path]:
    """The files named, with a directory standing for every `.txt` document in it."""
    documents: list[Path] = []
    for path in paths:
        documents += sorted(path.glob("*.txt")) if path.is_dir() else [path]
    return documents


def _summary(result: ImportResult, dry_run: bool, verbose: bool) -> list[str]:
    counts = {status: sum(1 for unit in result.units if unit.status == status)
              for status in ("created", "new version", "unchanged")}
    verb = "would be" if dry_run else "were"
    lines = [f"  qualification {result.specification.qualification.number}: {result.qualification_status}",
             f"  units: {counts['created']} created, {counts['new version']} new versions, "
             f"{counts['unchanged']} unchanged ({verb} stored)" if result.changed else "  nothing changed"]
    lines += [f"  new version of {unit.reference} (v{unit.version}): {'; '.join(unit.reasons)}"
              for unit in result.units if unit.status == "new version"]
    lines += [f"  withdrawn (no longer in the document, kept as superseded): {reference}"
              for reference in result.withdrawn]
    if verbose:
        lines += [f"  stated differently elsewhere: {difference}" for difference in result.differences]
        lines += [f"  same title, another code (not merged): {recoded}" for recoded in result.recoded]
    elif result.differences or result.recoded:
        lines.append(f"  units another document states differently: {len(result.differences)}; "
                     f"titles another document gives another code: {len(result.recoded)}")
    return lines


@click.command("import-spec")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Parse and report, but store nothing.")
@click.option("--verbose", "-v", is_flag=True,
              help="List every parser warning and correction and every difference between documents.")
@with_appcontext
def import_spec_command(paths: tuple[Path, ...], dry_run: bool, verbose: bool) -> None:
    """Import qualification specifications (files, or directories of .txt documents)."""
    noted = 0
    with unit_of_work(keep=not dry_run):
        for path in _documents(paths):
            try:
                specification = parse_specification(path)
            except (NotASpecificationError, CorrectionsError) as error:
                raise click.ClickException(f"{error}; nothing was imported") from error
            click.echo(format_report(specification, verbose=verbose))
            noted += len(specification.warnings) + len(specification.corrections)
            result = import_specification(specification)
            for line in _summary(result, dry_run, verbose):
                click.echo(line)
    if noted and not verbose:
        click.echo(f"{noted} parser warnings and corrections, each with its document line, and the units other "
                   "documents state differently: run with --verbose to list them.")


@click.command("export-taxonomy")
@click.option("--qualification", "number", required=True, help="Qualification number (or its stand-in).")
@click.option("--format", "output_format", type=click.Choice(["json"]), default="json", show_default=True)
@with_appcontext
def export_taxonomy_command(number: str, output_format: str) -> None:
    """Write a qualification's units, as its document states them, to stdout."""
    qualification = db.session.scalar(select(Qualification).where(Qualification.number == number))
    if qualification is None:
        known = ", ".join(db.session.scalars(select(Qualification.number).order_by(Qualification.number)))
        raise click.ClickException(f"no qualification {number!r} (imported: {known or 'none'})")
    units = []
    for version in current_versions(qualification):
        statement = unit_dict(version_as_parsed(version))
        statement["version"] = version.number
        units.append(statement)
    click.echo(json.dumps({"qualification": {"number": qualification.number, "title": qualification.title,
                                             "awarding_body": qualification.awarding_body},
                           "units": units}, indent=2, ensure_ascii=False))


@click.group("qualification")
def qualification_group() -> None:
    """Qualifications: whether a learner's units meet the rules of combination."""


@qualification_group.command("check")
@click.option("--qualification", "number", required=True, help="Qualification number (or its stand-in).")
@click.option("--units", required=True,
              help="The units the learner has achieved (by onscreen test or by portfolio), comma-separated, "
                   "in any code the qualification's document uses: Y/506/2152, Unit 2, CS1.")
@with_appcontext
def check_command(number: str, units: str) -> None:
    """Print one JSON object: `achieved`, and `missing` (each part naming its group or unit and the
    credits short)."""
    try:
        result = check_qualification(number, units.split(","))
    except QualificationCheckError as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(result.as_json(), ensure_ascii=False))
