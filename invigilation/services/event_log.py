"""The per-session event log: append-only and hash-chained, so tampering shows.

Every invigilation event and every answer event of a session is one record. A record's
hash covers its session, sequence number, kind, actor, time, payload and the previous
record's hash (SHA-256), so altering, removing or reordering a row breaks the chain at
that row. The session keeps the head (length and last hash) so that removing rows from
the end is caught too. Anyone able to rewrite the whole chain and the head together is
outside what a hash chain can show; the printed, signed session report carries the head.

`append_event` joins the caller's transaction (it does not commit): the event and the
change it records are written together or not at all.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.models.event_log import EventRecord
from invigilation.models.sessions import TestSession

GENESIS = "0" * 64
SYSTEM_ACTOR = "system"


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(session_id: int, sequence: int, kind: str, actor: str, recorded_at: datetime,
                payload: str, previous_hash: str) -> str:
    material = canonical_json({
        "session": session_id, "sequence": sequence, "kind": kind, "actor": actor,
        "at": recorded_at.isoformat(), "payload": payload, "previous": previous_hash,
    })
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def actor_name(actor: User | str | None) -> str:
    if actor is None:
        return SYSTEM_ACTOR
    return actor if isinstance(actor, str) else actor.username


def append_event(session_id: int, kind: str, payload: dict[str, Any], actor: User | str | None,
                 at: datetime | None = None) -> EventRecord:
    """Add a record to the session's chain in the caller's transaction (no commit).

    The session's head is claimed first with an UPDATE, which takes the write lock (SQLite)
    or the row lock (PostgreSQL) until commit, so concurrent appenders queue up and each
    reads the head the one before it wrote. `payload` must be JSON-serialisable.
    """
    db.session.execute(
        update(TestSession).where(TestSession.id == session_id)
        .values(log_length=TestSession.log_length + 1).execution_options(synchronize_session=False))
    head_row = db.session.execute(
        select(TestSession.log_length, TestSession.log_head).where(TestSession.id == session_id)).one_or_none()
    if head_row is None:
        raise LookupError(f"no test session {session_id}")
    sequence, head = head_row
    previous = head or GENESIS
    recorded_at = at or utcnow()
    text = canonical_json(payload)
    name = actor_name(actor)
    digest = record_hash(session_id, sequence, kind, name, recorded_at, text, previous)
    record = EventRecord(session_id=session_id, sequence=sequence, kind=kind, actor=name,
                         recorded_at=recorded_at, payload=text, previous_hash=previous, hash=digest)
    db.session.add(record)
    db.session.execute(update(TestSession).where(TestSession.id == session_id).values(log_head=digest)
                       .execution_options(synchronize_session=False))
    cached = db.session.identity_map.get(db.session.identity_key(TestSession, session_id))
    if cached is not None:
        db.session.expire(cached, ["log_length", "log_head"])
    db.session.flush()
    return record


@dataclass(frozen=True)
class Verification:
    ok: bool
    records: int
    broken_sequence: int | None = None  # the first record that fails
    broken_id: int | None = None
    problem: str = ""

    def describe(self, session_id: int) -> str:
        if self.ok:
            return f"Session {session_id}: event log intact ({self.records} records, chain and head verified)."
        where = f"record {self.broken_sequence}" + (f" (row id {self.broken_id})" if self.broken_id else "")
        return f"Session {session_id}: event log BROKEN at {where}: {self.problem}"


def verify_log(session_id: int) -> Verification:
    """Walk the session's chain in sequence order; report the first record that fails."""
    session = db.session.get(TestSession, session_id)
    if session is None:
        raise LookupError(f"no test session {session_id}")
    rows = db.session.scalars(select(EventRecord).where(EventRecord.session_id == session_id)
                              .order_by(EventRecord.sequence, EventRecord.id)).all()
    previous = GENESIS
    for expected, row in enumerate(rows, start=1):
        if row.sequence != expected:
            problem = (f"record {expected} is missing (the next record is numbered {row.sequence})"
                       if row.sequence > expected else f"record number {row.sequence} appears twice")
            return Verification(False, len(rows), expected, row.id, problem)
        if row.previous_hash != previous:
            return Verification(False, len(rows), expected, row.id,
                                "it does not link to the record before it (removed or reordered)")
        digest = record_hash(row.session_id, row.sequence, row.kind, row.actor, row.recorded_at,
                             row.payload, row.previous_hash)
        if digest != row.hash:
            return Verification(False, len(rows), expected, row.id, "its content does not match its hash (altered)")
        previous = row.hash
    if len(rows) != session.log_length or previous != (session.log_head or GENESIS):
        missing_from = len(rows) + 1
        return Verification(False, len(rows), missing_from, None,
                            f"the log should hold {session.log_length} records ending in "
                            f"{(session.log_head or GENESIS)[:12]}…, but holds {len(rows)} "
                            "(records removed from the end)")
    return Verification(True, len(rows))
