"""`exam-engine import-qti` and `exam-engine export-qti`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from exam_engine.core.commands import operator
from exam_engine.core.transactions import unit_of_work
from item_bank.items.services import record_unit_views
from item_bank.qti.safety import UnsafePackage, read_source
from item_bank.qti.services import export_package, import_package, summary
from item_bank.qti.versions import VERSIONS

COMMAND_LINE_WRITER = "qti import"  # recorded as writer when a package names none


@click.command("import-qti")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--unit", "unit_reference", help="Unit for items whose metadata names none, e.g. Y/506/2152.")
@click.option("--dry-run", is_flag=True, help="Check and report, write nothing.")
@with_appcontext
def import_qti_command(path: Path, unit_reference: str | None, dry_run: bool) -> None:
    """Import a QTI 2.2/3.0 package (.zip), folder or single item .xml; all or nothing."""
    try:
        package = read_source(path)
        click.echo(f"Reading {len(package.files)} file(s) from {package.name} ...")
        with unit_of_work(keep=not dry_run):
            report = import_package(package, unit_reference, COMMAND_LINE_WRITER)
    except UnsafePackage as error:  # the unit of work has rolled back whatever the import began
        raise click.ClickException(f"refused: {error}; nothing was written") from error
    for item_id, outcome in report.accepted:
        click.echo(f"  accepted {item_id}: {outcome}")
    for resource in report.skipped:
        click.echo(f"  skipped {resource}: not an item")
    for rejection in report.rejected:
        click.echo(f"  REJECTED {rejection}")
    if report.rejected:
        raise click.ClickException(summary(report))
    click.echo(summary(report, dry_run))


@click.command("export-qti")
@click.option("--unit", "unit_reference", required=True, help="Unit reference, e.g. Y/506/2152.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.zip")
@click.option("--version", "qti_version", type=click.Choice(sorted(VERSIONS)), default="2.2", show_default=True)
@with_appcontext
def export_qti_command(unit_reference: str, out: Path, qti_version: str) -> None:
    """Write a unit's items (single best answer, multiple response, ordering) as a QTI content package."""
    result = export_package(unit_reference, VERSIONS[qti_version])
    if not result.exported:
        raise click.ClickException(f"no exportable items for unit {unit_reference!r}; is it loaded?")
    out.write_bytes(result.data)
    with unit_of_work():
        record_unit_views(unit_reference, operator(), "QTI export")
    click.echo(f"Wrote {len(result.exported)} item(s) of {unit_reference} as QTI {qti_version} to {out}.")
