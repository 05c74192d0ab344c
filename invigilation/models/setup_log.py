"""A record of a change to centres or to the rules sessions follow (see `invigilation.services.setup_log`)."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from exam_engine.core.database import utcnow
from exam_engine.core.extensions import Model


class SetupChange(Model):
    __tablename__ = "setup_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)  # e.g. "centre.created", "ratio_rule.set"
    subject: Mapped[str] = mapped_column(String(200))  # the centre number, qualification or unit reference
    details: Mapped[str] = mapped_column(Text)  # JSON: the values before and after
    changed_by: Mapped[str] = mapped_column(String(80))  # a username
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.details)


@event.listens_for(SetupChange, "before_update")
@event.listens_for(SetupChange, "before_delete")
def _refuse_changes(mapper: Any, connection: Any, target: SetupChange) -> None:
    raise PermissionError("the set-up change record is append-only: records are never updated or deleted")
