"""The qualification taxonomy: qualification -> unit -> version -> LO -> AC -> amplification.

A `Unit` is the shared identity (its reference, e.g. `Y/506/2152`): the same unit in several
qualifications is one row. What a document states about it (title, credit, outcomes,
criteria, amplification) is a `UnitVersion` belonging to that qualification, so two
documents that state a unit differently keep both statements. A later edition that
changes a statement adds a version and supersedes the old one, which stays, with its
criteria, for the items tagged to it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.core.database import utcnow
from exam_engine.core.extensions import Model


class Qualification(Model):
    __tablename__ = "qualifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(120), unique=True)  # Ofqual number or a stand-in
    title: Mapped[str] = mapped_column(String(255))
    awarding_body: Mapped[str] = mapped_column(String(120))
    level: Mapped[int | None]
    total_credits: Mapped[int | None]
    source_document: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    groups: Mapped[list[UnitGroup]] = relationship(back_populates="qualification", order_by="UnitGroup.position",
                                                   cascade="all, delete-orphan")
    rules: Mapped[list[CombinationRule]] = relationship(order_by="CombinationRule.position",
                                                        cascade="all, delete-orphan")
    unit_codes: Mapped[list[UnitCode]] = relationship(order_by="UnitCode.id", cascade="all, delete-orphan")
    unit_versions: Mapped[list[UnitVersion]] = relationship(back_populates="qualification")


class UnitGroup(Model):
    """A mandatory or optional group of the rules of combination, with its credit limits."""

    __tablename__ = "unit_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    mandatory: Mapped[bool]
    min_credits: Mapped[int | None]
    max_credits: Mapped[int | None]
    unit_references: Mapped[str] = mapped_column(Text)  # space-separated, in the document's order

    qualification: Mapped[Qualification] = relationship(back_populates="groups")


class CombinationRule(Model):
    """A rule of combination beyond the groups, as imported from the qualification's document.

    `kind` is `credits` (at least `min_credits` from `group_names`, every group when empty, at
    levels `min_level`..`max_level`), `barred` (of `unit_references` only one counts) or
    `unstated` (the group in `group_names` is required by an amount the document does not state).
    """

    __tablename__ = "combination_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    min_credits: Mapped[int | None]
    min_level: Mapped[int | None]
    max_level: Mapped[int | None]
    group_names: Mapped[str] = mapped_column(Text, default="")  # one per line
    unit_references: Mapped[str] = mapped_column(Text, default="")  # space-separated
    text: Mapped[str] = mapped_column(Text)  # as the document states it


class UnitCode(Model):
    """Another code a qualification's document uses for one of its units (`Unit 2`, `CS1`)."""

    __tablename__ = "unit_codes"
    __table_args__ = (UniqueConstraint("qualification_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id", ondelete="CASCADE"), index=True)
    unit_reference: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))


class Unit(Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)

    versions: Mapped[list[UnitVersion]] = relationship(back_populates="unit", order_by="UnitVersion.number")


class UnitVersion(Model):
    """One document's statement of a unit; `superseded_at` is set when a later edition changes it."""

    __tablename__ = "unit_versions"
    __table_args__ = (UniqueConstraint("unit_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id"), index=True)
    number: Mapped[int]  # 1, 2, ... across all of the unit's versions
    position: Mapped[int]  # the unit's place in its document
    title: Mapped[str] = mapped_column(String(255))
    level: Mapped[int | None]
    credit: Mapped[int | None]
    glh: Mapped[int | None]
    unit_type: Mapped[str | None] = mapped_column(String(20))  # knowledge or competence
    test_minutes: Mapped[int | None]
    test_marks: Mapped[int | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship(back_populates="versions")
    qualification: Mapped[Qualification] = relationship(back_populates="unit_versions")
    learning_outcomes: Mapped[list[LearningOutcome]] = relationship(
        back_populates="unit_version", order_by="LearningOutcome.position", cascade="all, delete-orphan")


class LearningOutcome(Model):
    __tablename__ = "learning_outcomes"
    __table_args__ = (UniqueConstraint("unit_version_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_version_id: Mapped[int] = mapped_column(ForeignKey("unit_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    number: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)

    unit_version: Mapped[UnitVersion] = relationship(back_populates="learning_outcomes")
    criteria: Mapped[list[AssessmentCriterion]] = relationship(
        back_populates="learning_outcome", order_by="AssessmentCriterion.position", cascade="all, delete-orphan")

    @property
    def identifier(self) -> str:
        return f"LO{self.number}"


class AssessmentCriterion(Model):
    __tablename__ = "assessment_criteria"
    __table_args__ = (UniqueConstraint("learning_outcome_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learning_outcome_id: Mapped[int] = mapped_column(ForeignKey("learning_outcomes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    number: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)

    learning_outcome: Mapped[LearningOutcome] = relationship(back_populates="criteria")
    points: Mapped[list[AmplificationPoint]] = relationship(
        back_populates="criterion", order_by="AmplificationPoint.path", cascade="all, delete-orphan")
    amplification: Mapped[list[AmplificationPoint]] = relationship(
        viewonly=True, order_by="AmplificationPoint.position",
        primaryjoin="and_(AssessmentCriterion.id == AmplificationPoint.criterion_id, "
                    "AmplificationPoint.parent_id.is_(None))")

    @property
    def identifier(self) -> str:
        return f"AC{self.number}"


class AmplificationPoint(Model):
    """A bullet of a criterion's amplification; `path` `2/1` makes the stable id `AC1.3/2/1`."""

    __tablename__ = "amplification_points"
    __table_args__ = (UniqueConstraint("criterion_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("assessment_criteria.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("amplification_points.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    path: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)

    criterion: Mapped[AssessmentCriterion] = relationship(back_populates="points")
    parent: Mapped[AmplificationPoint | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[AmplificationPoint]] = relationship(back_populates="parent",
                                                              order_by="AmplificationPoint.position")

    @property
    def identifier(self) -> str:
        return f"{self.criterion.identifier}/{self.path}"
