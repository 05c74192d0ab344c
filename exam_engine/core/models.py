"""The foundation's own table: throttle events, counted by every worker and server alike."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from exam_engine.core.extensions import Model


class ThrottleEvent(Model):
    """One counted attempt at something limited (a wrong sign-in code, an alert), by bucket and key."""

    __tablename__ = "throttle_events"
    __table_args__ = (Index("ix_throttle_events_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(40))  # what is limited, e.g. "sign-in:candidate"
    key: Mapped[str] = mapped_column(String(200))  # whose attempts, e.g. a candidate number or an address
    at: Mapped[datetime]
