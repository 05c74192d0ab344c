"""How well a unit's bank covers its specification, and how it is being used.

* the criterion x difficulty matrix: items in service (newest version not retired) per
  assessment criterion they are tagged with and writer's difficulty rating;
* amplification points no item in service assesses;
* the blueprint's feasibility and the number of item-disjoint tests the live bank holds
  (`exam_engine.assembly.feasibility`);
* item exposure over a period: the share of attempts begun in it that were given each item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from blueprints.files import BlueprintError, load_all
from exam_engine.analysis.services.responses import unit_response_matrix
from exam_engine.assembly.engine import Engine
from exam_engine.assembly.feasibility import FeasibilityReport, feasibility
from exam_engine.core.extensions import db
from item_bank.items.models import Item, ItemStatus, ItemVersion
from item_bank.items.pools import unit_pools
from item_bank.items.records import DIFFICULTY_RATINGS
from item_bank.taxonomy.models import AssessmentCriterion
from item_bank.taxonomy.services import current_unit_version


@dataclass
class CriterionRow:
    identifier: str
    text: str
    counts: list[int]  # per difficulty rating, in DIFFICULTY_RATINGS order
    live: int


@dataclass
class Coverage:
    unit: str
    title: str
    rows: list[CriterionRow]
    uncovered: list[tuple[str, str]]  # (amplification id, text) with no item in service
    points: int
    feasibility: FeasibilityReport | None
    feasibility_note: str | None
    exposure: list[tuple[str, int, float]] = field(default_factory=list)  # (item, version, share)
    attempts: int = 0


def in_service(unit_reference: str) -> list[ItemVersion]:
    """Each item's newest version, unless it is retired."""
    items = db.session.scalars(select(Item).where(Item.unit_reference == unit_reference)
                               .options(selectinload(Item.versions))).all()
    return [item.latest for item in items if item.latest.status is not ItemStatus.RETIRED]


def unit_coverage(unit_reference: str, since: datetime | None = None, until: datetime | None = None) -> Coverage:
    version = current_unit_version(unit_reference)
    if version is None:
        raise LookupError(f"unit {unit_reference} is not in the imported taxonomy")
    criteria: list[AssessmentCriterion] = [c for lo in version.learning_outcomes for c in lo.criteria]
    versions = in_service(unit_reference)
    rows = []
    for criterion in criteria:
        tagged = [v for v in versions if criterion.identifier in v.criteria]
        rows.append(CriterionRow(criterion.identifier, criterion.text,
                                 [sum(v.difficulty_rating == r for v in tagged) for r in DIFFICULTY_RATINGS],
                                 sum(v.status is ItemStatus.LIVE for v in tagged)))
    assessed = {point for v in versions for point in v.amplification}
    points = [p for c in criteria for p in c.points]
    uncovered = [(p.identifier, p.text) for p in points
                 if p.identifier not in assessed and not any(a.startswith(p.identifier + "/") for a in assessed)]
    report, note = _feasibility(unit_reference)
    coverage = Coverage(unit_reference, version.title, rows, uncovered, len(points), report, note)
    _exposure(coverage, since, until)
    return coverage


def _feasibility(unit_reference: str) -> tuple[FeasibilityReport | None, str | None]:
    try:
        blueprint = load_all().get(unit_reference)
    except BlueprintError as error:
        return None, f"the blueprint files have problems: {error}"
    if blueprint is None:
        return None, "no blueprint is written for this unit yet"
    live, pretest = unit_pools(unit_reference)
    if live is None:
        return None, "the unit has no live items, so no test can be assembled"
    return feasibility(Engine(blueprint, live, pretest)), None


def _exposure(coverage: Coverage, since: datetime | None, until: datetime | None) -> None:
    matrix = unit_response_matrix(coverage.unit, since, until)
    coverage.attempts = matrix.n_persons
    if not matrix.n_persons:
        return
    given = (~np.isnan(matrix.scores)).sum(axis=0)
    labels: dict[int, str] = {version_id: code for version_id, code in db.session.execute(
        select(ItemVersion.id, Item.code).join(Item).where(ItemVersion.id.in_(matrix.version_ids)))}
    numbers: dict[int, int] = {version_id: number for version_id, number in db.session.execute(
        select(ItemVersion.id, ItemVersion.number).where(ItemVersion.id.in_(matrix.version_ids)))}
    rows = [(labels[vid], numbers[vid], float(given[j] / matrix.n_persons))
            for j, vid in enumerate(matrix.version_ids) if given[j]]
    coverage.exposure = sorted(rows, key=lambda row: -row[2])
