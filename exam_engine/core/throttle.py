"""Throttles on guessable secrets and costly requests, counted in the database.

Every gunicorn worker and every app server sees the same counts, so a client cannot
spread its attempts over them. An event is a row (bucket, key, time); a throttle counts
the rows of its bucket and key within its window. Rows older than a day are no use to
any window and are deleted as new ones are written.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from exam_engine.core.extensions import db
from exam_engine.core.models import ThrottleEvent

KEPT_FOR = timedelta(days=1)
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Limit:
    """At most `count` events per `window`."""

    count: int
    window: timedelta

    @property
    def minutes(self) -> int:
        return max(1, round(self.window.total_seconds() / 60))


def count(bucket: str, key: str, window: timedelta, now: datetime) -> int:
    """Events of `bucket` and `key` within the `window` before `now`."""
    return db.session.scalar(select(func.count(ThrottleEvent.id)).where(
        ThrottleEvent.bucket == bucket, ThrottleEvent.key == key[:MAX_KEY_LENGTH],
        ThrottleEvent.at > now - window)) or 0


def exceeded(bucket: str, key: str, limit: Limit, now: datetime) -> bool:
    return count(bucket, key, limit.window, now) >= limit.count


def record(bucket: str, key: str, now: datetime) -> None:
    """Count one event (in the caller's transaction)."""
    db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.at < now - KEPT_FOR))
    db.session.add(ThrottleEvent(bucket=bucket, key=key[:MAX_KEY_LENGTH], at=now))
    db.session.flush()


def allow(bucket: str, key: str, limit: Limit, now: datetime) -> bool:
    """Count the event and say whether it is within the limit (a refused one is not counted)."""
    if exceeded(bucket, key, limit, now):
        return False
    record(bucket, key, now)
    return True


def forget(bucket: str, key: str) -> None:
    """Clear a key's count (an invigilator lets the candidate try again)."""
    db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.bucket == bucket,
                                                   ThrottleEvent.key == key[:MAX_KEY_LENGTH]))


def recent_keys(bucket: str, prefix: str, window: timedelta, now: datetime) -> dict[str, int]:
    """Keys of `bucket` starting with `prefix` that have events within the window, with their counts."""
    rows = db.session.execute(select(ThrottleEvent.key, func.count(ThrottleEvent.id)).where(
        ThrottleEvent.bucket == bucket, ThrottleEvent.key.startswith(prefix, autoescape=True),
        ThrottleEvent.at > now - window).group_by(ThrottleEvent.key))
    return {key: n for key, n in rows}
