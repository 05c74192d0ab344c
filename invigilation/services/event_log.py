"""The per-session event log: append-only and hash-chained, so tampering shows.

Every invigilation event of a session is one record; each attempt keeps a chain of its
own for its items, answers and end (`exam_engine.delivery.services.attempt_log`, hashed
by the same `chain_hash`), which the session's chain commits to when the attempt ends
and at each checkpoint (`invigilation.services.checkpoints`). A record's hash covers its
chain (session or attempt), sequence number, kind, actor, time, payload and the previous
record's hash (SHA-256), so altering, removing or reordering a row breaks the chain at
that row. The session keeps the head (length and last hash) so that removing rows from
the end is caught too. A log rewritten together with its head is caught against the
heads signed outside the database (`invigilation.services.signing`).

`append_event` joins the caller's transaction (it does not commit): the event and the
change it records are written together or not at all.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.models.event_log import ChainedRecord, EventRecord
from invigilation.models.sessions import TestSession

GENESIS = "0" * 64
SESSION = "session"
SYSTEM_ACTOR = "system"


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(scope: str, owner: int, sequence: int, kind: str, actor: str, recorded_at: datetime,
               payload: str, previous_hash: str) -> str:
    """SHA-256 of one record of the chain of `scope` ("session" or "attempt") number `owner`."""
    material = canonical_json({
        scope: owner, "sequence": sequence, "kind": kind, "actor": actor,
        "at": recorded_at.isoformat(), "payload": payload, "previous": previous_hash,
    })
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def record_hash(session_id: int, sequence: int, kind: str, actor: str, recorded_at: datetime,
                payload: str, previous_hash: str) -> str:
    """The hash of a record of a session's chain."""
    return chain_hash(SESSION, session_id, sequence, kind, actor, recorded_at, payload, previous_hash)


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

    def describe(self, what: str) -> str:
        """One line for `what`, e.g. "Session 3" or "Attempt 12"."""
        if self.ok:
            return f"{what}: event log intact ({self.records} records, chain and head verified)."
        where = f"record {self.broken_sequence}" + (f" (row id {self.broken_id})" if self.broken_id else "")
        return f"{what}: event log BROKEN at {where}: {self.problem}"


def verify_chain(scope: str, owner: int, rows: Sequence[ChainedRecord], length: int, head: str | None) -> Verification:
    """Walk a chain's records in sequence order against its stored head (`length` records ending in
    `head`); report the first record that fails."""
    previous = GENESIS
    for expected, row in enumerate(rows, start=1):
        if row.sequence != expected:
            problem = (f"record {expected} is missing (the next record is numbered {row.sequence})"
                       if row.sequence > expected else f"record number {row.sequence} appears twice")
            return Verification(False, len(rows), expected, row.id, problem)
        if row.previous_hash != previous:
            return Verification(False, len(rows), expected, row.id,
                                "it does not link to the record before it (removed or reordered)")
        digest = chain_hash(scope, owner, row.sequence, row.kind, row.actor, row.recorded_at, row.payload,
                            row.previous_hash)
        if digest != row.hash:
            return Verification(False, len(rows), expected, row.id, "its content does not match its hash (altered)")
        previous = row.hash
    if len(rows) != length or previous != (head or GENESIS):
        return Verification(False, len(rows), len(rows) + 1, None,
                            f"the log should hold {length} records ending in {(head or GENESIS)[:12]}…, "
                            f"but holds {len(rows)} (records removed from the end)")
    return Verification(True, len(rows))


def session_records(session_id: int) -> Sequence[EventRecord]:
    return db.session.scalars(select(EventRecord).where(EventRecord.session_id == session_id)
                              .order_by(EventRecord.sequence, EventRecord.id)).all()


def verify_log(session_id: int) -> Verification:
    """Walk the session's chain in sequence order; report the first record that fails."""
    session = db.session.get(TestSession, session_id)
    if session is None:
        raise LookupError(f"no test session {session_id}")
    return verify_chain(SESSION, session_id, session_records(session_id), session.log_length, session.log_head)
