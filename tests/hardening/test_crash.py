"""Crash safety: gunicorn killed with SIGKILL while several learners are answering.

Three learners answer continuously (each change with its own idempotency key) when the
server is killed mid-test. After a restart every answer the server acknowledged is stored,
each learner's remaining time is what it was less the time that passed, the learners carry
on and submit, and the session's hash-chained event log verifies.
"""

import http.client
import threading
import time

from sqlalchemy import select

from benchmarks.server import Server, free_port
from exam_engine.core.extensions import db
from exam_engine.delivery.client import RunnerClient, some_answer
from exam_engine.delivery.models import AnswerEvent
from invigilation.services.event_log import verify_log
from tests.delivery.factory import KEY, UNIT, blueprint, make_items, make_sitting

LEARNERS = 3
ITEMS = 4


class Learner(threading.Thread):
    """Answers its items round and round until the server stops answering."""

    def __init__(self, url: str, number: str, code: str, started: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.client, self.number, self.code, self.started = RunnerClient(url, timeout=10), number, code, started
        self.acknowledged: list[str] = []
        self.attempt = 0

    def run(self) -> None:
        sitting = self.client.sign_in(self.number, self.code, KEY)
        self.attempt = self.client.start(sitting["sitting"])["attempt"]
        base = f"/api/runner/attempts/{self.attempt}"
        items = {p: self.client.call("GET", f"{base}/items/{p}")[1]["item"] for p in range(1, ITEMS + 1)}
        self.started.wait()
        change = 0
        try:
            while True:
                change += 1
                position = 1 + change % ITEMS
                key = f"{self.number}-{change}"
                status, _, _ = self.client.call("POST", f"{base}/answers", {
                    "position": position, "answer": some_answer(items[position]), "idempotency_key": key})
                if status == 200:
                    self.acknowledged.append(key)
        except (OSError, http.client.HTTPException):
            return  # the server is gone, perhaps mid-response; what it acknowledged is all that counts


def test_acknowledged_answers_time_and_log_survive_a_sigkill(app, make_user):
    make_items()
    first = make_sitting(make_user, minutes=30)
    session = first.sitting.session
    sittings = [first.sitting] + [make_sitting(make_user, candidate_number=f"000{n}", session=session).sitting
                                  for n in range(2, LEARNERS + 1)]
    server = Server(app.config["SQLALCHEMY_DATABASE_URI"], {"DELIVERY_BLUEPRINTS": {UNIT: blueprint("loft", ITEMS)}},
                    free_port(), workers=2, threads=4)
    server.start()
    try:
        started = threading.Barrier(LEARNERS + 1)
        learners = [Learner(server.url, s.candidate.candidate_number, s.sign_in_code, started) for s in sittings]
        for learner in learners:
            learner.start()
        started.wait(timeout=60)
        deadline = time.monotonic() + 30
        while min(len(learner.acknowledged) for learner in learners) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)  # let answers flow; the kill lands while more are in flight
        before = {learner.number: learner.client.call("GET", f"/api/runner/attempts/{learner.attempt}")[1]
                  for learner in learners}
        killed_at = time.monotonic()
        server.kill()
        for learner in learners:
            learner.join(timeout=20)
            assert not learner.is_alive()
        assert all(len(learner.acknowledged) >= 3 for learner in learners), \
            "the learners barely answered before the crash"

        server.start()
        for learner in learners:
            base = f"/api/runner/attempts/{learner.attempt}"
            status = learner.client.call("GET", base)[1]
            elapsed = time.monotonic() - killed_at
            expected = before[learner.number]["remaining_seconds"] - elapsed
            assert status["open"] and abs(status["remaining_seconds"] - expected) < 3.0
            stored = set(db.session.scalars(select(AnswerEvent.idempotency_key)
                                            .where(AnswerEvent.attempt_id == learner.attempt)))
            lost = set(learner.acknowledged) - stored
            assert not lost, f"acknowledged but not stored after the crash: {sorted(lost)[:5]}"
            assert status["last_sequence"] == len(stored)
            report = learner.client.call("POST", f"{base}/reconciliation", {"acknowledged": learner.acknowledged})[1]
            assert report["all_stored"]
            assert learner.client.call("POST", f"{base}/submit")[0] == 200
        db.session.expire_all()
        assert verify_log(session.id).ok
    finally:
        server.kill()
