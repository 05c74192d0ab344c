"""`exam-engine load-items`, `exam-engine bank-check` and `exam-engine export-items`."""

import json
from collections import defaultdict
from pathlib import Path

import click
from flask.cli import with_appcontext

from exam_engine.core.commands import operator
from exam_engine.core.transactions import transactional, unit_of_work
from item_bank.items.checks import Finding, items_testing
from item_bank.items.files import ItemFileError
from item_bank.items.services import BANK_FOLDER, bank_check, export_unit, load_bank, record_unit_views


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


@click.command("bank-check")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--unit", "units", multiple=True, help="Only this unit (repeatable), e.g. Y/506/2152.")
@click.option("--verbose", is_flag=True, help="List every finding, not only the counts and the first few.")
@with_appcontext
def bank_check_command(folder: Path | None, units: tuple[str, ...], verbose: bool) -> None:
    """Check the item files as an assessment editor would: cueing reviews and wording cues, depth per
    criterion and amplification point, two raters' difficulty, chance scores, near duplicates, and the
    legislation register."""
    try:
        check = bank_check(folder or BANK_FOLDER, units)
    except ItemFileError as error:
        raise click.ClickException(str(error)) from error
    by_kind: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    for finding in check.findings:
        by_kind[finding.kind, finding.unit].append(finding)
    for (kind, unit), findings in by_kind.items():
        click.echo(f"{unit or 'Legislation register'}: {len(findings)} {kind} finding(s)")
        for finding in findings if verbose else findings[:5]:
            click.echo(f"  {finding.subject}: {finding.message}")
        if not verbose and len(findings) > 5:
            click.echo(f"  ... and {len(findings) - 5} more (--verbose lists them)")
    click.echo("Legislation register:")
    for law in check.files.laws:
        tested = items_testing(law, check.files.items)
        click.echo(f"  {law.id}: {law.title}; in force: {law.current}"
                   + (f"; replaced: {law.replaced}" if law.replaced else "")
                   + f"; {len(tested)} item(s); review by {law.review_by:%d %B %Y}")
    click.echo(f"{len(check.findings)} finding(s)." if check.findings else "No findings.")


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
