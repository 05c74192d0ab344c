"""Replaying an attempt for an appeal: the assembly engine re-runs it and explains each choice.

A complete attempt carries the engine's sitting record, which `exam_engine.assembly.replay`
re-runs on the attempt's blueprint snapshot (as does a finished session of the adaptive
service). An adaptive attempt that ended before its last item (submitted early, time ran
out) has no complete record; it is replayed step by step: with the marks of the first k
items, the engine must choose item k + 1 again.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from exam_engine.assembly.record import SittingRecord
from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt, ServiceSession, Snapshot
from exam_engine.delivery.services import engine
from exam_engine.delivery.services.attempts import given_marks


@dataclass
class AttemptReplay:
    reproduced: bool
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def replay_attempt(attempt_id: int) -> AttemptReplay:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise LookupError(f"no attempt {attempt_id}")
    header = (f"Attempt {attempt.id}: unit {attempt.unit_reference}, {attempt.mode.value}, blueprint "
              f"{attempt.blueprint_version}, seed {attempt.seed}, {len(attempt.items)} items given.")
    if attempt.record is not None:
        report = engine.replay_record(SittingRecord.from_dict(attempt.record), attempt.snapshot)
        return AttemptReplay(report.reproduced, [header, *report.explanations], list(report.problems))
    if attempt.is_open or attempt.mode.allows_review:
        return AttemptReplay(False, [header], ["the attempt has no sitting record yet (it is still open)"])
    given = given_marks(attempt)
    lines, problems = [header, "The test ended before its last item; replaying each choice in turn:"], []
    for k, (code, _) in enumerate(given):
        step = engine.due_step(attempt.snapshot, given[:k])
        again = None if step is None else step.item
        lines.append(f"  item {k + 1}: recorded {code}, engine chooses {again}")
        if again != code:
            problems.append(f"item {k + 1}: the engine chooses {again}, the attempt was given {code}")
    return AttemptReplay(not problems, lines, problems)


def replay_service_session(identifier: str) -> AttemptReplay:
    """Replay a session a platform sat through the adaptive service (finished sessions keep their record)."""
    session = db.session.scalar(select(ServiceSession).where(ServiceSession.identifier == identifier))
    if session is None:
        raise LookupError(f"no adaptive service session {identifier}")
    header = (f"Adaptive service session {identifier}: unit {session.unit_reference}, "
              f"section {session.section.identifier}.")
    if session.record is None or session.snapshot is None:
        return AttemptReplay(False, [header], ["the session has no sitting record (it is open, or ended early)"])
    report = engine.replay_record(SittingRecord.from_dict(session.record), Snapshot.from_dict(session.snapshot))
    return AttemptReplay(report.reproduced, [header, *report.explanations], list(report.problems))
