"""Fixtures shared by the whole suite.

Every test that uses `app` runs twice: on SQLite and on PostgreSQL. PostgreSQL comes
from `TEST_DATABASE_URL` (a server URL; each run creates and drops its own database).
Outside CI a missing server skips the PostgreSQL half with a reason; under CI (`CI` set)
it fails, because CI must prove both databases.
"""

import contextvars
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL
from werkzeug.test import TestResponse

from exam_engine import create_app
from exam_engine.auth.models import User
from exam_engine.auth.roles import Role
from exam_engine.core.commands import upgrade_to_head
from exam_engine.core.config import normalise_database_url
from exam_engine.core.extensions import db

IN_CI = bool(os.environ.get("CI"))
TEST_PASSWORD = "correct horse battery"
REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DATA_VARIABLE = "EXAM_ENGINE_REFERENCE_DATA"


def unavailable(reason: str) -> None:
    """Skip outside CI; fail under CI, where every part must be present."""
    if IN_CI:
        pytest.fail(f"{reason} (required under CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server_url() -> URL:
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        unavailable("TEST_DATABASE_URL is not set, so the PostgreSQL half of the suite is skipped")
    url = make_url(normalise_database_url(raw))
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as error:
        unavailable(f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable: {error}")
    return url


def _fresh_postgres_database(server: URL) -> Iterator[str]:
    name = f"exam_engine_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated-from-empty database URL of each backend, one per test session."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        yield from _fresh_postgres_database(request.getfixturevalue("postgres_server_url"))


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in fresh contexts, as on a real server.

    Tests hold an app context for direct database access; without this, requests would
    reuse it and share `g` and the database session with the test and each other.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_test_app(database_url: str, **overrides: object) -> Flask:
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def migrated_app(database_url: str) -> Iterator[Flask]:
    app = make_test_app(database_url)
    with app.app_context():
        upgrade_to_head()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(migrated_app: Flask) -> Iterator[Flask]:
    """The app on a migrated database, emptied after each test."""
    with migrated_app.app_context():
        yield migrated_app
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create an account with `TEST_PASSWORD` (hashing is slow, so make only what you need)."""
    counter = iter(range(1, 10_000))

    def make(role: Role, username: str | None = None) -> User:
        user = User(
            username=username or f"{role.value}-{next(counter)}",
            display_name=f"Test {role.label}",
            role=role,
        )
        user.set_password(TEST_PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture(scope="session")
def repository_root() -> Path:
    return REPOSITORY_ROOT


def reference_data_directory() -> Path:
    """The published reference data sets: ``<repo root>/../shared/reference-data``, or the directory
    named by ``EXAM_ENGINE_REFERENCE_DATA``; never copied into the repository."""
    override = os.environ.get(REFERENCE_DATA_VARIABLE)
    return Path(override) if override else REPOSITORY_ROOT.parent / "shared" / "reference-data"


@pytest.fixture(scope="session")
def reference_data() -> Path:
    directory = reference_data_directory()
    if not directory.is_dir():
        unavailable(f"reference data not found at {directory} (set {REFERENCE_DATA_VARIABLE} to its location)")
    return directory


@pytest.fixture(scope="session")
def load_table(reference_data: Path) -> Callable[[str], tuple[list[str], np.ndarray]]:
    """Read ``name`` from the reference data as (header, float array)."""

    def load(name: str) -> tuple[list[str], np.ndarray]:
        path = reference_data / name
        header = path.read_text().splitlines()[0].split(",")
        return header, np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)

    return load


@pytest.fixture
def taxonomy(app: Flask) -> None:
    """The taxonomy of Pearson's document (units Y/506/2152, D/506/1942, J/506/2910 among them)."""
    from item_bank.taxonomy.services import import_specification
    from item_bank.taxonomy.specification import DATA_DIR, parse_specification

    import_specification(parse_specification(DATA_DIR / "001_104cb6e23c3ebe91.txt"))
    db.session.commit()
