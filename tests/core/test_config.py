"""Configuration from the environment with safe defaults."""

import os
import stat
from concurrent.futures import ThreadPoolExecutor

from exam_engine.core.config import normalise_database_url, settings_from_environment, shared_secret_key


def test_defaults_use_sqlite_in_the_instance_folder_and_a_kept_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = settings_from_environment(tmp_path)
    second = settings_from_environment(tmp_path)
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'exam_engine.db'}"
    assert len(first["SECRET_KEY"]) >= 64
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    assert first["SESSION_COOKIE_HTTPONLY"] and first["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_workers_starting_together_share_one_key(tmp_path):
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: shared_secret_key(tmp_path), range(32)))
    assert len(keys) == 1


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://exam@db.internal/exams")
    monkeypatch.setenv("SECRET_KEY", "given")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "3")
    settings = settings_from_environment(tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://exam@db.internal/exams"
    assert settings["SECRET_KEY"] == "given"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["LOGIN_MAX_FAILURES"] == 3
    assert not (tmp_path / "secret_key").exists()


def test_database_url_forms():
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_each_worker_pool_is_sized_by_the_environment_and_a_transaction_pooler_prepares_nothing(
        tmp_path, monkeypatch, postgres_server_url):
    """The settings reach the engine: a worker's pool opens at most POOL_SIZE + MAX_OVERFLOW connections,
    and behind PgBouncer in transaction mode no statement is prepared on the server."""
    from sqlalchemy import create_engine, text

    monkeypatch.setenv("DATABASE_URL", postgres_server_url.render_as_string(hide_password=False))
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "2")
    monkeypatch.setenv("DATABASE_TRANSACTION_POOLER", "true")
    settings = settings_from_environment(tmp_path)
    engine = create_engine(settings["SQLALCHEMY_DATABASE_URI"], **settings["SQLALCHEMY_ENGINE_OPTIONS"])
    try:
        assert engine.pool.size() == 3 and engine.pool._max_overflow == 2
        with engine.connect() as connection:
            for _ in range(8):  # psycopg prepares a statement from its fifth run unless told not to
                connection.execute(text("SELECT 1")).scalar()
            assert connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar() == 0
    finally:
        engine.dispose()
