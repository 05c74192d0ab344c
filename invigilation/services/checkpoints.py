"""Checkpoints: the session's chain commits to the head of every attempt's chain.

Invigilation does not know about attempts; delivery registers a provider
(`register_attempt_heads`) that lists, for a session, each attempt's (id, length, head).
A checkpoint appends them to the session's chain as one `log.checkpoint` record, so the
session head, once signed (`invigilation.services.signing`), commits to every answer.
Checkpoints are taken when the session ends, when the register is signed, and by
`exam-engine checkpoint-logs`, which cron (or the awarding body) runs: the app has no
scheduler of its own.
"""

from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.core.extensions import db
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import TestSession
from invigilation.services.event_log import append_event

CHECKPOINT = "log.checkpoint"
ATTEMPT_ENDED = "attempt.ended"


class AttemptHead(NamedTuple):
    attempt: int
    length: int
    head: str


AttemptHeads = Callable[[int], list[AttemptHead]]


def _no_attempts(session_id: int) -> list[AttemptHead]:
    return []


_heads: AttemptHeads = _no_attempts


def register_attempt_heads(provider: AttemptHeads) -> None:
    """Delivery calls this once at start-up with its own provider."""
    global _heads
    _heads = provider


def needs_checkpoint(session: TestSession) -> bool:
    """Whether anything was logged since the session's last checkpoint, in its chain or an attempt's."""
    last = db.session.scalar(select(EventRecord).where(EventRecord.session_id == session.id,
                                                       EventRecord.kind == CHECKPOINT)
                             .order_by(EventRecord.sequence.desc()).limit(1))
    if last is None or last.hash != session.log_head:
        return True
    return [AttemptHead(*entry) for entry in last.data["attempts"]] != _heads(session.id)


def checkpoint(session: TestSession, actor: User | str | None = None) -> EventRecord:
    """Append the heads of all the session's attempts to its chain (in the caller's transaction)."""
    heads = _heads(session.id)
    return append_event(session.id, CHECKPOINT, {"attempts": [list(head) for head in heads]}, actor)
