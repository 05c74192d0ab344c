"""Knowledge units of the taxonomy, as the outcomes and criteria a default blueprint needs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exam_engine.extensions import db
from item_bank.taxonomy_models import LearningOutcome, UnitVersion


@dataclass(frozen=True)
class KnowledgeUnit:
    reference: str
    title: str
    outcomes: list[tuple[str, list[str]]]
    minutes: int | None
    marks: int | None


def knowledge_units() -> list[KnowledgeUnit]:
    """Every knowledge unit, from its current statement with the most criteria (documents differ)."""
    versions = db.session.scalars(
        select(UnitVersion).where(UnitVersion.unit_type == "knowledge", UnitVersion.superseded_at.is_(None))
        .options(selectinload(UnitVersion.unit),
                 selectinload(UnitVersion.learning_outcomes).selectinload(LearningOutcome.criteria))
    ).all()
    best: dict[str, UnitVersion] = {}
    for version in versions:
        reference = version.unit.reference
        if reference not in best or _size(version) > _size(best[reference]):
            best[reference] = version
    return [KnowledgeUnit(reference, v.title, [(lo.number, [ac.number for ac in lo.criteria])
                                               for lo in v.learning_outcomes], v.test_minutes, v.test_marks)
            for reference, v in sorted(best.items())]


def _size(version: UnitVersion) -> tuple[int, int]:
    return (version.test_marks is not None, sum(len(lo.criteria) for lo in version.learning_outcomes))
