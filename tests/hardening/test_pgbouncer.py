"""The app behind PgBouncer in transaction mode (Debian's `pgbouncer`): a sitting runs, answers
are stored and the logs verify, with each transaction free to land on another server connection."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url

from exam_engine.core.config import engine_options
from exam_engine.core.extensions import db
from exam_engine.delivery.models import AnswerEvent, Attempt
from exam_engine.delivery.services.audit import prove_session
from tests.conftest import make_test_app, unavailable
from tests.delivery.factory import make_items
from tests.delivery.runner_client import seated

PGBOUNCER = Path("/usr/sbin/pgbouncer")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def bouncer(database_url: str) -> Iterator[str]:
    """PgBouncer in transaction mode in front of this run's PostgreSQL database; yields its URL."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PgBouncer pools PostgreSQL connections only")
    if not PGBOUNCER.exists():
        unavailable("pgbouncer not found (apt-get install pgbouncer)")
    server = make_url(database_url)
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o755)  # pgbouncer drops to the postgres user when started as root: it must read its files
    port = _free_port()
    config = folder / "pgbouncer.ini"
    config.write_text(
        f"[databases]\n* = host={server.host} port={server.port or 5432}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = trust\n"
        f"auth_file = {folder / 'users.txt'}\npool_mode = transaction\ndefault_pool_size = 4\n"
        "min_pool_size = 3\nserver_round_robin = 1\n"  # consecutive transactions on different connections
        "max_client_conn = 200\nunix_socket_dir =\n" + ("user = postgres\n" if os.geteuid() == 0 else ""))
    (folder / "users.txt").write_text(f'"{server.username}" ""\n')
    for path in folder.iterdir():
        path.chmod(0o644)
    process = subprocess.Popen([str(PGBOUNCER), str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {process.stderr.read().decode() if process.stderr else ''}")
            time.sleep(0.05)
        yield server.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_sitting_runs_behind_pgbouncer_in_transaction_mode(app: Flask, bouncer, make_user, design, monkeypatch):
    monkeypatch.setenv("DATABASE_TRANSACTION_POOLER", "true")
    bounced = make_test_app(bouncer, SQLALCHEMY_ENGINE_OPTIONS=engine_options(bouncer),
                            DELIVERY_BLUEPRINTS=app.config["DELIVERY_BLUEPRINTS"])
    design("fixed", 4)
    make_items()
    setup, runner = seated(bounced.test_client(), make_user)
    attempt = runner.start(setup.sitting.id)["attempt"]
    for round_ in range(3):  # enough statements for psycopg to prepare them, were it allowed to
        for position in (1, 2, 3, 4):
            item = runner.call("GET", f"/api/runner/attempts/{attempt}/items/{position}").get_json()["item"]
            choice = [option["id"] for option in item["options"]]
            answer = choice[round_ % 4] if item["type"] == "single_best_answer" else (
                choice[:1] if item["type"] == "multiple_response" else choice)
            assert runner.answer(attempt, position, answer, f"{round_}-{position}").status_code == 200
    assert runner.call("POST", f"/api/runner/attempts/{attempt}/submit").status_code == 200
    db.session.expire_all()
    assert db.session.query(AnswerEvent).filter_by(attempt_id=attempt).count() == 12
    assert not db.session.get(Attempt, attempt).is_open
    assert prove_session(setup.sitting.session_id).ok
