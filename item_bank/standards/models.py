"""A standard-setting study of one unit, its panellists' judgements per round, and the decision.

A study fixes the items it covers when it opens (each item's newest live version; for the
bookmark method, in the order of the booklet). Each panellist gives, in each round, a
modified-Angoff judgement per item (`AngoffJudgement`: the share of the item's marks a
just-passing candidate would earn) or one bookmark (`BookmarkPlacement`). The decision
keeps each item's value in marks, so any form built from these items gets its own raw
pass mark, and the cut on the ability scale once the bank is calibrated.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.auth.models import User
from exam_engine.core.database import enum_column, utcnow
from exam_engine.core.extensions import Model


class StandardMethod(StrEnum):
    ANGOFF = "angoff"  # modified Angoff: a judgement per item
    BOOKMARK = "bookmark"  # a bookmark in the items ordered by RP-ability (calibrated banks only)

    @property
    def label(self) -> str:
        return {"angoff": "Modified Angoff", "bookmark": "Bookmark"}[self.value]


MINIMUM_ROUNDS = 2
MINIMUM_PANELLISTS = 2


class StandardStudy(Model):
    __tablename__ = "standard_studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_reference: Mapped[str] = mapped_column(String(16), index=True)
    method: Mapped[StandardMethod] = mapped_column(enum_column(StandardMethod))
    item_version_ids: Mapped[list[int]] = mapped_column(JSON)  # covered, in booklet order for a bookmark study
    booklet_theta: Mapped[list[float] | None] = mapped_column(JSON)  # each page's RP-ability (bookmark)
    round: Mapped[int] = mapped_column(default=1)  # the round panellists are judging now
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    rationale: Mapped[str | None] = mapped_column(Text)
    item_values: Mapped[dict[str, float] | None] = mapped_column(JSON)  # item version id -> value in marks
    raw_cut: Mapped[float | None]  # on the reference form: all the study's items (marks)
    theta_cut: Mapped[float | None]  # logits; once the bank is calibrated
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # each round's summary and impact

    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def decided(self) -> bool:
        return self.decided_at is not None


class AngoffJudgement(Model):
    __tablename__ = "angoff_judgements"
    __table_args__ = (UniqueConstraint("study_id", "round", "panellist_id", "item_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("standard_studies.id"), index=True)
    round: Mapped[int]
    panellist_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"))
    value: Mapped[float]  # expected share of the item's marks for a just-passing candidate, 0..1
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class BookmarkPlacement(Model):
    __tablename__ = "bookmark_placements"
    __table_args__ = (UniqueConstraint("study_id", "round", "panellist_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("standard_studies.id"), index=True)
    round: Mapped[int]
    panellist_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    page: Mapped[int]  # the last page a just-passing candidate masters (1..pages)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
