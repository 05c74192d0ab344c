"""Calibrations of item versions from stored responses: the evidence a reviewer promotes on.

A pretest calibration estimates an approved item version on the live scale (live items
held at their parameters) and is proposed for promotion; promoting copies its
parameters onto the version (`ParameterSource.CALIBRATED`).
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.database import utcnow
from exam_engine.extensions import db
from item_bank.items.models import ItemVersion


class ItemCalibration(db.Model):
    """One estimate of one item version's parameters, with standard errors."""

    __tablename__ = "item_calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    model: Mapped[str] = mapped_column(String(16))  # psychometrics model name, e.g. "gpcm"
    irt_a: Mapped[float]
    irt_d: Mapped[list[float]] = mapped_column(JSON)
    irt_c: Mapped[float] = mapped_column(default=0.0)
    se_a: Mapped[float | None]
    se_d: Mapped[list[float | None]] = mapped_column(JSON)
    responses: Mapped[int]  # learners who answered the item version
    anchors: Mapped[int]  # live item versions held fixed
    converged: Mapped[bool]
    evidence: Mapped[dict] = mapped_column(JSON)  # classical statistics and flags at calibration
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]  # promoted or returned; None: awaiting a reviewer

    item_version: Mapped[ItemVersion] = relationship()
