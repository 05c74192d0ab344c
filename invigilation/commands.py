"""`exam-engine verify-log` and `exam-engine rehearse`."""

import click
from flask.cli import with_appcontext

from exam_engine.extensions import db
from invigilation.event_log import verify_log
from invigilation.rehearsal import rehearse
from invigilation.session_models import TestSession


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


@click.command("rehearse")
@click.option("--unit", "unit_reference", required=True, help="Unit reference, e.g. Y/506/2152.")
@click.option("--candidates", type=click.IntRange(1, 200), required=True, help="Simulated candidates.")
@click.option("--seed", type=int, default=None, help="Makes the simulated choices repeatable.")
@click.option("--minutes", type=click.IntRange(1, 600), default=None,
              help="Test length, when no record of the unit holds it.")
@with_appcontext
def rehearse_command(unit_reference: str, candidates: int, seed: int | None, minutes: int | None) -> None:
    """Run a whole invigilated session with simulated candidates and print a summary."""
    try:
        summary = rehearse(unit_reference, candidates, seed, minutes, progress=click.echo)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    session = summary.session
    click.echo("")
    click.echo(f"Session id: {session.id}")
    click.echo("Outcomes: " + ", ".join(f"{count} {state}" for state, count in sorted(summary.outcomes.items())))
    click.echo(f"Pauses: {summary.pauses}; incidents: {summary.incidents}; log records: {session.log_length}")
    for line in summary.answers.describe():
        click.echo(line)
    click.echo(summary.verification.describe(session.id))
