"""The practice test: open to anyone, every item type in the real player's API shapes, kept in the session only."""

import re

from sqlalchemy import func, select

from exam_engine.core.extensions import db
from exam_engine.delivery.services.practice import practice_items
from tests.delivery.runner_client import Runner

TYPES = {"single_best_answer", "multiple_response", "ordering", "matching"}


def row_counts() -> dict[str, int]:
    """How many rows every table holds."""
    return {table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
            for table in db.metadata.sorted_tables}


def started(client) -> Runner:
    runner = Runner(client)
    response = runner.call("POST", "/api/practice/start")
    assert response.status_code == 201
    assert response.get_json()["open"] and response.get_json()["items_planned"] == len(practice_items())
    return runner


def test_every_item_type_is_served_and_answers_are_kept_in_the_session_only(app):
    before = row_counts()
    runner = started(app.test_client())
    served = [runner.call("GET", f"/api/practice/items/{n}").get_json()["item"]
              for n in range(1, len(practice_items()) + 1)]
    assert {item["type"] for item in served} == TYPES
    assert any(item["scenario"] for item in served)
    assert any(block["kind"] == "table" for item in served for block in item["stem_blocks"])
    assert not {"key", "rationale", "feedback"} & {name for item in served for name in item}
    for item, practice in zip(served, practice_items(), strict=True):
        answer = practice.key if isinstance(practice.key, str) else list(practice.key)
        if item["type"] == "ordering":
            answer = [option["id"] for option in item["options"]]  # the order shown: not the right one
        saved = runner.call("POST", "/api/practice/answers", {"position": item["position"], "answer": answer,
                                                               "idempotency_key": f"k{item['position']}"})
        assert saved.status_code == 200, saved.get_json()
        assert saved.get_json()["status"]["answered"] == item["position"]
    again = runner.call("POST", "/api/practice/answers", {"position": 1, "answer": "A", "idempotency_key": "k1"})
    assert again.get_json()["duplicate"] is True and again.get_json()["sequence"] == 1  # stored once
    assert runner.call("GET", "/api/practice/items/1").get_json()["item"]["answer"] == practice_items()[0].key
    flagged = runner.call("PUT", "/api/practice/items/2/flag", {"flagged": True}).get_json()["review"]
    assert flagged[1] == {"position": 2, "answered": True, "flagged": True}
    assert runner.call("GET", "/api/practice/review").get_json()["review"] == flagged

    submitted = runner.call("POST", "/api/practice/submit").get_json()
    available = sum(item.marks for item in practice_items())
    assert submitted["status"]["open"] is False and submitted["status"]["end"] == "submitted"
    assert submitted["result"]["available"] == available
    assert submitted["result"]["marks"] == available - 1  # all right but the ordering item
    receipt = runner.client.get("/practice/finished").get_data(as_text=True)
    assert "This was a practice test: nothing was stored" in receipt
    assert f"{available - 1} of {available} marks" in receipt and "Try the practice test again" in receipt
    assert runner.call("POST", "/api/practice/answers", {"position": 1, "answer": "A", "idempotency_key": "z"}
                       ).status_code == 409
    db.session.expire_all()
    assert row_counts() == before


def test_bad_input_gets_a_clear_refusal(app):
    runner = Runner(app.test_client())
    missing = runner.call("GET", "/api/practice")
    assert missing.status_code == 404 and missing.get_json()["error"] == "no_practice"
    started(runner.client)
    checks = [
        ("GET", "/api/practice/items/0", None, 404),
        ("GET", f"/api/practice/items/{len(practice_items()) + 1}", None, 404),
        ("POST", "/api/practice/answers", {"position": 1, "answer": "Z", "idempotency_key": "a"}, 422),
        ("POST", "/api/practice/answers", {"position": 2, "answer": ["A", "C", "D"], "idempotency_key": "b"}, 422),
        ("POST", "/api/practice/answers", {"position": 1, "answer": "A"}, 422),
        ("POST", "/api/practice/answers", {"position": "1", "answer": "A", "idempotency_key": "c"}, 422),
        ("POST", "/api/practice/answers", [1, 2], 400),
        ("PUT", "/api/practice/display", {"colour_scheme": "pink"}, 422),
        ("PUT", "/api/practice/display", {"font_size": 101}, 422),
        ("POST", "/api/practice/alerts", {"position": "x"}, 422),
    ]
    for method, url, body, status in checks:
        response = runner.call(method, url, body)
        assert response.status_code == status, (method, url, body, response.get_json())
        assert response.get_json()["message"]
    no_token = runner.client.post("/api/practice/answers", json={"position": 1, "answer": "A", "idempotency_key": "d"},
                                  headers={"Accept": "application/json"})
    assert no_token.status_code == 400  # CSRF, as the runner's
    chosen = runner.call("PUT", "/api/practice/display", {"colour_scheme": "yellow-on-black", "font_size": 400})
    assert chosen.get_json()["colour_scheme"] == "yellow-on-black" and 400 in chosen.get_json()["font_sizes"]
    alert = runner.call("POST", "/api/practice/alerts", {"position": 1, "message": "help"})
    assert alert.status_code == 201 and "no one was alerted" in alert.get_json()["message"]


def test_the_clock_runs_out(app):
    app.config["PRACTICE_MINUTES"] = 0
    try:
        runner = started(app.test_client())
        status = runner.call("GET", "/api/practice").get_json()
        assert status["open"] is False and status["end"] == "timed_out" and status["remaining_seconds"] == 0
        assert runner.call("GET", "/api/practice/items/1").status_code == 409
        assert "The time ran out" in runner.client.get("/practice/finished").get_data(as_text=True)
    finally:
        app.config.pop("PRACTICE_MINUTES")


def test_the_pages_run_the_real_player_with_no_sign_in(app):
    client = app.test_client()
    assert "Try a practice test first" in client.get("/learner/sign-in").get_data(as_text=True)
    assert client.get("/practice/test").status_code == 302  # nothing started yet
    intro = client.get("/practice").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', intro).group(1)
    started_page = client.post("/practice/start", data={"csrf_token": token})
    assert started_page.status_code == 302 and started_page.location.endswith("/practice/test")
    page = client.get("/practice/test").get_data(as_text=True)
    assert 'data-api="/api/practice"' in page and 'data-finished="/practice/finished"' in page
    assert 'data-url="/api/practice/display"' in page and 'id="read-aloud"' in page
    assert "nothing is stored" in page and "js/runner.js" in page
    assert client.get("/practice/finished").status_code == 302  # still running
