"""`exam-engine load-items` and `exam-engine export-items`."""

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from exam_engine.core.commands import operator
from exam_engine.core.transactions import transactional, unit_of_work
from item_bank.items.files import ItemFileError
from item_bank.items.services import BANK_FOLDER, export_unit, load_bank, record_unit_views


@click.command("load-items")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
@transactional
def load_items_command(folder: Path | None) -> None:
    """Load the item files (default: the bank kept in the repository) in one transaction."""
    try:
        report = load_bank(folder or BANK_FOLDER)
    except ItemFileError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Items: {report.created} new, {report.new_versions} new versions, "
        f"{report.updated} updated, {report.unchanged} unchanged; {report.scenarios} scenarios."
    )
    for unit, count in sorted(report.per_unit.items()):
        click.echo(f"  {unit}: {count} items")


@click.command("export-items")
@click.option("--unit", "unit_reference", required=True, help="Unit reference, e.g. Y/506/2152.")
@click.option("--format", "output_format", type=click.Choice(["json"]), default="json", show_default=True)
@with_appcontext
def export_items_command(unit_reference: str, output_format: str) -> None:
    """Write a unit's items (latest versions) to standard output."""
    items = export_unit(unit_reference)
    if not items:
        raise click.ClickException(f"no items for unit {unit_reference!r}; is it loaded?")
    with unit_of_work():
        record_unit_views(unit_reference, operator(), "JSON export")
    click.echo(json.dumps(items, indent=2, ensure_ascii=False))
