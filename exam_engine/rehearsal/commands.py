"""`exam-engine rehearse`."""

import click
from flask.cli import with_appcontext

from exam_engine.core.commands import reported
from exam_engine.core.transactions import transactional
from exam_engine.rehearsal.services import rehearse


@click.command("rehearse")
@click.option("--unit", "unit_reference", required=True, help="Unit reference, e.g. Y/506/2152.")
@click.option("--candidates", type=click.IntRange(1, 200), required=True, help="Simulated candidates.")
@click.option("--seed", type=int, default=None, help="Makes the simulated choices repeatable.")
@click.option("--minutes", type=click.IntRange(1, 600), default=None,
              help="Test length, when no record of the unit holds it.")
@with_appcontext
@transactional
def rehearse_command(unit_reference: str, candidates: int, seed: int | None, minutes: int | None) -> None:
    """Run a whole invigilated session with simulated candidates and print a summary."""
    with reported(ValueError):
        summary = rehearse(unit_reference, candidates, seed, minutes, progress=click.echo)
    session = summary.session
    click.echo("")
    click.echo(f"Session id: {session.id}")
    click.echo("Outcomes: " + ", ".join(f"{count} {state}" for state, count in sorted(summary.outcomes.items())))
    click.echo(f"Pauses: {summary.pauses}; incidents: {summary.incidents}; log records: {session.log_length}")
    for line in summary.answers.describe():
        click.echo(line)
    click.echo(summary.verification.describe(f"Session {session.id}"))
