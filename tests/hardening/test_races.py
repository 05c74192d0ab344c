"""Two tabs and double clicks: requests racing on one attempt leave one consistent state.

Each test fires the same or competing requests from several threads at once (each its own
browser tab: the same session cookie, its own connection) and checks the database after.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier, Thread

from sqlalchemy import func, select

from exam_engine.core.extensions import db
from exam_engine.core.transactions import unit_of_work
from exam_engine.delivery.models import AnswerEvent, Attempt, AttemptItem, Response
from exam_engine.delivery.services import submission
from exam_engine.delivery.services.answers import save_answer
from exam_engine.delivery.services.attempts import marks_of
from exam_engine.delivery.services.submission import reconciliation
from invigilation.models.event_log import EventRecord
from invigilation.services.event_log import verify_log
from invigilation.services.timing import timing
from tests.delivery.factory import make_sitting
from tests.delivery.runner_client import Runner
from tests.delivery.test_answers import first_option, started

TABS = 6


def race(app, runner, call: Callable) -> list:
    """Run `call(tab)` in TABS threads released together; each tab carries the runner's cookie."""
    return together(app, runner, [call] * TABS)


def together(app, runner, calls: list[Callable]) -> list:
    """Run each `call(tab)` in a thread of its own, all released at once, each in a tab with the runner's cookie."""
    cookie = runner.client.get_cookie("session").value
    tabs = []
    for _ in calls:
        tab = app.test_client()
        tab.set_cookie("session", cookie)
        tabs.append(tab)
    gate = Barrier(len(calls))

    def go(tab_and_call):
        tab, call = tab_and_call
        gate.wait()
        return call(tab)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, zip(tabs, calls)))


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


def _keyed_entry(attempt: int) -> AttemptItem:
    """A single-best-answer item of the attempt (its key is one option id)."""
    items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt)
                               .order_by(AttemptItem.position)).all()
    return next(e for e in items if isinstance(e.item_version.key, str))


def _scored_as_stored(attempt_id: int) -> tuple[Attempt, list[AnswerEvent]]:
    """The ended attempt, checked: its marks are what its stored answers earn, none stored after the end."""
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    stored = sum(marks for entry, marks in zip(attempt.items, marks_of(attempt.items)) if not entry.pretest)
    assert not attempt.is_open and attempt.score["marks"] == stored
    events = _events(attempt_id)
    assert all(event.received_at <= attempt.ended_at for event in events)
    report = reconciliation(attempt)
    assert report["all_stored"], report["problems"]
    return attempt, events


def test_an_answer_arriving_as_the_submit_waits_for_the_lock_is_scored(app, make_user, design, monkeypatch):
    """The answer is stored while the submit is on its way to the attempt's lock: it must count."""
    setup, runner, attempt = started(app, make_user, design)
    entry = _keyed_entry(attempt)
    tab = app.test_client()
    tab.set_cookie("session", runner.client.get_cookie("session").value)
    replies = []
    real_lock = submission.lock_attempt

    def answer_then_lock(attempt_id: int) -> None:
        if not replies:
            body = {"position": entry.position, "answer": entry.item_version.key, "idempotency_key": "last"}
            worker = Thread(target=lambda: replies.append(_post(tab, runner, f"/api/runner/attempts/{attempt}/answers",
                                                                body)))
            worker.start()
            worker.join()
        real_lock(attempt_id)

    monkeypatch.setattr(submission, "lock_attempt", answer_then_lock)
    assert runner.call("POST", f"/api/runner/attempts/{attempt}/submit").status_code == 200
    assert replies[0].status_code == 200  # acknowledged, so it must be scored
    ended, events = _scored_as_stored(attempt)
    assert ended.score["marks"] == 1 and [e.idempotency_key for e in events] == ["last"]


def test_an_answer_just_before_the_deadline_is_scored_when_the_time_out_closes(app, make_user, design, monkeypatch):
    """The time-out path: the status poll after the deadline closes the attempt; an answer stored
    just before the deadline, while that poll waits for the lock, counts; the attempt ends at the deadline."""
    setup, runner, attempt_id = started(app, make_user, design)
    entry = _keyed_entry(attempt_id)
    db.session.refresh(setup.sitting)  # started by the request
    deadline = timing(setup.sitting).deadline
    real_lock = submission.lock_attempt
    saved = []

    def answer_then_lock(locked_id: int) -> None:
        if not saved:
            def save() -> None:
                with app.app_context():
                    saved.append(save_answer(setup.learner, attempt_id, entry.position, entry.item_version.key,
                                             "just-in-time", now=deadline - timedelta(seconds=1)))
            worker = Thread(target=save)
            worker.start()
            worker.join()
        real_lock(locked_id)

    monkeypatch.setattr(submission, "lock_attempt", answer_then_lock)
    with unit_of_work():
        assert submission.close_if_time_up(db.session.get(Attempt, attempt_id), deadline + timedelta(seconds=5))
    ended, _ = _scored_as_stored(attempt_id)
    assert saved and ended.ended_at == deadline and ended.end.value == "timed_out" and ended.score["marks"] == 1


def test_answers_hammered_against_submits_are_each_scored_or_refused(app, make_user, design):
    """Many tries of one answer and one submit sent at the same moment: whichever wins the lock,
    an acknowledged answer is scored and a refused one is not stored."""
    tries, outcomes = 8, []
    first, runner, _ = started(app, make_user, design)
    for n in range(tries):
        setup = make_sitting(make_user, candidate_number=f"9{n:03d}", session=first.sitting.session)
        tab_runner = Runner(app.test_client())
        tab_runner.enter(setup.sitting)
        attempt = tab_runner.start(setup.sitting.id)["attempt"]
        entry = _keyed_entry(attempt)
        body = {"position": entry.position, "answer": entry.item_version.key, "idempotency_key": f"race-{n}"}
        url = f"/api/runner/attempts/{attempt}"
        answer, submitted = together(app, tab_runner, [
            lambda tab, r=tab_runner, url=url, body=body: _post(tab, r, f"{url}/answers", body),
            lambda tab, r=tab_runner, url=url: _post(tab, r, f"{url}/submit")])
        assert answer.status_code in (200, 409) and submitted.status_code == 200
        ended, events = _scored_as_stored(attempt)
        assert (answer.status_code == 200) == bool(events) == (ended.score["marks"] == 1)
        outcomes.append(answer.status_code)
    assert len(outcomes) == tries
