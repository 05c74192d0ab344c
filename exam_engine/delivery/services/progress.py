"""Delivery's answer to the invigilator dashboard's progress hook: answers stored of items given."""

from sqlalchemy import func, select

from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt, AttemptItem, Response
from invigilation.models.sessions import Sitting
from invigilation.services.progress import Progress, register_progress_provider


def sitting_progress(sitting: Sitting) -> Progress:
    attempt_id = db.session.scalar(select(Attempt.id).where(Attempt.sitting_id == sitting.id))
    if attempt_id is None:
        return Progress()
    given = db.session.scalar(select(func.count(AttemptItem.id)).where(AttemptItem.attempt_id == attempt_id)) or 0
    answered = db.session.scalar(
        select(func.count(Response.id)).join(AttemptItem)
        .where(AttemptItem.attempt_id == attempt_id, Response.answer.is_not(None))) or 0
    return Progress(answered=answered, total=given)


def register() -> None:
    """Called by the app factory when delivery's blueprints are registered."""
    register_progress_provider(sitting_progress)
