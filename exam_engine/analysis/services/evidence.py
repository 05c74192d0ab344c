"""Item statistics from stored responses: the service the pages, CSV and calibration share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select

from exam_engine.analysis.services.flags import Flag, flags_for
from exam_engine.analysis.services.responses import ResponseMatrix, unit_response_matrix
from exam_engine.analysis.services.statistics import ItemStatistics, VersionContent, abilities, item_statistics
from exam_engine.core.downloads import csv_text
from exam_engine.core.extensions import db
from exam_engine.psychometrics.models import ItemParameters
from item_bank.items.models import ItemCalibration, ItemVersion


@dataclass
class UnitEvidence:
    matrix: ResponseMatrix
    versions: list[ItemVersion]  # in the matrix's column order
    bank: ItemParameters
    theta: np.ndarray


def bank_parameters(versions: list[ItemVersion]) -> ItemParameters:
    """The versions' stored parameters as one `ItemParameters` (intercepts NaN-padded)."""
    width = max((len(v.irt_d) for v in versions), default=1)
    d = np.full((len(versions), width), np.nan)
    for j, version in enumerate(versions):
        d[j, : len(version.irt_d)] = version.irt_d
    return ItemParameters(np.array([v.irt_a for v in versions], float), d,
                          np.array([v.irt_c for v in versions], float))


def unit_evidence(unit_reference: str, since: datetime | None = None, until: datetime | None = None) -> UnitEvidence:
    matrix = unit_response_matrix(unit_reference, since, until)
    by_id = {v.id: v for v in db.session.scalars(select(ItemVersion).where(ItemVersion.id.in_(matrix.version_ids)))}
    versions = [by_id[vid] for vid in matrix.version_ids]
    bank = bank_parameters(versions)
    return UnitEvidence(matrix, versions, bank, abilities(matrix, bank))


def latest_calibration(version: ItemVersion) -> ItemCalibration | None:
    return db.session.scalars(
        select(ItemCalibration).where(ItemCalibration.item_version_id == version.id)
        .order_by(ItemCalibration.id.desc()).limit(1)
    ).first()


def content_of(version: ItemVersion) -> VersionContent:
    """The version's content, with standard errors from the calibration its parameters came from."""
    calibration = latest_calibration(version) if version.calibrated_at else None
    return VersionContent(
        version_id=version.id, type=version.type.value, marks=version.marks, key=version.key,
        options=version.options, source=version.parameter_source.value,
        se_a=calibration.se_a if calibration else None, se_d=calibration.se_d if calibration else [],
        calibrated_at=version.calibrated_at,
    )


def version_statistics(evidence: UnitEvidence, version: ItemVersion) -> tuple[ItemStatistics, list[Flag]]:
    stats = item_statistics(evidence.matrix, evidence.bank, evidence.theta, content_of(version))
    return stats, flags_for(stats)


CSV_COLUMNS = (
    "item", "version", "status", "responses", "facility", "facility_low", "facility_high",
    "correlation", "correlation_low", "correlation_high", "a", "difficulty", "source", "se_a",
    "infit", "outfit", "median_seconds", "exposure", "worst_dif", "flags",
)


def statistics_csv(unit_reference: str) -> str:
    """Every item version of a unit with its statistics and flags, as CSV text."""
    evidence = unit_evidence(unit_reference)
    rows = []
    for version in evidence.versions:
        stats, flags = version_statistics(evidence, version)
        categories = [row.category for row in stats.dif if row.category]
        rows.append([
            version.item.code, version.number, version.status.value, stats.responses,
            *_numbers(stats.facility, *(stats.facility_interval or (None, None))),
            *_numbers(stats.correlation, *(stats.correlation_interval or (None, None))),
            *_numbers(stats.a, stats.difficulty), stats.source, *_numbers(stats.se_a, stats.infit, stats.outfit,
                                                                          stats.median_seconds, stats.exposure),
            max(categories, default=""), "; ".join(flag.code for flag in flags),
        ])
    return csv_text(CSV_COLUMNS, rows)


def _numbers(*values: float | None) -> list[str]:
    return ["" if value is None else f"{value:.6g}" for value in values]
