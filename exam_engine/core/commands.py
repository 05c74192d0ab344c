"""`exam-engine db ...` (schema migrations with Alembic), and what every package's commands share."""

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask.cli import with_appcontext

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def operator() -> str:
    """Who ran a command, as records of who saw or changed what name them."""
    return f"command line ({getpass.getuser()})"


@contextmanager
def reported(*errors: type[Exception]) -> Iterator[None]:
    """Turn the given errors, whose messages are written for people, into a clean CLI error (exit 1)."""
    try:
        yield
    except errors as error:
        raise click.ClickException(str(error)) from None


def alembic_config() -> Config:
    """Alembic configuration pointing at the package's migrations; env.py reads the app."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_to_head() -> None:
    command.upgrade(alembic_config(), "head")


@click.group("db")
def db_group() -> None:
    """Database schema migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Upgrade the database to REVISION (default: the newest)."""
    command.upgrade(alembic_config(), revision)
    click.echo(f"Database upgraded to {revision}.")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    """Downgrade the database to REVISION."""
    command.downgrade(alembic_config(), revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
@click.option("--autogenerate/--empty", default=True, help="Compare the models with the database.")
@with_appcontext
def revision(message: str, autogenerate: bool) -> None:
    """Write a new migration (for developers)."""
    command.revision(alembic_config(), message=message, autogenerate=autogenerate)


@db_group.command("check")
@with_appcontext
def check() -> None:
    """Fail if the models differ from the migrated database."""
    command.check(alembic_config())
    click.echo("The models match the migrations.")


@db_group.command("current")
@with_appcontext
def current() -> None:
    """Show the database's revision."""
    command.current(alembic_config())
