"""Configuration from environment variables, with safe defaults.

Every setting can be given as an environment variable of the same name (booleans as
1/0, true/false). With no `DATABASE_URL` the app uses a SQLite file in the instance
folder; with no `SECRET_KEY` it generates one there once, so every worker and every
restart shares it.
"""

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "exam_engine.db"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return default if value is None else [part.strip() for part in value.split(",") if part.strip()]


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None else int(value)


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def shared_secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, creating it atomically the first time.

    Several workers may start at once: `O_EXCL` lets exactly one create the file and the
    others read what it wrote.
    """
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / SECRET_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{path} exists but is empty; delete it to generate a new key") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def engine_options(database_url: str) -> dict[str, Any]:
    """Connection pool settings, per process (each gunicorn worker has its own pool).

    A server holds at most workers x (DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW)
    connections; keep that, summed over the app servers, under PostgreSQL's
    `max_connections`. Behind PgBouncer in transaction mode set DATABASE_TRANSACTION_POOLER:
    statements are then never prepared server-side, since consecutive transactions may run
    on different server connections.
    """
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": _env_int("DATABASE_POOL_SIZE", 5),
        "max_overflow": _env_int("DATABASE_MAX_OVERFLOW", 5),
        "pool_timeout": _env_int("DATABASE_POOL_TIMEOUT", 10),
    }
    if database_url.startswith("postgresql") and _env_bool("DATABASE_TRANSACTION_POOLER", False):
        options["connect_args"] = {"prepare_threshold": None}
    return options


def settings_from_environment(instance_path: Path) -> dict[str, Any]:
    """All settings, read from the environment with their defaults."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / SQLITE_FILE}"
    secure_cookies = _env_bool("SESSION_COOKIE_SECURE", False)
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or shared_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(normalise_database_url(database_url)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("SESSION_HOURS", 10)),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead, which already expires
        "LOGIN_MAX_FAILURES": _env_int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _env_int("LOGIN_LOCK_MINUTES", 15),
        # roles that sign in with a one-time code as well: those that can see live items or results
        "TWO_FACTOR_ROLES": _env_list("TWO_FACTOR_ROLES", ["item_writer", "reviewer", "centre_admin",
                                                            "awarding_body_admin", "subject_expert"]),
        # candidates' sign-in codes and session keys (see invigilation/services/seats.py)
        "SIGN_IN_FAILURE_WINDOW_MINUTES": _env_int("SIGN_IN_FAILURE_WINDOW_MINUTES", 15),
        "SIGN_IN_MAX_FAILURES_PER_CANDIDATE": _env_int("SIGN_IN_MAX_FAILURES_PER_CANDIDATE", 5),
        "SIGN_IN_MAX_FAILURES_PER_SESSION": _env_int("SIGN_IN_MAX_FAILURES_PER_SESSION", 50),
        "SIGN_IN_MAX_FAILURES_PER_ADDRESS": _env_int("SIGN_IN_MAX_FAILURES_PER_ADDRESS", 30),
        # what one attempt may ask for: alerts per 10 minutes, reconciliation checks per minute
        "ALERTS_PER_ATTEMPT": _env_int("ALERTS_PER_ATTEMPT", 5),
        "RECONCILIATIONS_PER_ATTEMPT": _env_int("RECONCILIATIONS_PER_ATTEMPT", 6),
        "PROXY_FIX_HOPS": _env_int("PROXY_FIX_HOPS", 0),
        # retention (see exam_engine/operations/services/retention.py)
        "RETENTION_PERSONAL_DATA_DAYS": _env_int("RETENTION_PERSONAL_DATA_DAYS", 365),
        "RETENTION_RECORDS_DAYS": _env_int("RETENTION_RECORDS_DAYS", 3 * 365),
        # what a request may send (see exam_engine/core/limits.py); uploads raise their own size limit
        "MAX_CONTENT_LENGTH": _env_int("MAX_REQUEST_BYTES", 1024 * 1024),
        "MAX_JSON_DEPTH": _env_int("MAX_JSON_DEPTH", 32),
        # signed session heads (see invigilation/services/signing.py): unset, logs are chained but unsigned
        "LOG_SIGNING_KEY_FILE": os.environ.get("LOG_SIGNING_KEY_FILE") or None,
        "LOG_SIGNATURE_STORE": os.environ.get("LOG_SIGNATURE_STORE") or None,
        "LOG_PUBLIC_KEYS_DIR": os.environ.get("LOG_PUBLIC_KEYS_DIR") or None,
        # structured logs (see exam_engine/core/request_log.py)
        "LOG_REQUESTS": _env_bool("LOG_REQUESTS", True),
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json"),
    }
