"""A server killed mid-test (SIGKILL) and started again loses no acknowledged answer and no time."""

import time

import pytest
from flask import Flask

from benchmarks.server import Server, free_port
from exam_engine.delivery.client import RunnerClient, some_answer
from tests.delivery.factory import KEY, UNIT, blueprint, make_items, make_sitting


def test_a_server_restart_mid_test_loses_nothing(app: Flask, make_user):
    make_items()
    setup = make_sitting(make_user, minutes=30)
    config = {"DELIVERY_BLUEPRINTS": {UNIT: blueprint("loft", 4)}}
    server = Server(app.config["SQLALCHEMY_DATABASE_URI"], config, free_port(), workers=1, threads=2)
    server.start()
    try:
        client = RunnerClient(server.url)
        sitting = client.sign_in(setup.candidate_number, setup.sitting.sign_in_code, KEY)
        attempt = client.start(sitting["sitting"])["attempt"]
        base = f"/api/runner/attempts/{attempt}"
        acknowledged, items = {}, {}
        for position in (1, 2, 3):
            item = client.call("GET", f"{base}/items/{position}")[1]["item"]
            items[position] = item
            status, ack, _ = client.call("POST", f"{base}/answers", {
                "position": position, "answer": some_answer(item), "idempotency_key": f"restart-{position}"})
            assert status == 200
            acknowledged[position] = (ack["idempotency_key"], some_answer(item))
        before = client.call("GET", base)[1]
        killed_at = time.monotonic()
        server.kill()
        with pytest.raises(OSError):
            client.call("GET", base)
        server.start()
        after = client.call("GET", base)[1]
        elapsed = time.monotonic() - killed_at
        assert after["open"] and after["answered"] == 3 and after["last_sequence"] == 3
        assert abs(after["remaining_seconds"] - (before["remaining_seconds"] - elapsed)) < 2.0
        for position, (_, answer) in acknowledged.items():
            item = client.call("GET", f"{base}/items/{position}")[1]["item"]
            assert item["answer"] == answer and item["stem"] == items[position]["stem"]
        report = client.call("POST", f"{base}/reconciliation",
                             {"acknowledged": [key for key, _ in acknowledged.values()]})[1]
        assert report["all_stored"] and report["answer_changes_stored"] == 3
    finally:
        server.kill()
