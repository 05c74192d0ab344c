"""`exam-engine calibrate-bank`, `export-item-files` and `item-statistics`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from item_bank.workbench.evidence import statistics_csv
from item_bank.workbench.item_files import write_unit_files
from item_bank.workbench.pretest import PRETEST_RESPONSES, calibrate_unit


@click.command("calibrate-bank")
@click.option("--unit", "unit_reference", required=True, help="Unit reference, e.g. Y/506/2152.")
@click.option("--min-responses", default=PRETEST_RESPONSES, show_default=True,
              help="Responses a pretest item needs before it is calibrated.")
@with_appcontext
def calibrate_bank_command(unit_reference: str, min_responses: int) -> None:
    """Calibrate the unit's pretest items onto the live scale from stored responses and propose them."""
    outcome = calibrate_unit(unit_reference, min_responses, progress=click.echo)
    for code, count in outcome.waiting:
        click.echo(f"Waiting: {code} has {count} of {min_responses} responses.")
    click.echo(f"{len(outcome.proposed)} item version(s) proposed for promotion.")


@click.command("export-item-files")
@click.option("--unit", "unit_reference", required=True, help="Unit reference, e.g. Y/506/2152.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write <unit slug>/AC*.yaml and scenarios.yaml into.")
@with_appcontext
def export_item_files_command(unit_reference: str, out: Path) -> None:
    """Write the unit's items (newest versions, web edits included) as reviewable YAML files."""
    try:
        written = write_unit_files(unit_reference, out)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    for path in written:
        click.echo(f"Wrote {path}")


@click.command("item-statistics")
@click.option("--unit", "unit_reference", required=True, help="Unit reference, e.g. Y/506/2152.")
@with_appcontext
def item_statistics_command(unit_reference: str) -> None:
    """Print the statistics of every item version of a unit, from stored responses, as CSV."""
    click.echo(statistics_csv(unit_reference), nl=False)
