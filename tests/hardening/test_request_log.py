"""One structured (JSON) log line per request, with its id, user, role, route, status and duration."""

import json
import logging

from exam_engine.auth.roles import Role
from exam_engine.core.request_log import REQUEST_LOGGER, JsonFormatter
from tests.conftest import TEST_PASSWORD
from tests.helpers import sign_in


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_each_request_is_one_json_line_naming_who_did_what(app, client, make_user):
    collect = Collect()
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(collect)
    try:
        user = make_user(Role.INVIGILATOR)
        sign_in(client, user.username, TEST_PASSWORD)
        response = client.get("/invigilation/sessions/41/dashboard", headers={"X-Request-ID": "trace-abc-123"})
    finally:
        logger.removeHandler(collect)
    assert response.headers["X-Request-ID"] == "trace-abc-123"
    assert len(collect.lines) == 3  # sign-in page, sign-in post, the dashboard
    line = collect.lines[-1]
    assert line["request_id"] == "trace-abc-123" and line["method"] == "GET"
    assert line["route"] == "/invigilation/sessions/<int:session_id>/dashboard"
    assert line["status"] == 404 and line["duration_ms"] >= 0
    assert line["user_id"] == user.id and line["role"] == "invigilator"
    assert collect.lines[0]["user_id"] is None and collect.lines[0]["role"] is None
    assert len({entry["request_id"] for entry in collect.lines}) == 3


def test_a_hostile_request_id_is_replaced(client):
    response = client.get("/login", headers={"X-Request-ID": "<script>" + "x" * 100})
    assert response.headers["X-Request-ID"] != "<script>" + "x" * 100
    assert len(response.headers["X-Request-ID"]) == 32
