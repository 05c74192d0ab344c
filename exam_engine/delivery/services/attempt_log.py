"""Each attempt's own hash-chained log: the items given, every answer change, the end.

A chain per attempt means a candidate's write touches only that candidate's rows (the
attempt, already locked by the write, and its records), never a row the whole room
shares. The chain's records are hashed exactly as the session's are
(`invigilation.services.event_log.chain_hash`, scope "attempt"). The attempt keeps its
head (length and last hash); when it ends, the session's chain records that head
(`attempt.ended`, whose sequence the attempt keeps as `anchor_sequence`), and each
checkpoint of the session lists every attempt's head (`log.checkpoint`), so the signed
session head commits to every attempt.

A learner's reconciliation verifies only the learner's own chain and its anchor: its
cost does not depend on the size of the room.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt, AttemptRecord
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import Sitting
from invigilation.services.checkpoints import ATTEMPT_ENDED, CHECKPOINT, AttemptHead, register_attempt_heads
from invigilation.services.event_log import (
    GENESIS,
    SESSION,
    Verification,
    actor_name,
    canonical_json,
    chain_hash,
    verify_chain,
)

ATTEMPT = "attempt"


def append(attempt: Attempt, kind: str, payload: dict[str, Any], actor: User | str | None,
           at: datetime) -> AttemptRecord:
    """Add a record to the attempt's chain in the caller's transaction. The caller holds the
    attempt's lock (`lock_attempt`) and read the attempt under it, or has just created it."""
    sequence, previous = attempt.log_length + 1, attempt.log_head or GENESIS
    text, name = canonical_json(payload), actor_name(actor)
    digest = chain_hash(ATTEMPT, attempt.id, sequence, kind, name, at, text, previous)
    record = AttemptRecord(attempt_id=attempt.id, sequence=sequence, kind=kind, actor=name, recorded_at=at,
                           payload=text, previous_hash=previous, hash=digest)
    db.session.add(record)
    attempt.log_length, attempt.log_head = sequence, digest
    return record


def records(attempt_id: int) -> Sequence[AttemptRecord]:
    return db.session.scalars(select(AttemptRecord).where(AttemptRecord.attempt_id == attempt_id)
                              .order_by(AttemptRecord.sequence, AttemptRecord.id)).all()


def verify_attempt(attempt: Attempt) -> Verification:
    """The attempt's chain against its head and, once it has ended, against the session record
    that committed to it: reads this attempt's records and one session record, nothing else."""
    own = records(attempt.id)
    chain = verify_chain(ATTEMPT, attempt.id, own, attempt.log_length, attempt.log_head)
    if not chain.ok or attempt.anchor_sequence is None:
        return chain
    anchor = db.session.scalar(select(EventRecord).where(EventRecord.session_id == attempt.sitting.session_id,
                                                         EventRecord.sequence == attempt.anchor_sequence))
    problem = _anchor_problem(attempt, anchor)
    if problem:
        return Verification(False, chain.records + 1, None, None, problem)
    return Verification(True, chain.records + 1)


def _anchor_problem(attempt: Attempt, anchor: EventRecord | None) -> str:
    if anchor is None:
        return f"the session's record {attempt.anchor_sequence}, which holds this attempt's end, is missing"
    if chain_hash(SESSION, anchor.session_id, anchor.sequence, anchor.kind, anchor.actor, anchor.recorded_at,
                  anchor.payload, anchor.previous_hash) != anchor.hash:
        return f"the session's record {anchor.sequence} of this attempt's end was altered"
    data = anchor.data
    if (anchor.kind, data.get("attempt"), data.get("log_length"), data.get("log_head")) != (
            ATTEMPT_ENDED, attempt.id, attempt.log_length, attempt.log_head):
        return (f"the session's record {anchor.sequence} says this attempt's log ended at record "
                f"{data.get('log_length')}, but it holds {attempt.log_length} with another head")
    return ""


def session_heads(session_id: int) -> list[AttemptHead]:
    """(attempt, length, head) of every attempt of the session with a log: what a checkpoint commits to."""
    return [AttemptHead(*row) for row in db.session.execute(
        select(Attempt.id, Attempt.log_length, Attempt.log_head).join(Sitting)
        .where(Sitting.session_id == session_id, Attempt.log_length > 0).order_by(Attempt.id))]


def anchoring_problems(session_id: int, session_records: Sequence[EventRecord]) -> list[str]:
    """Every attempt chain of the session verified, and checked against each head the session's
    chain committed to (at each attempt's end and at each checkpoint)."""
    attempts = {attempt.id: attempt for attempt in db.session.scalars(
        select(Attempt).join(Sitting).where(Sitting.session_id == session_id))}
    chains: dict[int, dict[int, str]] = {}
    problems = []
    for attempt in attempts.values():
        own = records(attempt.id)
        verification = verify_chain(ATTEMPT, attempt.id, own, attempt.log_length, attempt.log_head)
        if not verification.ok:
            problems.append(verification.describe(f"Attempt {attempt.id}"))
        chains[attempt.id] = {record.sequence: record.hash for record in own}
    for record in session_records:
        for head in _committed_heads(record):
            if head.attempt not in chains:
                problems.append(f"session record {record.sequence} commits to attempt {head.attempt}, "
                                "which is not stored in this session")
            elif chains[head.attempt].get(head.length) != head.head:
                problems.append(f"session record {record.sequence} commits to record {head.length} of attempt "
                                f"{head.attempt} as {head.head[:12]}…, which its log does not hold")
    return problems


def _committed_heads(record: EventRecord) -> list[AttemptHead]:
    if record.kind == CHECKPOINT:
        return [AttemptHead(*entry) for entry in record.data["attempts"]]
    if record.kind == ATTEMPT_ENDED and "log_head" in record.data:
        data = record.data
        return [AttemptHead(data["attempt"], data["log_length"], data["log_head"])]
    return []


def register() -> None:
    """Called by the app factory: checkpoints ask delivery for the attempts' heads."""
    register_attempt_heads(session_heads)
