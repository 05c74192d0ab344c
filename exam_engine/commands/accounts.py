"""`exam-engine create-user` and `exam-engine load-demo`."""

import click
from flask.cli import with_appcontext

from exam_engine.auth.roles import Role
from exam_engine.auth.services import AccountError, create_user
from exam_engine.delivery.demo import sitting_instructions
from exam_engine.demo import load_demo


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", default="", help="Name shown on pages.")
@click.password_option(help="Prompted for when not given.")
@with_appcontext
def create_user_command(username: str, role: str, display_name: str, password: str) -> None:
    """Create an account."""
    try:
        user = create_user(username, display_name, Role(role), password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.role.label.lower()} {user.username!r}.")


@click.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Load the demo data and print how to sign in (demo accounts only; never in live use)."""
    report = load_demo(progress=click.echo)
    click.echo("")
    click.echo("DEMO ACCOUNTS (for trying the product; not for live use):")
    for account in report.accounts:
        click.echo(f"  {account.role.label:<28} username {account.username:<20} password {account.password}")
    instructions = sitting_instructions()
    if instructions:
        click.echo("")
        for line in instructions:
            click.echo(line)
