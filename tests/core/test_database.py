"""Migrations, model/migration agreement, and the database settings."""

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import exam_engine.cli  # noqa: F401  (the command line loads every package's models, the web app not all)
from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.commands import alembic_config
from exam_engine.core.extensions import db


def test_migrations_upgrade_an_empty_database_to_head_and_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


def test_migrations_downgrade_to_base_and_back(app):
    config = alembic_config()
    command.downgrade(config, "base")
    assert "users" not in inspect(db.engine).get_table_names()
    command.upgrade(config, "head")
    assert "users" in inspect(db.engine).get_table_names()


def test_timestamps_come_back_as_utc(app, make_user):
    user = make_user(Role.LEARNER)
    db.session.expire_all()
    created = db.session.get(User, user.id).created_at
    assert created.tzinfo is not None and created.utcoffset().total_seconds() == 0


def test_naive_timestamps_are_refused(app, make_user):
    user = make_user(Role.LEARNER)
    user.last_login_at = datetime(2026, 1, 1, 9, 0)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()
    user.last_login_at = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    db.session.commit()


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings only")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
