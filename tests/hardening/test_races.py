"""Two tabs and double clicks: requests racing on one attempt leave one consistent state.

Each test fires the same or competing requests from several threads at once (each its own
browser tab: the same session cookie, its own connection) and checks the database after.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from sqlalchemy import func, select

from exam_engine.core.extensions import db
from exam_engine.delivery.models import AnswerEvent, Attempt, AttemptItem, Response
from invigilation.models.event_log import EventRecord
from invigilation.services.event_log import verify_log
from tests.delivery.test_answers import first_option, started

TABS = 6


def race(app, runner, call: Callable) -> list:
    """Run `call(tab)` in TABS threads released together; each tab carries the runner's cookie."""
    cookie = runner.client.get_cookie("session").value
    tabs = []
    for _ in range(TABS):
        tab = app.test_client()
        tab.set_cookie("session", cookie)
        tabs.append(tab)
    gate = Barrier(TABS)

    def go(tab):
        gate.wait()
        return call(tab)

    with ThreadPoolExecutor(TABS) as pool:
        return list(pool.map(go, tabs))


def _post(tab, runner, url: str, body=None):
    return tab.open(url, method="POST", json=body, headers={"X-CSRFToken": runner.token, "Accept": "application/json"})


def _events(attempt: int) -> list[AnswerEvent]:
    return list(db.session.scalars(select(AnswerEvent).where(AnswerEvent.attempt_id == attempt)
                                   .order_by(AnswerEvent.sequence)))


def test_one_answer_sent_from_many_tabs_is_stored_once(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design)
    answer = first_option(runner, attempt, 1)
    replies = race(app, runner, lambda tab: _post(tab, runner, f"/api/runner/attempts/{attempt}/answers",
                                                  {"position": 1, "answer": answer, "idempotency_key": "same"}))
    assert [r.status_code for r in replies] == [200] * TABS
    assert {r.get_json()["sequence"] for r in replies} == {1}
    db.session.expire_all()
    assert len(_events(attempt)) == 1
    assert verify_log(setup.sitting.session_id).ok


def test_competing_answers_to_one_item_keep_one_response_and_a_gapless_sequence(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design)
    answer = first_option(runner, attempt, 1)
    keys = iter(range(TABS))
    replies = race(app, runner, lambda tab: _post(
        tab, runner, f"/api/runner/attempts/{attempt}/answers",
        {"position": 1, "answer": answer, "idempotency_key": f"tab-{next(keys)}"}))
    assert [r.status_code for r in replies] == [200] * TABS
    db.session.expire_all()
    events = _events(attempt)
    assert [e.sequence for e in events] == list(range(1, TABS + 1))
    item = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt, AttemptItem.position == 1))
    responses = db.session.scalars(select(Response).where(Response.attempt_item_id == item.id)).all()
    assert len(responses) == 1 and responses[0].sequence == TABS
    assert db.session.get(Attempt, attempt).next_sequence == TABS + 1
    assert verify_log(setup.sitting.session_id).ok


def test_a_double_submit_ends_the_attempt_once(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design)
    runner.answer(attempt, 1, first_option(runner, attempt, 1), "k1")
    replies = race(app, runner, lambda tab: _post(tab, runner, f"/api/runner/attempts/{attempt}/submit"))
    assert all(r.status_code in (200, 409) for r in replies) and any(r.status_code == 200 for r in replies)
    db.session.expire_all()
    ended = db.session.scalar(select(func.count()).select_from(EventRecord).where(
        EventRecord.session_id == setup.sitting.session_id, EventRecord.kind == "attempt.ended"))
    assert ended == 1
    assert not db.session.get(Attempt, attempt).is_open
    assert verify_log(setup.sitting.session_id).ok


def test_the_adaptive_engine_gives_one_next_item_however_many_tabs_ask(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design, mode="cat", items=4)
    runner.answer(attempt, 1, first_option(runner, attempt, 1), "k1")
    replies = race(app, runner, lambda tab: _post(tab, runner, f"/api/runner/attempts/{attempt}/next", {"after": 1}))
    assert [r.status_code for r in replies] == [201] * TABS
    assert {r.get_json()["position"] for r in replies} == {2}
    db.session.expire_all()
    items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt)).all()
    assert sorted(i.position for i in items) == [1, 2]
    assert len({i.item_version_id for i in items}) == 2
    assert verify_log(setup.sitting.session_id).ok
