"""``exam-engine replay``: re-run a learner's attempt, or a simulated sitting's record, and explain each choice.
``exam-engine verify-log``: prove a session's event log untouched and its results what the log says."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from blueprints.services import find_blueprint, find_pools
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.record import SittingRecord
from exam_engine.assembly.replay import replay
from exam_engine.core.commands import reported
from exam_engine.core.extensions import db
from exam_engine.delivery.services.audit import graded_data_problems
from exam_engine.delivery.services.replay import replay_attempt
from invigilation.models.sessions import TestSession
from invigilation.services.event_log import verify_log

INPUT = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("replay")
@click.argument("attempt_id", type=int, required=False)
@click.option("--record", "record_file", type=INPUT,
              help="A sitting record (JSON), or a list of them as written by simulate --records.")
@click.option("--index", type=click.IntRange(min=0), default=0, show_default=True, help="Which record of a list.")
@click.option("--bank", type=INPUT, help="The BANK.csv the sitting used; default: the unit's live bank.")
@click.option("--blueprint", "blueprint_name", help="Blueprint file; default: the unit's.")
@with_appcontext
def replay_command(attempt_id: int | None, record_file: Path | None, index: int, bank: Path | None,
                   blueprint_name: str | None) -> None:
    """Re-run a sitting (ATTEMPT_ID of a learner's attempt, or --record), check it gives the same items,
    and explain each choice."""
    if attempt_id is not None:
        with reported(LookupError):
            result = replay_attempt(attempt_id)
        for line in result.lines:
            click.echo(line)
        if not result.reproduced:
            raise click.ClickException("the replay does NOT reproduce the attempt: " + "; ".join(result.problems))
        click.echo("Reproduced: the engine gives the same items in the same order.")
        return
    if record_file is None:
        raise click.UsageError("give an ATTEMPT_ID or --record FILE")
    data = json.loads(record_file.read_text(encoding="utf-8"))
    if isinstance(data, list):
        if index >= len(data):
            raise click.ClickException(f"{record_file} holds {len(data)} records; --index {index} is out of range")
        data = data[index]
    try:
        record = SittingRecord.from_dict(data)
    except ValueError as error:
        raise click.ClickException(f"{record_file}: {error}") from None
    with reported(LookupError, ValueError):
        blueprint = find_blueprint(blueprint_name or record.unit)
        pool, pretest = find_pools(blueprint, bank)
    report = replay(Engine(blueprint, pool, pretest), record)
    for line in report.explanations:
        click.echo(line)
    if not report.reproduced:
        raise click.ClickException("the replay does NOT reproduce the record: " + "; ".join(report.problems))
    click.echo(f"Reproduced: {len(record.steps)} items in the recorded order, score {record.score['theta']:+.3f} "
               f"(SE {record.score['se']:.3f}), engine {record.engine_version}, seed {record.seed}.")


@click.command("verify-log")
@click.option("--session", "session_id", type=int, required=True, help="The test session's id.")
@with_appcontext
def verify_log_command(session_id: int) -> None:
    """Prove a session's event log untouched and every stored answer, response and score what the
    log says; or name the first broken record and each difference (exit status 1)."""
    if db.session.get(TestSession, session_id) is None:
        raise click.ClickException(f"there is no test session {session_id}")
    chain = verify_log(session_id)
    click.echo(chain.describe(session_id))
    problems = graded_data_problems(session_id)
    if problems:
        click.echo(f"Session {session_id}: {len(problems)} difference(s) between the stored results and the log:")
        for problem in problems:
            click.echo(f"  {problem}")
    else:
        click.echo(f"Session {session_id}: every stored answer, response and score agrees with the log.")
    if not chain.ok or problems:
        raise SystemExit(1)
