"""Clear error pages (HTML) and error bodies (JSON) for every HTTP error."""

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from psycopg import errors as pg_errors
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

EXPLANATIONS: dict[int, str] = {
    400: "The request could not be understood. Go back and try again.",
    401: "You need to sign in to see this page.",
    403: "Your account does not have permission to see this page.",
    404: "There is no page at this address.",
    405: "This page cannot be used that way.",
    413: "What was sent is too large.",
    429: "Too many requests. Wait a moment and try again.",
    500: "Something went wrong on our side. Your saved answers are safe; try again.",
    503: "The server is busy. Nothing was changed; send the request again in a moment.",
}
BUSY_RETRY_SECONDS = 1
_PG_CONTENTION = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected, pg_errors.LockNotAvailable)


def is_contention(error: OperationalError) -> bool:
    """A write that waited too long for another's lock: safe to retry, not a fault.

    SQLite says "database is locked" once its busy timeout runs out; PostgreSQL reports
    serialisation failures, deadlocks and lock timeouts. The transaction was rolled back.
    """
    return isinstance(error.orig, _PG_CONTENTION) or "database is locked" in str(error.orig)


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _render(code: int, name: str, detail: str) -> tuple[str | dict[str, object], int]:
    if _wants_json():
        return {"error": name, "message": detail, "status": code}, code
    return render_template("error.html", code=code, name=name, detail=detail), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return _render(
            400, "Form expired or invalid",
            "This form's security token was missing or out of date. "
            "Reload the page and submit it again.",
        )

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError) -> ResponseReturnValue:
        if not is_contention(error):
            return unexpected_error(error)
        app.logger.warning("database busy on %s %s: %s", request.method, request.path, error.orig)
        body, code = _render(503, "Service Unavailable", EXPLANATIONS[503])
        return body, code, {"Retry-After": str(BUSY_RETRY_SECONDS)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        said = error.description if error.description != type(error).description else None
        return _render(code, error.name, said or EXPLANATIONS.get(code, error.description or ""))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, InternalServerError().name, EXPLANATIONS[500])
