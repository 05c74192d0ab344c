"""Backup and restore keep every row and a verifiable event log, on SQLite and PostgreSQL."""

import gzip
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url, select, text

from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.cli import cli
from exam_engine.core.extensions import db
from exam_engine.operations.services.backup import BackupError, restore_backup, write_backup
from invigilation.models.sessions import IncidentCategory, TestSession
from invigilation.services.event_log import verify_log
from invigilation.services.incidents import record_incident
from tests.conftest import make_test_app
from tests.hardening.counts import table_counts
from tests.invigilation.conftest import START, build_world


@pytest.fixture
def empty_database(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """An app on a new, empty database of the same kind as `app`'s."""
    source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if source.get_backend_name() == "sqlite":
        target, admin, name = f"sqlite:///{tmp_path / 'restored.db'}", None, None
    else:
        name = f"exam_engine_restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        target = source.set(database=name).render_as_string(hide_password=False)
    restored = make_test_app(target)
    yield restored
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def backup_file(app: Flask, tmp_path: Path) -> tuple[Path, dict[str, int], list[int]]:
    world = build_world()
    session = world.session()
    world.book(session)
    record_incident(session, world.invigilator, IncidentCategory.TECHNICAL, "workstation froze; moved to spare",
                    occurred_at=START)
    db.session.commit()
    out = tmp_path / "exam.backup"
    result = app.test_cli_runner().invoke(cli, ["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    sessions = list(db.session.scalars(select(TestSession.id)))
    assert all(verify_log(s).ok for s in sessions)
    return out, table_counts(), sessions


def test_a_restored_database_holds_every_row_and_its_event_logs_verify(backup_file, empty_database):
    path, counts, sessions = backup_file
    with empty_database.app_context():
        summary = restore_backup(path)
        assert summary.total == sum(counts.values())
        assert table_counts() == counts
        assert sessions and all(verify_log(s).ok for s in sessions)
        db.session.add(User(username="after-restore", display_name="New", role=Role.LEARNER, password_hash="!"))
        db.session.commit()  # ids continue past the restored ones


def test_a_damaged_or_truncated_backup_restores_nothing(backup_file, empty_database, tmp_path):
    path, _, _ = backup_file
    lines = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
    truncated, altered = tmp_path / "truncated.backup", tmp_path / "altered.backup"
    truncated.write_bytes(gzip.compress("".join(lines[:-3]).encode()))
    altered.write_bytes(gzip.compress("".join(lines).replace("workstation froze", "nothing happened").encode()))
    garbage = tmp_path / "garbage.backup"
    garbage.write_bytes(b"not a backup at all")
    with empty_database.app_context():
        for bad, message in [(truncated, "incomplete"), (altered, "altered"), (garbage, "not an exam-engine backup")]:
            with pytest.raises(BackupError, match=message):
                restore_backup(bad)
            assert not any(table_counts().values())


def test_a_database_with_data_is_not_overwritten(app, backup_file):
    path, counts, _ = backup_file
    result = app.test_cli_runner().invoke(cli, ["restore", str(path)])
    assert result.exit_code == 1
    assert "not empty" in result.output and "nothing was restored" in result.output
    assert table_counts() == counts


def test_a_backup_is_one_snapshot_even_while_others_write(app, empty_database, tmp_path):
    build_world()
    before = table_counts()
    writer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    written: list[str] = []

    def write_meanwhile(table: str, rows: int) -> None:
        if not written:  # after the first table, another connection adds a row to a later one
            with writer.begin() as connection:
                connection.execute(text("INSERT INTO unit_booking_rules (unit_reference, minimum_notice_hours, "
                                        "waiting_period_days) VALUES ('Z/999/9999', 0, 0)"))
            written.append(table)

    path = tmp_path / "snapshot.backup"
    write_backup(path, write_meanwhile)
    writer.dispose()
    assert written == ["centres"]
    assert table_counts()["unit_booking_rules"] == before["unit_booking_rules"] + 1
    with empty_database.app_context():
        restore_backup(path)
        assert table_counts() == before
