"""A write that times out waiting for the database lock is answered 503 (retry), not 500."""

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from exam_engine.auth.access import public
from tests.conftest import make_test_app


@pytest.fixture
def failing_app(database_url):
    app = make_test_app(database_url)

    @public
    def contended() -> str:
        raise OperationalError("UPDATE attempts ...", {}, sqlite3.OperationalError("database is locked"))

    @public
    def broken() -> str:
        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("no such table: attempts"))

    app.add_url_rule("/probe/contended", view_func=contended)
    app.add_url_rule("/probe/broken", view_func=broken)
    return app


def test_lock_contention_asks_the_client_to_retry(failing_app):
    response = failing_app.test_client().get("/probe/contended", headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert "send the request again" in response.get_json()["message"]


def test_other_database_errors_stay_server_errors(failing_app):
    response = failing_app.test_client().get("/probe/broken", headers={"Accept": "application/json"})
    assert response.status_code == 500
