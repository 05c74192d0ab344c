"""`exam-engine backup`, `restore`, `purge-expired` and `hold open|close`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from exam_engine.core.transactions import transactional
from exam_engine.operations.models import HoldReason
from exam_engine.operations.services.backup import BackupError, restore_backup, write_backup
from exam_engine.operations.services.holds import HoldError, close_hold, open_hold
from exam_engine.operations.services.retention import purge_expired


def _progress(table: str, rows: int) -> None:
    click.echo(f"  {table}: {rows} rows", err=True)


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (gzip JSON lines); refused if it exists.")
@with_appcontext
def backup_command(out: Path) -> None:
    """Back up the whole database from one consistent snapshot (safe while serving)."""
    if out.exists():
        raise click.ClickException(f"{out} already exists; choose a new file name")
    partial = out.with_name(out.name + ".partial")
    try:
        summary = write_backup(partial, _progress)
    except BackupError as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(str(error)) from error
    partial.rename(out)
    click.echo(f"Backed up {summary.total} rows of {len(summary.rows)} tables at migration "
               f"{summary.revision} to {out}.")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Restore a backup into an empty database, all or nothing; event logs still verify."""
    try:
        summary = restore_backup(file, _progress)
    except BackupError as error:
        raise click.ClickException(f"{error}; nothing was restored") from error
    click.echo(f"Restored {summary.total} rows of {len(summary.rows)} tables from {file}. "
               f"Check any session with `exam-engine verify-log --session ID`.")


@click.command("purge-expired")
@click.option("--dry-run", is_flag=True, help="List what would be erased; change nothing.")
@with_appcontext
@transactional
def purge_expired_command(dry_run: bool) -> None:
    """Erase candidates' personal data past its retention; records under a hold are kept."""
    report = purge_expired(dry_run=dry_run)
    verb = "Would erase" if dry_run else "Erased"
    click.echo(f"{verb} the personal data of {len(report.erased)} candidate(s): {', '.join(report.erased) or 'none'}.")
    if report.held:
        click.echo(f"Kept because of an open review, appeal or malpractice case: {', '.join(report.held)}.")
    if report.sessions_past_retention:
        click.echo(f"Sessions past the records retention period, to archive (none deleted): "
                   f"{', '.join(map(str, report.sessions_past_retention))}.")


@click.group("hold")
def hold_group() -> None:
    """Keep a candidate's records and personal data while a review, appeal or malpractice case is open."""


@hold_group.command("open")
@click.option("--centre", "centre", required=True, help="Centre number.")
@click.option("--candidate", "candidate", required=True, help="Candidate number at that centre.")
@click.option("--reason", type=click.Choice([r.value for r in HoldReason]), required=True)
@click.option("--reference", required=True, help="The case reference.")
@click.option("--by", "by", default="awarding-body", show_default=True, help="Who opens it.")
@with_appcontext
@transactional
def open_hold_command(centre: str, candidate: str, reason: str, reference: str, by: str) -> None:
    try:
        open_hold(centre, candidate, HoldReason(reason), reference, by)
    except HoldError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Hold {reference} ({reason}) opened on candidate {candidate} at centre {centre}.")


@hold_group.command("close")
@click.option("--reference", required=True, help="The case reference.")
@with_appcontext
@transactional
def close_hold_command(reference: str) -> None:
    try:
        closed = close_hold(reference)
    except HoldError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Closed {closed} hold(s) with reference {reference}.")
