"""What the awarding body decides about results: releases, incident reviews, special consideration;
and the units a centre records as achieved by portfolio.

A result itself is not stored until it is released: until then it is worked out from the
attempt's marks and the standard in force, so a standard decided after the sitting applies.
A release keeps the result exactly as released (`ResultRelease.outcome`) and is never
changed or removed; what a centre and its learner see is what was released.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.auth.models import User
from exam_engine.core.database import enum_column, utcnow
from exam_engine.core.extensions import Model
from exam_engine.delivery.models import Attempt
from invigilation.models.centres import Candidate
from invigilation.models.sessions import Incident


class ResultRelease(Model):
    __tablename__ = "result_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), unique=True)
    released_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON)  # the result as released (`outcomes.Outcome`)

    attempt: Mapped[Attempt] = relationship()
    released_by: Mapped[User] = relationship()


@event.listens_for(ResultRelease, "before_update")
@event.listens_for(ResultRelease, "before_delete")
def _refuse_changes(mapper: Any, connection: Any, target: ResultRelease) -> None:
    raise PermissionError("released results are never changed or removed")


class IncidentFinding(StrEnum):
    NO_EFFECT = "no_effect"  # results may go ahead (special consideration is asked for separately)
    MALPRACTICE_FOUND = "malpractice_found"  # the named candidates' results are withheld

    @property
    def label(self) -> str:
        return {"no_effect": "no effect on results", "malpractice_found": "malpractice found: results withheld"}[
            self.value]


class IncidentReview(Model):
    """The awarding body's finding on an incident; until there is one, results it touches are held."""

    __tablename__ = "incident_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    finding: Mapped[IncidentFinding] = mapped_column(enum_column(IncidentFinding))
    note: Mapped[str] = mapped_column(Text)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship()
    reviewed_by: Mapped[User] = relationship()


class ConsiderationState(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


class SpecialConsideration(Model):
    """A centre's request for a candidate affected by an incident, and the awarding body's decision.

    A granted request may add marks (at most `MAX_ADJUSTMENT_SHARE` of the test's marks)."""

    __tablename__ = "special_considerations"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[ConsiderationState] = mapped_column(enum_column(ConsiderationState),
                                                      default=ConsiderationState.REQUESTED)
    adjustment_marks: Mapped[int] = mapped_column(default=0)
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    attempt: Mapped[Attempt] = relationship()
    incident: Mapped[Incident] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


MAX_ADJUSTMENT_SHARE = 0.05
"""The most special consideration may add, as a share of the test's marks (JCQ's 5%)."""


class PortfolioUnit(Model):
    """A unit the centre records as achieved by portfolio, which counts towards qualifications with
    the units passed by onscreen test."""

    __tablename__ = "portfolio_units"
    __table_args__ = (UniqueConstraint("candidate_id", "unit_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    unit_reference: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text)  # what the centre's assessment rests on
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidate: Mapped[Candidate] = relationship()
    recorded_by: Mapped[User] = relationship()
