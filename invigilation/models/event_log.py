"""Records of hash-chained event logs (see `invigilation.services.event_log`)."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from exam_engine.core.extensions import Model


class ChainedRecord:
    """The columns of a record of a hash chain: a session's, or an attempt's own."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int]  # 1, 2, ... within the chain
    kind: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(80))  # a username, or "system"
    recorded_at: Mapped[datetime]
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly as hashed
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.payload)


class EventRecord(ChainedRecord, Model):
    __tablename__ = "session_events"
    __table_args__ = (UniqueConstraint("session_id", "sequence"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("test_sessions.id"), index=True)


@event.listens_for(EventRecord, "before_update")
@event.listens_for(EventRecord, "before_delete")
def _refuse_changes(mapper: Any, connection: Any, target: EventRecord) -> None:
    raise PermissionError("the session event log is append-only: records are never updated or deleted")
