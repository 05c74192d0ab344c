"""Opening and closing record holds (review, appeal, malpractice case) on a candidate."""

from sqlalchemy import select

from exam_engine.core.database import utcnow
from exam_engine.core.extensions import db
from exam_engine.operations.models import HoldReason, RecordHold
from invigilation.models.centres import Candidate, Centre


class HoldError(ValueError):
    """A hold that cannot be opened or closed, with the reason in words."""


def open_hold(centre_number: str, candidate_number: str, reason: HoldReason, reference: str, by: str) -> RecordHold:
    reference = reference.strip()
    if not reference:
        raise HoldError("give the case reference")
    candidate = db.session.scalar(select(Candidate).join(Centre).where(
        Centre.number == centre_number, Candidate.candidate_number == candidate_number))
    if candidate is None:
        raise HoldError(f"no candidate {candidate_number!r} at centre {centre_number!r}")
    if db.session.scalar(select(RecordHold.id).where(RecordHold.reference == reference,
                                                     RecordHold.closed_at.is_(None))):
        raise HoldError(f"a hold with reference {reference!r} is already open")
    hold = RecordHold(candidate_id=candidate.id, reason=reason, reference=reference, opened_by=by)
    db.session.add(hold)
    db.session.flush()
    return hold


def close_hold(reference: str) -> int:
    """Close every open hold with this reference; returns how many were closed."""
    holds = list(db.session.scalars(select(RecordHold).where(RecordHold.reference == reference.strip(),
                                                             RecordHold.closed_at.is_(None))))
    if not holds:
        raise HoldError(f"no open hold with reference {reference!r}")
    now = utcnow()
    for hold in holds:
        hold.closed_at = now
    db.session.flush()
    return len(holds)
