"""Answers: stored once per idempotency key, refused after the deadline and while paused, kept on resume."""

from sqlalchemy import func, select

from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.models import AnswerEvent, Attempt, AttemptRecord, Response
from exam_engine.delivery.services.attempt_log import verify_attempt
from exam_engine.delivery.services.submission import HELD_BACK
from invigilation.models.sessions import Pause, PauseReason, Sitting
from invigilation.services import conduct, seats
from invigilation.services.event_log import verify_log
from invigilation.states import SittingState
from tests.delivery.factory import UNIT, make_items, shift_start
from tests.delivery.runner_client import Runner, seated


def started(app, make_user, design, mode="fixed", items=4, **kwargs):
    design(mode, items)
    make_items()
    setup, runner = seated(app.test_client(), make_user, **kwargs)
    status = runner.start(setup.sitting.id)
    return setup, runner, status["attempt"]


def first_option(runner, attempt, position):
    item = runner.call("GET", f"/api/runner/attempts/{attempt}/items/{position}").get_json()["item"]
    if item["type"] == "single_best_answer":
        return item["options"][0]["id"]
    if item["type"] == "multiple_response":
        return [o["id"] for o in item["options"][: item["select"]]]
    return [o["id"] for o in item["options"]]


def test_an_answer_posted_twice_with_one_key_is_stored_once(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design)
    answer = first_option(runner, attempt, 1)
    first = runner.answer(attempt, 1, answer, "key-1")
    again = runner.answer(attempt, 1, answer, "key-1")
    assert first.status_code == again.status_code == 200
    assert first.get_json()["duplicate"] is False and again.get_json()["duplicate"] is True
    assert again.get_json()["sequence"] == first.get_json()["sequence"] == 1
    assert db.session.scalar(select(func.count(AnswerEvent.id)).where(AnswerEvent.attempt_id == attempt)) == 1
    logged = db.session.scalars(select(AttemptRecord).where(AttemptRecord.attempt_id == attempt,
                                                            AttemptRecord.kind == "answer.saved")).all()
    assert len(logged) == 1 and logged[0].data["idempotency_key"] == "key-1"
    assert verify_attempt(db.session.get(Attempt, attempt)).ok and verify_log(setup.sitting.session_id).ok


def test_sequence_grows_and_the_latest_change_is_the_stored_answer(app, make_user, design):
    _, runner, attempt = started(app, make_user, design)
    item = runner.call("GET", f"/api/runner/attempts/{attempt}/items/1").get_json()["item"]
    choices = [o["id"] for o in item["options"]]
    answers = [choices[:1], choices[1:2]] if item["type"] == "multiple_response" else None
    if item["type"] == "single_best_answer":
        answers = [choices[0], choices[1]]
    if item["type"] == "ordering":
        answers = [choices, list(reversed(choices))]
    sequences = [runner.answer(attempt, 1, a, f"k{n}").get_json()["sequence"] for n, a in enumerate(answers)]
    assert sequences == [1, 2]
    stored = runner.call("GET", f"/api/runner/attempts/{attempt}/items/1").get_json()["item"]
    assert stored["answer"] == answers[1] and stored["answer_sequence"] == 2


def test_an_answer_after_the_deadline_is_refused_and_earlier_answers_remain(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design, minutes=1)
    answer = first_option(runner, attempt, 1)
    assert runner.answer(attempt, 1, answer, "before").status_code == 200
    shift_start(setup.sitting, 61)
    late = runner.answer(attempt, 2, first_option_from_db(attempt, 2), "after")
    assert late.status_code == 409 and late.get_json()["error"] == "attempt_ended"
    db.session.expire_all()
    stored = db.session.get(Attempt, attempt)
    assert stored.end.value == "timed_out" and stored.sitting.state is SittingState.TIMED_OUT
    assert [e.position for e in stored.items if e.response] == [1]
    assert stored.items[0].response.answer == answer


def first_option_from_db(attempt_id, position):
    entry = db.session.get(Attempt, attempt_id).items[position - 1]
    options = [o["id"] for o in entry.item_version.options]
    if entry.item_version.type.value == "single_best_answer":
        return options[0]
    return options[: entry.item_version.select or 4]


def test_a_paused_test_refuses_answers_and_says_why(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design)
    sitting = setup.sitting
    db.session.refresh(sitting)
    db.session.add(Pause(sitting_id=sitting.id, reason=PauseReason.EVACUATION, started_at=utcnow()))
    sitting.state = SittingState.PAUSED
    db.session.commit()
    status = runner.call("GET", f"/api/runner/attempts/{attempt}").get_json()
    assert status["paused"] is True and status["pause_reason"] == "evacuation"
    refused = runner.answer(attempt, 1, first_option_from_db(attempt, 1), "paused")
    assert refused.status_code == 423 and refused.get_json()["error"] == "paused"


def test_resume_on_another_workstation_gives_the_same_items_answers_and_time(app, make_user, design):
    """The JCQ technical-failure path: the invigilator lets the candidate in again, the test is paused,
    the candidate signs in on another workstation, and is resumed with the same items, answers and time."""
    setup, runner, attempt = started(app, make_user, design, mode="loft")
    answer = first_option(runner, attempt, 2)
    runner.answer(attempt, 2, answer, "a")
    before = [runner.call("GET", f"/api/runner/attempts/{attempt}/items/{p}").get_json()["item"] for p in (1, 2, 3, 4)]
    other = Runner(app.test_client())
    db.session.expire_all()  # the requests changed the sitting behind this test's session
    sitting = db.session.get(Sitting, setup.sitting.id)
    assert other.sign_in(setup.candidate_number, sitting.sign_in_code).status_code == 409  # not without the invigilator
    seats.readmit(sitting, setup.invigilator, "the workstation froze")
    db.session.commit()
    signed = other.sign_in(setup.candidate_number, sitting.sign_in_code).get_json()
    assert signed["sitting"]["attempt"] == attempt, signed
    assert runner.call("GET", f"/api/runner/attempts/{attempt}").status_code == 409  # the old browser lost the seat
    conduct.resume(sitting, setup.invigilator)
    db.session.commit()
    resumed = other.start(setup.sitting.id)
    assert resumed["attempt"] == attempt
    after = [other.call("GET", f"/api/runner/attempts/{attempt}/items/{p}").get_json()["item"] for p in (1, 2, 3, 4)]
    assert after == before and after[1]["answer"] == answer
    assert abs(resumed["remaining_seconds"] - 30 * 60) < 30


def test_extra_time_from_access_arrangements_is_applied(app, make_user, design):
    _, runner, attempt = started(app, make_user, design, minutes=40, extra_time=25)
    status = runner.call("GET", f"/api/runner/attempts/{attempt}").get_json()
    assert status["allowed_seconds"] == 40 * 60 * 1.25


def test_submit_scores_finishes_and_reconciles(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design)
    keys = []
    for position in (1, 2, 3):
        keys.append(f"s{position}")
        assert runner.answer(attempt, position, first_option(runner, attempt, position), keys[-1]).status_code == 200
    result = runner.call("POST", f"/api/runner/attempts/{attempt}/submit").get_json()
    assert result["status"]["open"] is False and result["status"]["end"] == "submitted"
    report = runner.call("POST", f"/api/runner/attempts/{attempt}/reconciliation", {"acknowledged": keys}).get_json()
    assert report["all_stored"] and report["answer_changes_stored"] == 3 and report["items_answered"] == 3
    assert report["event_log_intact"]
    missing = runner.call("POST", f"/api/runner/attempts/{attempt}/reconciliation",
                          {"acknowledged": keys + ["never-sent"]}).get_json()
    assert missing["acknowledgements_missing"] == ["never-sent"] and not missing["all_stored"]
    db.session.expire_all()
    done = db.session.get(Attempt, attempt)
    assert done.sitting.state is SittingState.FINISHED and done.score["scored_items"] == 4
    assert runner.answer(attempt, 4, first_option_from_db(attempt, 4), "late").status_code == 409
    assert db.session.scalar(select(func.count(Response.id))) == 3


def test_adaptive_tests_go_forward_only(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design, mode="cat", items=3)
    assert runner.answer(attempt, 1, first_option(runner, attempt, 1), "c1").status_code == 200
    assert runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": 1}).get_json()["position"] == 2
    back = runner.answer(attempt, 1, first_option_from_db(attempt, 1), "c2")
    assert back.status_code == 409 and back.get_json()["error"] == "forward_only"
    assert runner.call("PUT", f"/api/runner/attempts/{attempt}/items/2/flag", {"flagged": True}).status_code == 409
    runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": 2})
    assert runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": 3}).status_code == 409
    records = [entry.selection for entry in db.session.get(Attempt, attempt).items]
    assert [r["position"] for r in records] == [1, 2, 3]


def test_leaving_the_same_item_twice_gives_the_same_next_item(app, make_user, design):
    setup, runner, attempt = started(app, make_user, design, mode="cat", items=3)
    assert runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": 1}).get_json()["position"] == 2
    resent = runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": 1})
    assert resent.status_code == 201 and resent.get_json()["position"] == 2
    ahead = runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": 3})
    assert ahead.status_code == 409 and ahead.get_json()["error"] == "not_current"
    missing = runner.call("POST", f"/api/runner/attempts/{attempt}/next", {})
    assert missing.status_code == 422 and "after" in missing.get_json()["message"]
    assert [entry.position for entry in db.session.get(Attempt, attempt).items] == [1, 2]


def test_alert_reaches_invigilation_and_progress_shows_on_the_dashboard(app, make_user, design):
    from invigilation.models.sessions import Alert
    from invigilation.services.progress import sitting_progress

    setup, runner, attempt = started(app, make_user, design)
    assert sitting_progress(setup.sitting).label == "0 of 4 answered"
    runner.answer(attempt, 1, first_option(runner, attempt, 1), "p1")
    assert sitting_progress(setup.sitting).label == "1 of 4 answered"
    raised = runner.call("POST", f"/api/runner/attempts/{attempt}/alerts", {"position": 2, "message": "Typo in B"})
    assert raised.status_code == 201
    alert = db.session.scalar(select(Alert))
    assert alert.sitting_id == setup.sitting.id and alert.message == "Typo in B" and "(item 2)" in alert.item_ref


def test_replay_reproduces_a_submitted_adaptive_attempt(app, make_user, design, monkeypatch):
    import exam_engine.assembly.engine as assembly_engine
    from exam_engine.cli import cli

    setup, runner, attempt = started(app, make_user, design, mode="cat", items=3)
    for position in (1, 2, 3):
        runner.answer(attempt, position, first_option(runner, attempt, position), f"r{position}")
        if position < 3:
            assert runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": position}).status_code == 201
    last = runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": 3})
    assert last.get_json()["error"] == "no_more_items"
    solves = []
    solve = assembly_engine.maximise
    monkeypatch.setattr(assembly_engine, "maximise", lambda *args: solves.append(1) or solve(*args))
    runner.call("POST", f"/api/runner/attempts/{attempt}/submit")
    assert solves == []  # the steps kept as each item was chosen make the record: no test is assembled again
    db.session.expire_all()
    done = db.session.get(Attempt, attempt)
    assert done.record is not None and [s["item"] for s in done.record["steps"]] == \
        [e.item_version.item.code for e in done.items]
    assert done.score["complete"] and "theta" in done.score and "equivalent_marks" in done.score
    result = app.test_cli_runner().invoke(cli, ["replay", str(attempt)])
    assert result.exit_code == 0, result.output
    assert "Reproduced" in result.output and done.items[0].item_version.item.code in result.output


def test_the_result_is_shown_or_held_back_as_the_centre_says(app, make_user, design):
    from exam_engine.delivery.models import CentreResultSetting

    setup, runner, attempt = started(app, make_user, design)
    runner.answer(attempt, 1, first_option(runner, attempt, 1), "x1")
    assert runner.call("GET", f"/api/runner/attempts/{attempt}/result").get_json()["error"] == "attempt_open"
    runner.call("POST", f"/api/runner/attempts/{attempt}/submit")
    held = runner.call("GET", f"/api/runner/attempts/{attempt}/result").get_json()
    assert held == {"shown": False, "message": HELD_BACK}
    assert "you will find yours under My results" in runner.client.get(f"/learner/attempts/{attempt}/finished").text
    db.session.add(CentreResultSetting(centre_id=setup.sitting.session.centre_id, show_result=True))
    db.session.commit()
    shown = runner.call("GET", f"/api/runner/attempts/{attempt}/result").get_json()
    score = db.session.get(Attempt, attempt).score
    assert shown["shown"] and shown["provisional"] and shown["available_marks"] == 5
    assert shown["passed"] is None and shown["pass_mark"] is None  # no standard set: no grade, only marks
    assert shown["marks"] == score["marks"] <= 5


def test_an_adaptive_test_shows_its_true_length_from_the_first_question(app, make_user, design):
    """The reference form has five one-mark items, but every test reaches the five marks with a two-mark
    item among four: "Question 1 of 4", never "of 5" with a test that ends at 4."""
    design("cat", 4)
    app.config["DELIVERY_BLUEPRINTS"][UNIT].update(
        total_marks=5, reference_form=[f"T-Y-{n:02d}" for n in (2, 3, 5, 6, 9)],
        learning_outcomes=[{"number": "1", "min_marks": 1, "max_marks": 3, "criteria": ["1.1"]},
                           {"number": "2", "min_marks": 2, "max_marks": 2, "criteria": ["2.1"]},
                           {"number": "3", "min_marks": 1, "max_marks": 1, "criteria": ["3.1"]}],
        item_types=[{"type": "single_best_answer", "min_items": 1, "max_items": 3, "seconds": 60},
                    {"type": "multiple_response", "min_items": 0, "max_items": 1, "seconds": 60},
                    {"type": "ordering", "min_items": 1, "max_items": 1, "seconds": 60}])
    make_items(20)
    setup, runner = seated(app.test_client(), make_user)
    attempt = runner.start(setup.sitting.id)["attempt"]
    planned, position = [], 1
    while True:
        fetched = runner.call("GET", f"/api/runner/attempts/{attempt}/items/{position}").get_json()
        planned.append(fetched["status"]["items_planned"])
        runner.answer(attempt, position, first_option(runner, attempt, position), f"t{position}")
        moved = runner.call("POST", f"/api/runner/attempts/{attempt}/next", {"after": position})
        if moved.status_code != 201:
            assert moved.get_json()["message"] == "That was the last question. Submit your test when you are ready."
            break
        position = moved.get_json()["position"]
    assert position == 4 and planned == [4, 4, 4, 4]
