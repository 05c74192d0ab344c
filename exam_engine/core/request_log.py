"""Structured logs: one JSON line per request, and JSON for the app's own log records.

Each request gets an id (the `X-Request-ID` header if a proxy set a sane one, else a new
one), returned in the response's `X-Request-ID`, so a complaint can be matched to its log
line. The line holds the id, method, route (the URL rule, so ids do not scatter it),
endpoint, status, duration in milliseconds, and the user's id and role when signed in.
`LOG_REQUESTS` turns the request lines off; `LOG_FORMAT=text` gives plain text instead.
"""

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, g, request
from flask_login import current_user
from werkzeug.wrappers import Response

REQUEST_LOGGER = "exam_engine.requests"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message and any `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                                 "level": record.levelname.lower(), "logger": record.name,
                                 "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime


def _handler(json_format: bool) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_format else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s %(fields)s", defaults={"fields": ""}))
    return handler


def register_request_log(app: Flask) -> None:
    json_format = app.config["LOG_FORMAT"] == "json"
    logger = logging.getLogger(REQUEST_LOGGER)
    if not logger.handlers:
        logger.addHandler(_handler(json_format))
        logger.setLevel(logging.INFO)
        logger.propagate = False
    if json_format:
        for handler in app.logger.handlers:
            handler.setFormatter(JsonFormatter())

    @app.before_request
    def start_timer() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        if app.config["LOG_REQUESTS"]:
            started = g.get("request_started", time.perf_counter())
            signed_in = current_user.is_authenticated
            logger.info("request", extra={"fields": {
                "request_id": request_id, "method": request.method,
                "route": request.url_rule.rule if request.url_rule else None, "endpoint": request.endpoint,
                "status": response.status_code, "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": current_user.id if signed_in else None,
                "role": current_user.role.value if signed_in else None,
            }})
        return response
