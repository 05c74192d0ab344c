"""`exam-engine export-item-files`: a unit's items, web edits included, as reviewable files."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from exam_engine.core.commands import operator, reported
from exam_engine.core.transactions import unit_of_work
from item_bank.items.services import record_unit_views
from item_bank.workbench.services.item_files import write_unit_files


@click.command("export-item-files")
@click.option("--unit", "unit_reference", required=True, help="Unit reference, e.g. Y/506/2152.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write <unit slug>/AC*.yaml and scenarios.yaml into.")
@with_appcontext
def export_item_files_command(unit_reference: str, out: Path) -> None:
    """Write the unit's items (newest versions, web edits included) as reviewable YAML files."""
    with reported(LookupError):
        written = write_unit_files(unit_reference, out)
    with unit_of_work():
        record_unit_views(unit_reference, operator(), "item files export")
    for path in written:
        click.echo(f"Wrote {path}")
