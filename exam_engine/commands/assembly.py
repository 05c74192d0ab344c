"""``exam-engine simulate`` and ``replay``: the assembly engine on a blueprint and a bank."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from blueprints.resolve import find_blueprint, find_pools
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.record import SittingRecord
from exam_engine.assembly.replay import replay
from exam_engine.assembly.simulator import METRICS, simulate
from exam_engine.assembly.sitting import MODES
from exam_engine.assembly.solver import Infeasible

INPUT = click.Path(exists=True, dir_okay=False, path_type=Path)
OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


@click.command("simulate")
@click.option("--bank", type=INPUT, help="BANK.csv (item,lo,ac,marks,a,b,c[,enemy,type,status]); "
                                         "default: the unit's live bank.")
@click.option("--blueprint", "blueprint_name", required=True, help="Blueprint file or unit reference.")
@click.option("--examinees", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--mode", type=click.Choice(MODES), help="Default: the blueprint's mode.")
@click.option("--json", "json_out", type=OUTPUT, help="Write the figures to this JSON file.")
@click.option("--records", type=OUTPUT, help="Write every sitting's record to this JSON file (for replay).")
@with_appcontext
def simulate_command(bank: Path | None, blueprint_name: str, examinees: int, seed: int, mode: str | None,
                     json_out: Path | None, records: Path | None) -> None:
    """Simulate sittings of a blueprint and report precision, rule breaches, exposure and speed."""
    blueprint = find_blueprint(blueprint_name)
    pool, pretest = find_pools(blueprint, bank)
    mode = mode or blueprint.mode.value
    engine = Engine(blueprint, pool, pretest)
    try:
        with click.progressbar(length=examinees, label=f"{mode} x {examinees}", file=click.get_text_stream("stderr"),
                               show_pos=True, show_eta=True) as bar:
            result = simulate(engine, mode, examinees, seed, progress=bar.update)
    except Infeasible as error:
        raise click.ClickException(f"no test meets blueprint {blueprint.unit}: {error}") from None
    for name in METRICS:
        click.echo(f"{name:24} {result.metrics[name]:.4g}")
    if json_out:
        summary = {"unit": blueprint.unit, "mode": mode, "examinees": examinees, "seed": seed,
                   "bank": str(bank) if bank else "live", **result.metrics, "rmse_by_length": result.rmse_by_length}
        json_out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if records:
        records.write_text(json.dumps([r.as_dict() for r in result.records]) + "\n", encoding="utf-8")


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
        from exam_engine.delivery.replay import replay_attempt  # delivery's hook: attempts keep their records

        try:
            result = replay_attempt(attempt_id)
        except LookupError as error:
            raise click.ClickException(str(error)) from None
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
    blueprint = find_blueprint(blueprint_name or record.unit)
    pool, pretest = find_pools(blueprint, bank)
    report = replay(Engine(blueprint, pool, pretest), record)
    for line in report.explanations:
        click.echo(line)
    if not report.reproduced:
        raise click.ClickException("the replay does NOT reproduce the record: " + "; ".join(report.problems))
    click.echo(f"Reproduced: {len(record.steps)} items in the recorded order, score {record.score['theta']:+.3f} "
               f"(SE {record.score['se']:.3f}), engine {record.engine_version}, seed {record.seed}.")
