"""`exam-engine backup`, `restore` and `purge-expired`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from exam_engine.operations.backup import BackupError, restore_backup, write_backup


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
