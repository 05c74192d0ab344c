"""Alembic environment: migrates the database of the current Flask app.

Batch mode is always on so that the same migrations alter tables on SQLite (which
rebuilds the table) and on PostgreSQL (which alters it in place).
"""

from alembic import context

from exam_engine.core.extensions import db


def run_migrations_online() -> None:
    engine = db.engines[None]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
