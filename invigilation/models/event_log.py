"""A record of a session's hash-chained event log (see `invigilation.services.event_log`)."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from exam_engine.core.extensions import Model


class EventRecord(Model):
    __tablename__ = "session_events"
    __table_args__ = (UniqueConstraint("session_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("test_sessions.id"), index=True)
    sequence: Mapped[int]  # 1, 2, ... within the session
    kind: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(80))  # a username, or "system"
    recorded_at: Mapped[datetime]
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly as hashed
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.payload)


@event.listens_for(EventRecord, "before_update")
@event.listens_for(EventRecord, "before_delete")
def _refuse_changes(mapper: Any, connection: Any, target: EventRecord) -> None:
    raise PermissionError("the session event log is append-only: records are never updated or deleted")
