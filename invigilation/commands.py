"""`exam-engine verify-log`."""

import click
from flask.cli import with_appcontext

from exam_engine.core.extensions import db
from invigilation.models.sessions import TestSession
from invigilation.services.event_log import verify_log


@click.command("verify-log")
@click.option("--session", "session_id", type=int, required=True, help="The test session's id.")
@with_appcontext
def verify_log_command(session_id: int) -> None:
    """Prove a session's event log untouched, or name the first broken record (exit status 1)."""
    if db.session.get(TestSession, session_id) is None:
        raise click.ClickException(f"there is no test session {session_id}")
    result = verify_log(session_id)
    click.echo(result.describe(session_id))
    if not result.ok:
        raise SystemExit(1)
