"""The record of changes to centres and the rules sessions follow: who changed what, and when.

Sessions have their own hash-chained event log; approving a centre, attaching its staff and
setting an invigilation ratio or a unit's booking rules happen outside any session, so they
are recorded here. Records are append-only. `record_change` joins the caller's transaction
(no commit), so a change and its record are written together or not at all.
"""

import json
from typing import Any

from sqlalchemy import select

from exam_engine.auth.models import User
from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from invigilation.models.setup_log import SetupChange


def record_change(kind: str, subject: str, details: dict[str, Any], actor: User) -> SetupChange:
    """Add a record in the caller's transaction (no commit)."""
    change = SetupChange(kind=kind, subject=subject, changed_by=actor.username, changed_at=utcnow(),
                         details=json.dumps(details, sort_keys=True, ensure_ascii=False))
    db.session.add(change)
    return change


def latest_changes(kind: str) -> dict[str, SetupChange]:
    """The newest record of `kind` for each subject, for showing who last changed what."""
    rows = db.session.scalars(select(SetupChange).where(SetupChange.kind == kind).order_by(SetupChange.id))
    return {row.subject: row for row in rows}


def recent_changes(kinds: tuple[str, ...], subject: str | None = None, limit: int = 50) -> list[SetupChange]:
    """The newest records of `kinds` first, of one subject if given."""
    query = select(SetupChange).where(SetupChange.kind.in_(kinds))
    if subject is not None:
        query = query.where(SetupChange.subject == subject)
    return list(db.session.scalars(query.order_by(SetupChange.id.desc()).limit(limit)))
