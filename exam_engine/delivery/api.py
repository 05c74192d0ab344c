"""The test runner's JSON API (`/api/runner/...`), described by `openapi.yaml` at `/api/openapi.json`.

The learner's pages drive a sitting through these routes alone, so another front end
could too. Refusals are JSON `{"error": code, "message": text}` with the status the
service chose (and `Retry-After` when throttled). Every state-changing request needs the
CSRF token in `X-CSRFToken`. Only the browser the candidate signed in on may act on their
test (`services.seating`), and where the session requires Safe Exam Browser only SEB with the
session's settings (`services.lockdown`): any other is refused before the route runs.
"""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml
from flask import Blueprint, Response, current_app, jsonify, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user
from flask_wtf.csrf import generate_csrf

from exam_engine.auth.access import public, roles_required
from exam_engine.auth.roles import Role
from exam_engine.core import throttle
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.delivery.errors import DeliveryError
from exam_engine.delivery.models import Attempt, AttemptItem
from exam_engine.delivery.presenters import item_view, review_view, sitting_view, status_view
from exam_engine.delivery.services import answers, attempts, lockdown, seating, submission
from exam_engine.delivery.services.display import choose, display_for

bp = Blueprint("runner_api", __name__, url_prefix="/api")
RECONCILIATIONS, RECONCILIATION_WINDOW = "reconciliation:attempt", timedelta(minutes=1)
OPENAPI = Path(__file__).with_name("openapi.yaml")
learner_only = roles_required(Role.LEARNER)
View = TypeVar("View", bound=Callable[..., Any])


def refusals_as(answer: Callable[[DeliveryError], ResponseReturnValue]) -> Callable[[View], View]:
    """A decorator that answers a service's refusal with `answer(error)`, its changes rolled back."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                return view(*args, **kwargs)
            except DeliveryError as error:
                db.session.rollback()
                return answer(error)

        return cast(View, wrapped)

    return decorate


def retry_after(error: DeliveryError) -> dict[str, str]:
    """The header telling a throttled client when to try again."""
    return {"Retry-After": str(error.retry_after)} if error.retry_after else {}


def refused(error: DeliveryError) -> ResponseReturnValue:
    return jsonify(error=error.code, message=str(error)), error.status, retry_after(error)


refusals = refusals_as(refused)
"""Turn a service's refusal into a JSON error with its status."""


@bp.before_request
def only_the_seat_holder() -> ResponseReturnValue | None:
    """Refuse a learner's browser that fails the session's Safe Exam Browser check, or that does not
    hold the seat of the test the request names."""
    if not current_user.is_authenticated or current_user.role is not Role.LEARNER:
        return None
    args = request.view_args or {}
    sitting = seating.named_sitting(args.get("attempt_id"), args.get("sitting_id"))
    refusal = lockdown.refusal(current_user, sitting) or seating.refusal(current_user, sitting)
    return refused(refusal) if refusal is not None else None


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DeliveryError("send a JSON object", "invalid_request", 400)
    return data


def whole_number(data: dict[str, Any], name: str, what: str) -> int | None:
    """`data[name]` if it is a whole number (true and false are not), None if absent; a clear 422 otherwise."""
    value = data.get(name)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise DeliveryError(f"give {what} as a whole number in '{name}'", "invalid_request", 422)


def text_or_none(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None or isinstance(value, str):
        return value
    raise DeliveryError(f"'{name}' must be text", "invalid_request", 422)


def refreshed(attempt_id: int) -> Any:
    """The attempt with a run-out clock closed first (so every status says the truth)."""
    attempt = attempts.own_attempt(current_user, attempt_id)
    submission.expire_if_due(attempt, utcnow())
    return attempt


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    return jsonify(yaml.safe_load(OPENAPI.read_text(encoding="utf-8")))


@bp.get("/runner/session")
@public
@refusals
def runner_session() -> Any:
    signed_in = current_user.is_authenticated and current_user.role is Role.LEARNER
    sitting = attempts.current_sitting(current_user) if signed_in else None
    return jsonify(csrf_token=generate_csrf(), signed_in=signed_in,
                   sitting=sitting_view(sitting, attempts.attempt_of(sitting), utcnow()) if sitting else None)


@bp.post("/runner/sign-in")
@public
@refusals
def sign_in() -> Any:
    data = body()
    signed_in = seating.sign_in(text_or_none(data, "candidate_number") or "", text_or_none(data, "code") or "")
    login_user(signed_in.learner)
    session.permanent = True
    sitting = signed_in.sitting
    return jsonify(csrf_token=generate_csrf(), sitting=sitting_view(sitting, attempts.attempt_of(sitting), utcnow()))


@bp.post("/runner/sittings/<int:sitting_id>/unlock")
@learner_only
@refusals
def unlock(sitting_id: int) -> Any:
    sitting = attempts.own_sitting(current_user, sitting_id)
    seating.unlock(current_user, sitting, text_or_none(body(), "key") or "")
    return jsonify(sitting_view(sitting, attempts.attempt_of(sitting), utcnow()))


@bp.get("/runner/sittings/<int:sitting_id>")
@learner_only
@refusals
def sitting(sitting_id: int) -> Any:
    found = attempts.own_sitting(current_user, sitting_id)
    return jsonify(sitting_view(found, attempts.attempt_of(found), utcnow()))


@bp.post("/runner/sittings/<int:sitting_id>/cancel")
@learner_only
@refusals
def cancel(sitting_id: int) -> Any:
    attempts.cancel_before_start(current_user, sitting_id)
    return jsonify(cancelled=True, message="Your test has not started. Tell your invigilator what was wrong.")


@bp.post("/runner/sittings/<int:sitting_id>/start")
@learner_only
@refusals
def start(sitting_id: int) -> Any:
    attempt = attempts.start(current_user, sitting_id, body().get("declaration_accepted") is True)
    return jsonify(status_view(attempt, utcnow())), 201


@bp.get("/runner/attempts/<int:attempt_id>")
@learner_only
@refusals
def status(attempt_id: int) -> Any:
    return jsonify(status_view(refreshed(attempt_id), utcnow()))


@bp.get("/runner/attempts/<int:attempt_id>/items/<int:position>")
@learner_only
@refusals
def item(attempt_id: int, position: int) -> Any:
    attempt, entry = given_item(attempt_id, position)
    return jsonify(item=item_view(entry), status=status_view(attempt, utcnow()))


@bp.get("/runner/attempts/<int:attempt_id>/items/<int:position>/media/<name>")
@learner_only
@refusals
def item_medium(attempt_id: int, position: int, name: str) -> Response:
    """An image an item of the learner's open test shows: seen as its text is, and never kept by the browser."""
    _, entry = given_item(attempt_id, position)
    medium = next((m for m in entry.item_version.media if m.name == name), None)
    if medium is None:
        raise DeliveryError(f"item {position} has no image {name!r}", "not_found", 404)
    return Response(medium.data, mimetype=medium.content_type,
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def given_item(attempt_id: int, position: int) -> tuple[Attempt, AttemptItem]:
    """The learner's open attempt and its item at `position`; a refusal once the test has ended."""
    attempt = refreshed(attempt_id)
    if not attempt.is_open:
        raise DeliveryError("Your test has ended; its items are no longer shown.", "attempt_ended")
    entry = next((e for e in attempt.items if e.position == position), None)
    if entry is None:
        raise DeliveryError(f"item {position} is not part of your test", "not_found", 404)
    return attempt, entry


@bp.post("/runner/attempts/<int:attempt_id>/answers")
@learner_only
@refusals
def answer(attempt_id: int) -> Any:
    data = body()
    position = whole_number(data, "position", "the item's position")
    if position is None:
        raise DeliveryError("give the item's position as a whole number in 'position'", "invalid_request", 422)
    ack = answers.save_answer(current_user, attempt_id, position, data.get("answer"),
                              text_or_none(data, "idempotency_key") or "", text_or_none(data, "client_time"))
    return jsonify({**ack, "status": status_view(attempts.own_attempt(current_user, attempt_id), utcnow())})


@bp.put("/runner/attempts/<int:attempt_id>/items/<int:position>/flag")
@learner_only
@refusals
def flag(attempt_id: int, position: int) -> Any:
    answers.set_flag(current_user, attempt_id, position, body().get("flagged") is True)
    return jsonify(review=review_view(attempts.own_attempt(current_user, attempt_id)))


@bp.post("/runner/attempts/<int:attempt_id>/next")
@learner_only
@refusals
def next_item(attempt_id: int) -> Any:
    after = whole_number(body(), "after", "the position of the item you are leaving")
    if after is None:
        raise DeliveryError("give the position of the item you are leaving as a whole number in 'after'",
                            "invalid_request", 422)
    return jsonify(position=answers.next_item(current_user, attempt_id, after)), 201


@bp.get("/runner/attempts/<int:attempt_id>/review")
@learner_only
@refusals
def review(attempt_id: int) -> Any:
    return jsonify(review=review_view(refreshed(attempt_id)))


@bp.post("/runner/attempts/<int:attempt_id>/submit")
@learner_only
@refusals
def submit(attempt_id: int) -> Any:
    attempt = submission.submit(current_user, attempt_id)
    return jsonify(status=status_view(attempt, utcnow()), reconciliation=submission.reconciliation(attempt))


@bp.post("/runner/attempts/<int:attempt_id>/reconciliation")
@learner_only
@refusals
def reconciliation(attempt_id: int) -> Any:
    acknowledged = body().get("acknowledged") or []
    if not isinstance(acknowledged, list) or not all(isinstance(key, str) for key in acknowledged):
        raise DeliveryError("acknowledged must be a list of idempotency keys", "invalid_request", 422)
    limit = throttle.Limit(current_app.config["RECONCILIATIONS_PER_ATTEMPT"], RECONCILIATION_WINDOW)
    if not throttle.allow(RECONCILIATIONS, str(attempt_id), limit, utcnow()):
        raise DeliveryError("The check of your answers was just made; try again in a minute.",
                            "too_many_checks", 429, 60)
    return jsonify(submission.reconciliation(refreshed(attempt_id), acknowledged))


@bp.get("/runner/attempts/<int:attempt_id>/result")
@learner_only
@refusals
def result(attempt_id: int) -> Any:
    attempt = refreshed(attempt_id)
    if attempt.is_open:
        raise DeliveryError("The result is known when the test has ended.", "attempt_open")
    return jsonify(submission.provisional_result(attempt))


@bp.post("/runner/attempts/<int:attempt_id>/alerts")
@learner_only
@refusals
def alert(attempt_id: int) -> Any:
    data = body()
    answers.alert(current_user, attempt_id, whole_number(data, "position", "the item's position"),
                  text_or_none(data, "message") or "")
    return jsonify(raised=True, message="Your invigilator has been alerted and will come to you."), 201


@bp.put("/runner/attempts/<int:attempt_id>/display")
@learner_only
@refusals
def display(attempt_id: int) -> Any:
    attempt = attempts.own_attempt(current_user, attempt_id)
    data = body()
    size = whole_number(data, "font_size", "the text size in per cent")
    try:
        chosen = choose(attempt.id, attempt.sitting.candidate.arrangements, text_or_none(data, "colour_scheme"), size)
    except ValueError as error:
        raise DeliveryError(str(error), "invalid_display", 422) from error
    return jsonify(chosen.as_dict())


@bp.get("/runner/attempts/<int:attempt_id>/display")
@learner_only
@refusals
def display_options(attempt_id: int) -> Any:
    attempt = attempts.own_attempt(current_user, attempt_id)
    return jsonify(display_for(attempt.id, attempt.sitting.candidate.arrangements).as_dict())
