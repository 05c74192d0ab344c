"""Serving the app under gunicorn on a loopback port in a subprocess (its own process group)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`exam_engine:create_app(config)` under gunicorn; `kill()` sends SIGKILL to its process group.
    With `log`, the server's standard error (its request log) is appended to that file."""

    def __init__(self, database_url: str, config: dict, port: int, workers: int = 2, threads: int = 8,
                 log: Path | None = None) -> None:
        self.database_url, self.config, self.port = database_url, config, port
        self.workers, self.threads, self.log = workers, threads, log
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: BinaryIO | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 30.0) -> None:
        self._log_file = self.log.open("ab") if self.log else None  # the request log, one JSON line per request
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": self.database_url,
               "SECRET_KEY": "benchmark-and-restart-secret"}
        self.process = subprocess.Popen(
            [str(GUNICORN), "--workers", str(self.workers), "--threads", str(self.threads), "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", f"exam_engine:create_app({self.config!r})"],
            cwd=ROOT, env=env, start_new_session=True, stderr=self._log_file)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/openapi.json", timeout=2).read()
                return
            except OSError as error:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited with {self.process.returncode}") from error
                time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer on {self.url} within {wait} s")

    def kill(self) -> None:
        """SIGKILL the server and its workers at once, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
