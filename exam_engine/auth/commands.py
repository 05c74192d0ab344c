"""`exam-engine create-user`."""

import click
from flask.cli import with_appcontext

from exam_engine.auth.roles import Role
from exam_engine.auth.services import AccountError, create_user
from exam_engine.core.transactions import transactional


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", default="", help="Name shown on pages.")
@click.password_option(help="Prompted for when not given.")
@with_appcontext
@transactional
def create_user_command(username: str, role: str, display_name: str, password: str) -> None:
    """Create an account."""
    try:
        user = create_user(username, display_name, Role(role), password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.role.label.lower()} {user.username!r}.")
