"""Delivery's commands.

``replay``: re-run a learner's attempt, or a simulated sitting's record, and explain each choice.
``verify-log``: prove a session's logs untouched and its results what the logs say.
``checkpoint-logs``: commit the attempts' heads into their sessions' logs and sign the session heads.
``log-key``: make (or rotate) the key that signs session heads.
``service-client``: add, revoke and list the platforms that may call the 1EdTech CAT service.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from blueprints.services import find_blueprint, find_pools
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.record import SittingRecord
from exam_engine.assembly.replay import replay
from exam_engine.core.commands import operator, reported
from exam_engine.core.extensions import db
from exam_engine.core.transactions import transactional, unit_of_work
from exam_engine.delivery.models import ServiceClient
from exam_engine.delivery.services import adaptive_service
from exam_engine.delivery.services.audit import prove_session
from exam_engine.delivery.services.replay import replay_attempt, replay_service_session
from invigilation.models.sessions import TestSession
from invigilation.services.checkpoints import checkpoint, needs_checkpoint
from invigilation.services.signing import SigningError, create_key, public_keys_dir, sign_head, signing_configured

INPUT = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("replay")
@click.argument("attempt_id", type=int, required=False)
@click.option("--record", "record_file", type=INPUT,
              help="A sitting record (JSON), or a list of them as written by simulate --records.")
@click.option("--index", type=click.IntRange(min=0), default=0, show_default=True, help="Which record of a list.")
@click.option("--bank", type=INPUT, help="The BANK.csv the sitting used; default: the unit's live bank.")
@click.option("--blueprint", "blueprint_name", help="Blueprint file; default: the unit's.")
@click.option("--service-session", "service_session", help="A sessionIdentifier of the 1EdTech CAT service.")
@with_appcontext
def replay_command(attempt_id: int | None, record_file: Path | None, index: int, bank: Path | None,
                   blueprint_name: str | None, service_session: str | None) -> None:
    """Re-run a sitting (ATTEMPT_ID of a learner's attempt, --service-session, or --record), check it gives
    the same items, and explain each choice."""
    if attempt_id is not None or service_session:
        with reported(LookupError):
            result = (replay_attempt(attempt_id) if attempt_id is not None
                      else replay_service_session(service_session or ""))
        for line in result.lines:
            click.echo(line)
        if not result.reproduced:
            raise click.ClickException("the replay does NOT reproduce the attempt: " + "; ".join(result.problems))
        click.echo("Reproduced: the engine gives the same items in the same order.")
        return
    if record_file is None:
        raise click.UsageError("give an ATTEMPT_ID, --service-session ID or --record FILE")
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
    """Prove a session's event log untouched (against its signed heads too), every attempt's log
    whole and anchored, and every stored answer, response and score what the logs say; or name
    each problem (exit status 1)."""
    proof = prove_session(session_id)
    if proof.chain.records == 0 and not proof.signed and db.session.get(TestSession, session_id) is None:
        raise click.ClickException(f"there is no test session {session_id}")
    for line in proof.lines():
        click.echo(line)
    if not proof.ok:
        raise SystemExit(1)


@click.command("checkpoint-logs")
@click.option("--session", "session_id", type=int, help="Only this session (default: every session that "
              "logged anything since its last checkpoint).")
@with_appcontext
def checkpoint_logs_command(session_id: int | None) -> None:
    """Commit every attempt's head into its session's log and sign the session head into the
    awarding body's store. Run it from cron every few minutes while tests are sat: changes
    after the last signed head are covered by the chain alone."""
    if session_id is not None and db.session.get(TestSession, session_id) is None:
        raise click.ClickException(f"there is no test session {session_id}")
    sessions = db.session.scalars(select(TestSession).where(
        TestSession.id == session_id if session_id is not None else TestSession.started_at.is_not(None))
        .order_by(TestSession.id)).all()
    if not signing_configured():
        click.echo("Signing is not configured (LOG_SIGNING_KEY_FILE, LOG_SIGNATURE_STORE): "
                   "checkpoints are chained but not signed.")
    taken = 0
    for session in sessions:
        if not needs_checkpoint(session):
            continue
        with unit_of_work():
            checkpoint(session, operator())
        with reported(SigningError):
            signed = sign_head(session.id)
        taken += 1
        click.echo(f"Session {session.id}: checkpoint at record {session.log_length}"
                   + (f", signed with key {signed.key}." if signed else "."))
    click.echo(f"{taken} checkpoint(s) taken; {len(sessions) - taken} session(s) unchanged since their last.")


@click.command("log-key")
@click.option("--out", "private_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the new private key (it must not exist; keep it off the database server).")
@click.option("--public-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the awarding body keeps public keys (default: LOG_PUBLIC_KEYS_DIR, or the store's keys/).")
@with_appcontext
def log_key_command(private_file: Path, public_dir: Path | None) -> None:
    """Make a new Ed25519 key for signing session heads (to start, or to rotate the key)."""
    public_dir = public_dir or public_keys_dir()
    if public_dir is None:
        raise click.ClickException("give --public-dir, or set LOG_PUBLIC_KEYS_DIR or LOG_SIGNATURE_STORE")
    with reported(OSError):
        identifier = create_key(private_file, public_dir)
    click.echo(f"Key {identifier}: private key written to {private_file} (readable by you only), "
               f"public key to {public_dir / (identifier + '.pem')}.")
    click.echo(f"Set LOG_SIGNING_KEY_FILE={private_file} on every app server; keep the old public keys, "
               "so that heads signed with them still verify.")


@click.group("service-client")
def service_client_group() -> None:
    """Delivery platforms that may call the 1EdTech CAT service (/ims/cat/v1p0)."""


@service_client_group.command("add")
@click.argument("name")
@with_appcontext
@transactional
def add_service_client_command(name: str) -> None:
    """Let a platform call the service: prints its client id and secret (the secret only now)."""
    with reported(ValueError):
        client, secret = adaptive_service.add_client(name)
    click.echo(f"Client {client.name}: client_id {client.client_id}")
    click.echo(f"client_secret {secret}")
    click.echo("Give both to the platform over a secure channel; the secret is not shown again. "
               "It asks POST /ims/cat/v1p0/token (grant_type=client_credentials) for a bearer token.")


@service_client_group.command("revoke")
@click.argument("client_id")
@with_appcontext
@transactional
def revoke_service_client_command(client_id: str) -> None:
    """Stop a platform using the service (its tokens are refused from now)."""
    with reported(ValueError):
        client = adaptive_service.revoke_client(client_id)
    click.echo(f"Client {client.name} ({client.client_id}) revoked.")


@service_client_group.command("list")
@with_appcontext
def list_service_clients_command() -> None:
    """The platforms added, and whether each may still call the service."""
    for client in db.session.scalars(select(ServiceClient).order_by(ServiceClient.id)):
        state = f"revoked {client.revoked_at:%d %b %Y}" if client.revoked_at else "active"
        click.echo(f"{client.client_id}  {client.name}  ({state})")
