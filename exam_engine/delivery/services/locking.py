"""Taking the write lock first, so that a service's reads and writes cannot interleave with another's.

On PostgreSQL an UPDATE locks the row until commit (answers of one attempt queue up). On
SQLite the same statement opens the write transaction before anything is read: the
driver runs plain SELECTs outside any transaction, so without this two workers could
read the same next sequence number (or event-log head) and both try to write it.
"""

from sqlalchemy import update

from exam_engine.core.extensions import db
from exam_engine.delivery.models import Attempt
from invigilation.models.sessions import Sitting


def lock_attempt(attempt_id: int) -> None:
    db.session.execute(update(Attempt).where(Attempt.id == attempt_id).values(next_sequence=Attempt.next_sequence))


def lock_sitting(sitting_id: int) -> None:
    db.session.execute(update(Sitting).where(Sitting.id == sitting_id).values(state=Sitting.state))
