"""Holds on a candidate's records, and the record of each erasure of personal data."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from exam_engine.core.database import enum_column, utcnow
from exam_engine.core.extensions import Model


class HoldReason(StrEnum):
    REVIEW = "review"  # a review of marking
    APPEAL = "appeal"
    MALPRACTICE = "malpractice"  # a malpractice investigation


class RecordHold(Model):
    """While open, the candidate's personal data and records are kept whatever their age."""

    __tablename__ = "record_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    reason: Mapped[HoldReason] = mapped_column(enum_column(HoldReason))
    reference: Mapped[str] = mapped_column(String(80))  # the case reference
    opened_by: Mapped[str] = mapped_column(String(80))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class Erasure(Model):
    """That a candidate's personal data was erased, when, and what was erased."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    erased_at: Mapped[datetime]
    fields: Mapped[str] = mapped_column(String(300))
