"""The practice test's pages (`/practice`) and JSON (`/api/practice/...`), open to everyone with no sign-in.

The page is the real player (`delivery/runner.html` with `static/js/runner.js`) pointed at
`/api/practice`, whose routes answer the bodies the runner's `/api/runner/attempts/<id>/...` routes
do (status, items, answers, flag, review, submit, alerts, display). The state is the visitor's signed
session only (`services.practice`): no attempt, sitting or answer row is ever written. Refusals are
the runner's JSON errors; state-changing requests need the CSRF token in `X-CSRFToken`, as the runner's.
"""

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from exam_engine.assembly.blueprint import Mode
from exam_engine.auth.access import public
from exam_engine.core.database import utcnow
from exam_engine.delivery.api import body, refusals, refused, text_or_none, whole_number
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.presenters import shown_item, spoken_duration
from exam_engine.delivery.services import practice

pages = Blueprint("practice", __name__, url_prefix="/practice", template_folder="templates")
api = Blueprint("practice_api", __name__, url_prefix="/api/practice")
ALERT_MESSAGE = ("This is practice, so no one was alerted. In your real test your invigilator is alerted "
                 "and comes to you; you can also raise your hand.")


@api.before_request
def json_objects_only() -> ResponseReturnValue | None:
    """A body, where a request sends one, must be a JSON object, even on a route that reads none."""
    if request.get_data() and not isinstance(request.get_json(silent=True), dict):
        return refused(DeliveryError("send a JSON object, or no body", "invalid_request", 400))
    return None


def _state() -> dict[str, Any] | None:
    try:
        return practice.current(utcnow())
    except DeliveryError:
        return None


@pages.get("")
@public
def intro() -> str:
    state = _state()
    return render_template("delivery/practice_intro.html", items=len(practice.practice_items()),
                           minutes=spoken_duration(practice.minutes() * 60),
                           running=state is not None and practice.is_open(state), display=practice.display(state))


@pages.post("/start")
@public
def start() -> ResponseReturnValue:
    practice.begin(utcnow())
    return redirect(url_for("practice.test"))


@pages.get("/test")
@public
def test() -> ResponseReturnValue:
    state = _state()
    if state is None:
        return redirect(url_for("practice.intro"))
    if not practice.is_open(state):
        return redirect(url_for("practice.finished"))
    items = len(practice.practice_items())
    return render_template("delivery/runner.html", practice=True, status=practice.status(state, utcnow()),
                           attempt={"id": state["run"], "mode": Mode.FIXED, "planned_items": items},
                           display=practice.display(state), api_url=url_for("practice_api.status"),
                           finished_url=url_for("practice.finished"), display_url=url_for("practice_api.display"))


@pages.get("/finished")
@public
def finished() -> ResponseReturnValue:
    """The practice receipt: nothing was stored; the score, question by question, and a link to try again."""
    state = _state()
    if state is None:
        return redirect(url_for("practice.intro"))
    if practice.is_open(state):
        return redirect(url_for("practice.test"))
    return render_template("delivery/practice_finished.html", result=practice.result(state),
                           display=practice.display(state))


def _open_state() -> dict[str, Any]:
    return practice.current(utcnow())


@api.get("")
@public
@refusals
def status() -> Any:
    return jsonify(practice.status(_open_state(), utcnow()))


@api.post("/start")
@public
@refusals
def begin() -> Any:
    return jsonify(practice.status(practice.begin(utcnow()), utcnow())), 201


@api.get("/items/<int:position>")
@public
@refusals
def item(position: int) -> Any:
    state = _open_state()
    content, learners = practice.shown(state, position)
    return jsonify(item=shown_item(content, position) | learners, status=practice.status(state, utcnow()))


@api.post("/answers")
@public
@refusals
def answer() -> Any:
    data = body()
    position = whole_number(data, "position", "the item's position")
    if position is None:
        raise DeliveryError("give the item's position as a whole number in 'position'", "invalid_request", 422)
    state = _open_state()
    ack = practice.save_answer(state, position, data.get("answer"), text_or_none(data, "idempotency_key") or "",
                               utcnow())
    return jsonify({**ack, "status": practice.status(state, utcnow())})


@api.put("/items/<int:position>/flag")
@public
@refusals
def flag(position: int) -> Any:
    flagged = body().get("flagged") is True
    state = _open_state()
    practice.set_flag(state, position, flagged)
    return jsonify(review=practice.review(state))


@api.get("/review")
@public
@refusals
def review() -> Any:
    return jsonify(review=practice.review(_open_state()))


@api.post("/submit")
@public
@refusals
def submit() -> Any:
    state = _open_state()
    practice.submit(state, utcnow())
    return jsonify(status=practice.status(state, utcnow()), result=practice.result(state))


@api.post("/alerts")
@public
@refusals
def alert() -> Any:
    data = body()
    whole_number(data, "position", "the item's position")
    text_or_none(data, "message")
    _open_state()
    return jsonify(raised=False, message=ALERT_MESSAGE), 201


@api.get("/display")
@public
@refusals
def display_options() -> Any:
    return jsonify(practice.display(_open_state()).as_dict())


@api.put("/display")
@public
@refusals
def display() -> Any:
    data = body()
    size = whole_number(data, "font_size", "the text size in per cent")
    scheme = text_or_none(data, "colour_scheme")
    return jsonify(practice.choose_display(_open_state(), scheme, size).as_dict())

